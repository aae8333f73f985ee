import { test, expect, Browser, Page } from "@playwright/test";
import { hydrated, login, newPage, pendingCount, requestMeeting } from "../tests/helpers";

/** Which instance nginx sends this browser's session to. */
async function instanceOf(page: Page): Promise<string> {
  const res = await page.request.get("/healthz");
  return res.headers()["x-upstream"] ?? "";
}

/** Logs in, again if needed, until the session lands on an instance other than `notOn`. */
async function loginOn(browser: Browser, email: string, notOn?: string) {
  for (let attempt = 0; attempt < 12; attempt++) {
    const client = await newPage(browser);
    await login(client.page, email);
    const at = await instanceOf(client.page);
    if (at && at !== notOn) return { ...client, at };
    await client.context.close();
  }
  throw new Error(`every session of ${email} landed on ${notOn}`);
}

test("a patient on one instance and a researcher on another see each other live", async ({ browser }) => {
  const researcher = await loginOn(browser, "lukas.berg@test.com");
  const patient = await loginOn(browser, "patient2@test.com", researcher.at);
  expect(patient.at).not.toBe(researcher.at);

  await researcher.page.goto("/dashboard/researcher");
  await hydrated(researcher.page);
  const before = await pendingCount(researcher.page);

  // The request appears live on the other instance.
  await requestMeeting(patient.page, "Dr. Lukas Berg", "A question asked across two instances");
  await expect(researcher.page.getByRole("heading", { name: `Pending Meeting Requests (${before + 1})` })).toBeVisible();
  const card = researcher.page
    .getByRole("listitem")
    .filter({ hasText: "A question asked across two instances" })
    .filter({ has: researcher.page.getByRole("button", { name: "Accept" }) });
  await expect(card).toContainText("Maria Garcia");

  // The patient watches the dashboard; the accept turns the badge live.
  await patient.page.goto("/dashboard/patient");
  await hydrated(patient.page);
  const item = patient.page.getByRole("listitem").filter({ hasText: "A question asked across two instances" });
  await expect(item.getByText("Pending", { exact: true })).toBeVisible();
  await card.getByRole("button", { name: "Accept" }).click();
  await expect(researcher.page.getByText("Meeting request accepted")).toBeVisible();
  await expect(item.getByText("Accepted", { exact: true })).toBeVisible();
  await expect(patient.page.getByText("Dr. Lukas Berg accepted your meeting request")).toBeVisible();

  await patient.context.close();
  await researcher.context.close();
});
