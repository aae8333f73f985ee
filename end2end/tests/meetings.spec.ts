import { test, expect } from "@playwright/test";
import { hydrated, login, loginWithoutJs, newPage, pendingCount, registerPatient, requestMeeting, tomorrowAt } from "./helpers";

test("the researcher declines with a reason and the patient sees Declined", async ({ browser }) => {
  const patient = await newPage(browser);
  await registerPatient(patient.page, "Dana Decline");
  await requestMeeting(patient.page, "Dr. James Chen", "Question about my blood pressure readings");

  const researcher = await newPage(browser);
  await login(researcher.page, "james.chen@test.com");
  await expect(researcher.page).toHaveURL(/\/dashboard\/researcher$/);
  const card = researcher.page.getByRole("listitem").filter({ hasText: "Dana Decline" }).filter({ has: researcher.page.getByRole("button", { name: "Decline" }) });
  await card.getByLabel("Reason (optional)").fill("Please contact the cardiology clinic instead");
  await card.getByRole("button", { name: "Decline" }).click();
  await expect(researcher.page.getByText("Meeting request declined")).toBeVisible();
  await expect(card).toHaveCount(0);
  const answered = researcher.page.getByRole("listitem").filter({ hasText: "Dana Decline" });
  await expect(answered.getByText("Declined", { exact: true })).toBeVisible();

  await patient.page.goto("/dashboard/patient");
  const item = patient.page.getByRole("listitem").filter({ hasText: "Dr. James Chen" });
  await expect(item.getByText("Declined", { exact: true })).toBeVisible();
  await expect(item).toContainText("Please contact the cardiology clinic instead");
  await patient.context.close();
  await researcher.context.close();
});

test("the patient cancels a pending request", async ({ page }) => {
  await registerPatient(page, "Casey Cancel");
  await requestMeeting(page, "Dr. Amara Okafor", "Can we talk about trial eligibility?", "Phone Call");
  await page.goto("/dashboard/patient");
  await hydrated(page);
  const item = page.getByRole("listitem").filter({ hasText: "Dr. Amara Okafor" });
  await expect(item.getByText("Pending", { exact: true })).toBeVisible();
  await item.getByRole("button", { name: "Cancel request" }).click();
  await expect(page.getByText("Your meeting request was cancelled.")).toBeVisible();
  await expect(item.getByText("Cancelled", { exact: true })).toBeVisible();
  await expect(item.getByRole("button", { name: "Cancel request" })).toHaveCount(0);
});

test("the dialog explains mistakes next to the field and stores nothing", async ({ page }) => {
  await registerPatient(page, "Val Validation");
  await page.goto("/experts");
  await hydrated(page);
  await page.getByRole("button", { name: "Request Meeting" }).first().click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel("Message")).toBeFocused();

  await dialog.getByRole("button", { name: "Send Request" }).click();
  await expect(dialog.getByText("Write a short message for the researcher.")).toBeVisible();
  await dialog.getByLabel("Message").fill("A real question");
  await dialog.getByRole("button", { name: "Send Request" }).click();
  await expect(dialog.getByText("Choose a preferred date and time.")).toBeVisible();
  await dialog.getByLabel("Preferred date and time").fill("2020-01-01T10:00");
  await dialog.getByRole("button", { name: "Send Request" }).click();
  await expect(dialog.getByText("Choose a date and time in the future.")).toBeVisible();

  // Escape closes; Cancel closes; nothing was sent.
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await page.getByRole("button", { name: "Request Meeting" }).first().click();
  await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await page.goto("/dashboard/patient");
  await expect(page.getByText("You have not sent any meeting requests yet.")).toBeVisible();
});

test("focus stays inside the dialog", async ({ page }) => {
  await registerPatient(page, "Tab Trap");
  await page.goto("/experts");
  await hydrated(page);
  await page.getByRole("button", { name: "Request Meeting" }).first().click();
  const dialog = page.getByRole("dialog");
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press("Tab");
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press("Shift+Tab");
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
});

