import { test, expect } from "@playwright/test";
import { hydrated, login, registerPatient } from "./helpers";

test("the home page hydrates and links to login and register", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await page.getByRole("main").getByRole("link", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.screenshot({ path: "screenshots/login.png", fullPage: true });
});

test("each role lands on its own dashboard, and can log out", async ({ page }) => {
  await login(page, "researcher@test.com");
  await expect(page).toHaveURL(/\/dashboard\/researcher$/);
  await expect(page.getByText("Dr. Sarah Smith").first()).toBeVisible();
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/dashboard/researcher");
  await expect(page).toHaveURL(/\/login$/);

  await login(page, "patient@test.com");
  await expect(page).toHaveURL(/\/dashboard\/patient$/);
  await expect(page.getByRole("link", { name: "Experts" })).toBeVisible();
  // The wrong role gets a clear refusal.
  await page.goto("/dashboard/researcher");
  await expect(page.getByRole("heading", { name: "This page is not for your account" })).toBeVisible();
});

test("logging out in one tab ends the live connection of another, which goes to the login", async ({ context }) => {
  const first = await context.newPage();
  await login(first, "patient2@test.com");
  const second = await context.newPage();
  await second.goto("/dashboard/patient");
  await hydrated(second);
  await first.getByRole("button", { name: "Log out" }).click();
  await expect(first).toHaveURL(/\/login$/);
  // The server closes the other tab's socket (close code 4002) within seconds.
  await expect(second).toHaveURL(/\/login$/, { timeout: 10_000 });
});

test("a wrong password shows an error that names no field", async ({ page }) => {
  await login(page, "patient@test.com", "not-the-password");
  const alert = page.getByRole("alert");
  await expect(alert).toHaveText("The email or password is incorrect.");
  await expect(page).toHaveURL(/\/login/);
});

test("a new patient registers and uses the account", async ({ page }) => {
  await registerPatient(page, "Alex Register");
  await expect(page.getByRole("heading", { name: "My Meeting Requests" })).toBeVisible();
  await expect(page.getByText("You have not sent any meeting requests yet.")).toBeVisible();
  await page.getByRole("link", { name: "Experts" }).click();
  await expect(page.getByRole("button", { name: "Request Meeting" }).first()).toBeVisible();
});

test("a new researcher registers and sees the empty state", async ({ page }) => {
  await page.goto("/register");
  await hydrated(page);
  await page.getByLabel("Researcher").check();
  await page.getByLabel("Full name").fill("Dr. New Researcher");
  await page.getByLabel("Email").fill(`new.researcher.${Date.now()}@example.org`);
  await page.getByLabel("Password").fill("a-long-password");
  await page.getByLabel("Specialty").fill("Dermatology");
  await page.getByLabel("Institution").fill("Skin Research Lab");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/dashboard\/researcher$/);
  await expect(page.getByRole("heading", { name: "Pending Meeting Requests (0)" })).toBeVisible();
  await expect(page.getByText("No pending meeting requests")).toBeVisible();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the login form still works", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Email").fill("researcher@test.com");
    await page.getByLabel("Password").fill("password123");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page).toHaveURL(/\/dashboard\/researcher$/);
    await expect(page.getByRole("heading", { name: /Pending Meeting Requests \(\d+\)/ })).toBeVisible();
  });

  test("a wrong password comes back with the error", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Email").fill("researcher@test.com");
    await page.getByLabel("Password").fill("wrong-password");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page.getByRole("alert")).toHaveText("The email or password is incorrect.");
  });
});
