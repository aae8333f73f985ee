import { test, expect, Page } from "@playwright/test";
import { hydrated, login, loginWithoutJs, newPage, registerPatient, requestMeeting, scan } from "./helpers";

/** `YYYY-MM-DDTHH:MM`, `days` from today at `hour`, as a datetime-local input wants it. */
function dayAt(days: number, hour: number): string {
  const d = new Date();
  d.setDate(d.getDate() + days);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(hour)}:00`;
}

/** The researcher's pending card from `patient`. */
function pendingCard(page: Page, patient: string) {
  return page
    .getByRole("listitem")
    .filter({ hasText: patient })
    .filter({ has: page.getByRole("button", { name: "Decline" }) });
}

function upcoming(page: Page, other: string) {
  return page.getByRole("article", { name: `Meeting with ${other}` });
}

test("the researcher proposes another time, the patient accepts it, then cancels: all live", async ({ browser }) => {
  const patient = await newPage(browser);
  await registerPatient(patient.page, "Pia Proposal");
  await requestMeeting(patient.page, "Dr. Priya Nair", "Could we talk about the sleep study?");
  await patient.page.goto("/dashboard/patient");
  await hydrated(patient.page);

  const researcher = await newPage(browser);
  await login(researcher.page, "priya.nair@test.com");
  const card = pendingCard(researcher.page, "Pia Proposal");
  await card.getByRole("button", { name: "Propose another time" }).click();
  await card.getByLabel("New date and time").fill(dayAt(2, 10));
  await card.getByLabel("Reason", { exact: true }).fill("I am at a conference that afternoon");
  await scan(researcher.page, "researcher, proposal form open");
  await card.getByRole("button", { name: "Send proposal" }).click();
  await expect(researcher.page.getByText("New time proposed. Pia Proposal has been notified.")).toBeVisible();
  await expect(card).toHaveCount(0);
  const answered = researcher.page.getByRole("listitem").filter({ hasText: "Pia Proposal" });
  await expect(answered.getByText("Proposed", { exact: true })).toBeVisible();

  // The patient sees it without reloading.
  await expect(patient.page.getByText("Dr. Priya Nair proposed another time").first()).toBeVisible();
  const item = patient.page.getByRole("listitem").filter({ hasText: "Dr. Priya Nair" });
  await expect(item.getByText("Proposed", { exact: true })).toBeVisible();
  await expect(item).toContainText("I am at a conference that afternoon");
  await scan(patient.page, "patient, a proposal to answer");
  await item.getByRole("button", { name: "Accept new time" }).click();
  await expect(patient.page.getByText("New time accepted. Dr. Priya Nair has been notified.")).toBeVisible();
  await expect(item.getByText("Accepted", { exact: true })).toBeVisible();
  const meeting = upcoming(patient.page, "Dr. Priya Nair");
  await expect(meeting).toBeVisible();

  // The researcher's Upcoming meetings fills live, with a notice.
  await expect(researcher.page.getByText("Pia Proposal accepted the new time")).toBeVisible();
  const theirs = upcoming(researcher.page, "Pia Proposal");
  await expect(theirs).toBeVisible();
  await expect(theirs).toContainText("Video Call · 30 minutes");
  await scan(researcher.page, "researcher, an upcoming meeting");
  await scan(patient.page, "patient, an upcoming meeting");

  // The calendar file behind "Add to calendar".
  const link = meeting.getByRole("link", { name: "Add to calendar" });
  const href = await link.getAttribute("href");
  expect(href).toMatch(/^\/api\/meetings\/\d+\/calendar\.ics$/);
  const ics = await patient.page.request.get(href!);
  expect(ics.status()).toBe(200);
  expect(ics.headers()["content-type"]).toContain("text/calendar");
  // It reads as a calendar: one event, with its start in UTC and its length.
  const lines = (await ics.text()).replace(/\r\n /g, "").split("\r\n");
  expect(lines[0]).toBe("BEGIN:VCALENDAR");
  expect(lines.filter((l) => l === "BEGIN:VEVENT")).toHaveLength(1);
  expect(lines).toContain("SUMMARY:Video Call with Dr. Priya Nair and Pia Proposal");
  expect(lines).toContain("DURATION:PT30M");
  expect(lines.find((l) => l.startsWith("DTSTART:"))).toMatch(/^DTSTART:\d{8}T\d{6}Z$/);

  // The patient cancels; the researcher's list empties live.
  await meeting.getByLabel("Reason (optional)").fill("Feeling much better");
  await meeting.getByRole("button", { name: "Cancel meeting" }).click();
  await expect(patient.page.getByText("Your meeting request was cancelled.")).toBeVisible();
  await expect(meeting).toHaveCount(0);
  await expect(theirs).toHaveCount(0);
  await expect(researcher.page.getByText("Pia Proposal cancelled their meeting request")).toBeVisible();
  await patient.context.close();
  await researcher.context.close();
});

test("details on accept, and a pending request that overlaps an accepted meeting says so", async ({ browser }) => {
  const first = await newPage(browser);
  await registerPatient(first.page, "Olga Overlap");
  await requestMeeting(first.page, "Dr. Priya Nair", "First question");
  const second = await newPage(browser);
  await registerPatient(second.page, "Otto Overlap");
  await requestMeeting(second.page, "Dr. Priya Nair", "Second question");

  const researcher = await newPage(browser);
  await login(researcher.page, "priya.nair@test.com");
  const olga = pendingCard(researcher.page, "Olga Overlap");
  await olga.getByLabel("How to join").fill("https://meet.example/olga");
  await olga.getByRole("button", { name: "Accept" }).click();
  await expect(researcher.page.getByText("Meeting request accepted. Olga Overlap has been notified.")).toBeVisible();

  const otto = pendingCard(researcher.page, "Otto Overlap");
  await expect(otto.getByText("Overlaps with Olga Overlap")).toBeVisible();
  await scan(researcher.page, "researcher, an overlapping request");
  await otto.getByRole("button", { name: "Accept" }).click();
  await expect(researcher.page.getByText(/would overlap another accepted meeting/)).toBeVisible();
  await expect(otto).toBeVisible();

  // The patient sees how to join in Upcoming meetings.
  await first.page.goto("/dashboard/patient");
  await hydrated(first.page);
  await expect(upcoming(first.page, "Dr. Priya Nair")).toContainText("How to join: https://meet.example/olga");
  for (const p of [first, second, researcher]) await p.context.close();
});

test("proposing, accepting a proposal and cancelling work without JavaScript", async ({ browser }) => {
  const setup = await newPage(browser);
  const email = await registerPatient(setup.page, "Nico NoScript");
  await requestMeeting(setup.page, "Dr. Amara Okafor", "Plain forms please");
  await setup.context.close();

  const { context: researcher, page: rpage } = await loginWithoutJs(browser, "amara.okafor@test.com");
  await pendingCard(rpage, "Nico NoScript").getByRole("button", { name: "Propose another time" }).click();
  await expect(rpage).toHaveURL(/propose=\d+/);
  const card = pendingCard(rpage, "Nico NoScript");
  await card.getByLabel("New date and time").fill(dayAt(3, 9));
  await card.getByRole("button", { name: "Send proposal" }).click();
  await expect(rpage.getByText("New time proposed.")).toBeVisible();

  const { context: patient, page: ppage } = await loginWithoutJs(browser, email, "a-long-password");
  const item = ppage.getByRole("listitem").filter({ hasText: "Dr. Amara Okafor" }).filter({ hasText: "Plain forms please" });
  await expect(item.getByText("Dr. Amara Okafor proposed another time")).toBeVisible();
  await item.getByRole("button", { name: "Accept new time" }).click();
  await expect(ppage.getByText("New time accepted.")).toBeVisible();
  const meeting = upcoming(ppage, "Dr. Amara Okafor");
  await expect(meeting).toBeVisible();

  await rpage.goto("/dashboard/researcher");
  const theirs = upcoming(rpage, "Nico NoScript");
  await theirs.getByRole("button", { name: "Cancel meeting" }).click();
  await expect(rpage.getByText("Meeting cancelled.")).toBeVisible();
  await expect(upcoming(rpage, "Nico NoScript")).toHaveCount(0);
  await ppage.goto("/dashboard/patient");
  await expect(upcoming(ppage, "Dr. Amara Okafor")).toHaveCount(0);
  await researcher.close();
  await patient.close();
});

test("a request whose time passes unanswered expires on both screens", async ({ browser }) => {
  const patient = await newPage(browser);
  await registerPatient(patient.page, "Ezra Expiry");
  await patient.page.goto("/dashboard/patient");
  await hydrated(patient.page);
  const researcher = await newPage(browser);
  await login(researcher.page, "amara.okafor@test.com");

  // A time a few seconds ahead (the page's form works in minutes; the API
  // takes seconds). The test server sweeps every second.
  const experts = await (await patient.page.request.get("/api/experts")).json();
  const amara = experts.find((e: { full_name: string }) => e.full_name === "Dr. Amara Okafor");
  const soon = new Date(Date.now() + 6000).toISOString();
  const res = await patient.page.request.post("/api/meetings/", {
    data: { expert_id: amara.id, message: "A quick question", preferred_at: soon, meeting_type: "Phone Call", time_zone: "UTC" },
  });
  expect(res.status()).toBe(201);

  const mine = patient.page.getByRole("listitem").filter({ hasText: "A quick question" });
  await expect(mine.getByText("Pending", { exact: true })).toBeVisible();
  const theirs = researcher.page.getByRole("listitem").filter({ hasText: "Ezra Expiry" }).filter({ hasText: "A quick question" });
  await expect(theirs).toBeVisible();

  await expect(mine.getByText("Expired", { exact: true })).toBeVisible({ timeout: 20_000 });
  await expect(patient.page.getByText("Your meeting request to Dr. Amara Okafor expired")).toBeVisible();
  await expect(researcher.page.getByText("The meeting request from Ezra Expiry expired")).toBeVisible({ timeout: 20_000 });
  await expect(researcher.page.getByRole("listitem").filter({ hasText: "Ezra Expiry" }).getByText("Expired", { exact: true })).toBeVisible();
  await patient.context.close();
  await researcher.context.close();
});