test("search filters experts by name or specialty", async ({ page }) => {
  await login(page, "patient@test.com");
  await page.goto("/experts");
  await hydrated(page);
  await page.getByLabel("Search by name or specialty").fill("cardio");
  await expect(page.getByRole("heading", { name: "Dr. James Chen" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Dr. Sarah Smith" })).toHaveCount(0);
  await page.getByLabel("Search by name or specialty").fill("okafor");
  await expect(page.getByRole("heading", { name: "Dr. Amara Okafor" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Dr. James Chen" })).toHaveCount(0);
});

test("live: both sides see each other's actions without reloading", async ({ browser }) => {
  const researcher = await newPage(browser);
  await login(researcher.page, "lukas.berg@test.com");
  await expect(researcher.page).toHaveURL(/\/dashboard\/researcher$/);
  await hydrated(researcher.page);
  const before = await pendingCount(researcher.page);

  const patient = await newPage(browser);
  await registerPatient(patient.page, "Liv Live");
  await requestMeeting(patient.page, "Dr. Lukas Berg", "Early symptoms question");

  // Arrives live: card, heading, title, notification.
  await expect(researcher.page.getByRole("heading", { name: `Pending Meeting Requests (${before + 1})` })).toBeVisible();
  const card = researcher.page.getByRole("listitem").filter({ hasText: "Liv Live" }).filter({ has: researcher.page.getByRole("button", { name: "Accept" }) });
  await expect(card).toContainText("Early symptoms question");
  await expect(researcher.page).toHaveTitle(`(${before + 1}) Dashboard`);
  await expect(researcher.page.getByText("New meeting request from Liv Live")).toBeVisible();

  await patient.page.goto("/dashboard/patient");
  await hydrated(patient.page);
  const item = patient.page.getByRole("listitem").filter({ hasText: "Dr. Lukas Berg" });
  await expect(item.getByText("Pending", { exact: true })).toBeVisible();

  await card.getByRole("button", { name: "Accept" }).click();
  await expect(item.getByText("Accepted", { exact: true })).toBeVisible();
  await expect(patient.page.getByText("Dr. Lukas Berg accepted your meeting request")).toBeVisible();
  await expect(researcher.page.getByRole("heading", { name: `Pending Meeting Requests (${before})` })).toBeVisible();

  // And a decline, the same way.
  await requestMeeting(patient.page, "Dr. Lukas Berg", "One more question");
  await patient.page.goto("/dashboard/patient");
  await hydrated(patient.page);
  const second = researcher.page.getByRole("listitem").filter({ hasText: "One more question" }).filter({ has: researcher.page.getByRole("button", { name: "Decline" }) });
  await expect(second).toBeVisible();
  await second.getByRole("button", { name: "Decline" }).click();
  await expect(patient.page.getByText("Dr. Lukas Berg declined your meeting request")).toBeVisible();
  await expect(patient.page.getByRole("listitem").filter({ hasText: "One more question" }).getByText("Declined", { exact: true })).toBeVisible();
  await researcher.page.screenshot({ path: "screenshots/researcher-dashboard.png", fullPage: true });
  await patient.page.screenshot({ path: "screenshots/patient-dashboard.png", fullPage: true });
  await patient.context.close();
  await researcher.context.close();
});

test("the request dialog works without JavaScript", async ({ browser }) => {
  const setup = await newPage(browser);
  const email = await registerPatient(setup.page, "Nora NoScript");
  await setup.context.close();

  const { context, page } = await loginWithoutJs(browser, email, "a-long-password");
  await page.goto("/experts");
  const card = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Dr. Sarah Smith" }) });
  await card.getByRole("button", { name: "Request Meeting" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("Message").fill("Sent from a plain form");
  await dialog.getByLabel("Preferred date and time").fill(tomorrowAt(10));
  await dialog.getByRole("button", { name: "Send Request" }).click();
  await expect(page.getByText("Meeting request sent")).toBeVisible();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await page.goto("/dashboard/patient");
  await expect(page.getByRole("listitem").filter({ hasText: "Dr. Sarah Smith" }).getByText("Pending", { exact: true })).toBeVisible();
  await context.close();
});
