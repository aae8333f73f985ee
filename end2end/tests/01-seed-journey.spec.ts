import { test, expect } from "@playwright/test";
import { hydrated, login, requestMeeting } from "./helpers";

// The seed's testing guide, as written: Test 1 then Test 2, on a fresh database.
test.describe.serial("seed testing guide", () => {
  test("Test 1: a patient sends a meeting request from Experts", async ({ page }) => {
    await login(page, "patient@test.com");
    await expect(page).toHaveURL(/\/dashboard\/patient$/);
    await page.getByRole("link", { name: "Experts" }).click();
    await expect(page).toHaveURL(/\/experts$/);
    await expect(page.getByRole("button", { name: "Request Meeting" }).first()).toBeVisible();
    await requestMeeting(page, "Dr. Sarah Smith", "Hi, I'd like to discuss diabetes treatment options");
  });

  test("Test 2: the researcher sees it, with the full message, and accepts", async ({ page }) => {
    await login(page, "researcher@test.com");
    await expect(page).toHaveURL(/\/dashboard\/researcher$/);
    await page.reload();
    await hydrated(page);
    await expect(page.getByRole("heading", { name: "Pending Meeting Requests (1)" })).toBeVisible();
    const card = page.getByRole("listitem").filter({ hasText: "John Doe" }).filter({ has: page.getByRole("button", { name: "Accept" }) });
    await expect(card).toBeVisible();
    await expect(card).toContainText("Hi, I'd like to discuss diabetes treatment options");
    await expect(card).toContainText("Preferred Date & Time:");
    await expect(card).toContainText("02:00 PM (Europe/Paris)");
    await expect(card).toContainText("Meeting Type: Video Call");
    await expect(page).toHaveTitle("(1) Dashboard");

    await card.getByRole("button", { name: "Accept" }).click();
    await expect(page.getByText("Meeting request accepted")).toBeVisible();
    await expect(page.getByRole("heading", { name: "Pending Meeting Requests (0)" })).toBeVisible();
    await expect(page.getByText("No pending meeting requests")).toBeVisible();
    await expect(page).toHaveTitle("(0) Dashboard");
  });

  test("the patient sees the answer on the dashboard", async ({ page }) => {
    await login(page, "patient@test.com");
    await expect(page.getByRole("heading", { name: "My Meeting Requests" })).toBeVisible();
    const item = page.getByRole("listitem").filter({ hasText: "Dr. Sarah Smith" });
    await expect(item.getByText("Accepted", { exact: true })).toBeVisible();
  });
});
