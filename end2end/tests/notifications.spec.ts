import { test, expect } from "@playwright/test";
import { hydrated, login, loginWithoutJs, newPage, registerPatient, requestMeeting, scan } from "./helpers";

const CHECKBOX = "Email me about my meeting requests";

test("the settings page saves the email choice and shows it after a reload", async ({ page }) => {
  await registerPatient(page, "Sam Settings");
  await hydrated(page);
  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole("heading", { name: "Settings" })).toBeVisible();
  const box = page.getByLabel(CHECKBOX);
  await expect(box).toBeChecked();
  await scan(page, "settings");
  await box.uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Your settings were saved.")).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel(CHECKBOX)).not.toBeChecked();
  // The JSON API says the same.
  const prefs = await page.request.get("/api/me/preferences");
  expect(await prefs.json()).toEqual({ email_notifications: false });
});

test("the settings page works without JavaScript", async ({ browser }) => {
  const setup = await newPage(browser);
  const email = await registerPatient(setup.page, "Nell NoScript");
  await setup.context.close();

  const { context, page } = await loginWithoutJs(browser, email, "a-long-password");
  await page.goto("/settings");
  await page.getByLabel(CHECKBOX).uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Your settings were saved.")).toBeVisible();
  await page.goto("/settings");
  await expect(page.getByLabel(CHECKBOX)).not.toBeChecked();
  await page.getByLabel(CHECKBOX).check();
  await page.getByRole("button", { name: "Save" }).click();
  await page.goto("/settings");
  await expect(page.getByLabel(CHECKBOX)).toBeChecked();
  await context.close();
});

test("a live event in a hidden tab shows a desktop notification with the notice's words", async ({ browser }) => {
  // Without permission, the dashboard offers to ask for it (and never asks by itself).
  const asking = await newPage(browser);
  await login(asking.page, "priya.nair@test.com");
  await expect(asking.page.getByRole("button", { name: "Turn on desktop notifications" })).toBeVisible();
  await asking.context.close();

  const context = await browser.newContext({ permissions: ["notifications"] });
  const page = await context.newPage();
  // The tab is hidden (as behind another window), and the real Notification
  // constructor is watched: each call is recorded, then goes through.
  await page.addInitScript(() => {
    Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    const seen: string[] = [];
    (window as any).__notifications = seen;
    const Real = window.Notification;
    window.Notification = new Proxy(Real, {
      construct(target, args) {
        seen.push(String(args[0]));
        return Reflect.construct(target, args);
      },
    });
  });
  await login(page, "priya.nair@test.com");
  await expect(page.getByText("Desktop notifications are on.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Turn on desktop notifications" })).toHaveCount(0);

  const patient = await newPage(browser);
  await registerPatient(patient.page, "Nadia Notify");
  await requestMeeting(patient.page, "Dr. Priya Nair", "Will I get a notification?");

  await expect(page.getByText("New meeting request from Nadia Notify")).toBeVisible();
  await expect
    .poll(() => page.evaluate(() => (window as any).__notifications as string[]))
    .toContain("New meeting request from Nadia Notify");
  await patient.context.close();
  await context.close();
});
