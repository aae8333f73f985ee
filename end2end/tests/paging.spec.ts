import { test, expect } from "@playwright/test";
import { hydrated, registerPatient } from "./helpers";

/** A page of the dashboards holds 20 requests; "Show more" loads the next. */
test("the patient's list is paged with Show more", async ({ page }) => {
  await registerPatient(page, "Paige Paging");
  const experts = await (await page.request.get("/api/experts")).json();
  const expert = experts.find((e: { full_name: string }) => e.full_name === "Dr. Lukas Berg");
  const when = new Date(Date.now() + 2 * 24 * 3600 * 1000).toISOString();
  // 22 requests: one pending at a time per pair, so cancel all but the last.
  for (let n = 1; n <= 22; n++) {
    const created = await page.request.post("/api/meetings/", {
      data: { expert_id: expert.id, message: `Paging question ${n}`, preferred_at: when, meeting_type: "Phone Call", time_zone: "UTC" },
    });
    expect(created.status()).toBe(201);
    if (n < 22) {
      const { id } = await created.json();
      const cancelled = await page.request.put(`/api/meetings/${id}/status`, { data: { status: "cancelled" } });
      expect(cancelled.status()).toBe(200);
    }
  }
  const limited = await page.request.get("/api/meetings/?limit=501");
  expect(limited.status()).toBe(400);
  expect((await limited.json()).error.field).toBe("limit");

  await page.goto("/dashboard/patient");
  await hydrated(page);
  const items = page.getByRole("listitem").filter({ hasText: "Paging question" });
  await expect(items).toHaveCount(20);
  await expect(items.first()).toContainText("Paging question 22");
  await page.getByRole("button", { name: "Show more" }).click();
  await expect(items).toHaveCount(22);
  await expect(items.last()).toContainText("Paging question 1");
  await expect(page.getByRole("button", { name: "Show more" })).toHaveCount(0);
});
