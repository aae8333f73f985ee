import { test, expect, Page, Browser } from "@playwright/test";
import { hydrated, login, requestMeeting, scan } from "./helpers";

/**
 * SPEC 14 / issue 10: axe scans every page for both roles, on a phone and on
 * a desktop, with a dialog open and after live data arrived. Any violation
 * fails the test.
 */

const SIZES = [
  { name: "phone", width: 390, height: 844 },
  { name: "desktop", width: 1280, height: 800 },
];

async function visit(page: Page, path: string, what: string) {
  await page.goto(path);
  await hydrated(page);
  await scan(page, what);
}

async function sized(browser: Browser, width: number, height: number) {
  const context = await browser.newContext({ viewport: { width, height } });
  return { context, page: await context.newPage() };
}

for (const size of SIZES) {
  test(`no accessibility violation on any page, ${size.name} (${size.width} px)`, async ({ browser }) => {
    const patient = await sized(browser, size.width, size.height);
    const researcher = await sized(browser, size.width, size.height);
    const p = patient.page;
    const r = researcher.page;

    for (const path of ["/", "/login", "/register", "/no-such-page"]) {
      await visit(p, path, `${size.name} logged out ${path}`);
    }

    await login(p, "patient2@test.com");
    await scan(p, `${size.name} patient dashboard`);
    await visit(p, "/experts", `${size.name} experts`);
    await p.getByRole("button", { name: "Request Meeting" }).first().click();
    await expect(p.getByRole("dialog")).toBeVisible();
    await scan(p, `${size.name} request dialog`);
    await p.keyboard.press("Escape");

    await login(r, "amara.okafor@test.com");
    await scan(r, `${size.name} researcher dashboard`);

    // Live data arrives on the researcher's page while it is open.
    const note = `a11y ${size.name} ${Date.now()}`;
    await requestMeeting(p, "Dr. Amara Okafor", note);
    await expect(r.getByText(note)).toBeVisible();
    await scan(r, `${size.name} researcher dashboard with a live request`);

    // The researcher declines with a reason; the patient's page updates live.
    await p.goto("/dashboard/patient");
    await hydrated(p);
    const card = r.getByRole("listitem").filter({ hasText: note });
    await card.getByLabel("Reason (optional)").fill("Away that week");
    await card.getByRole("button", { name: "Decline" }).click();
    const answered = p.getByRole("listitem").filter({ hasText: note });
    await expect(answered.getByText("Declined", { exact: true })).toBeVisible();
    await scan(p, `${size.name} patient dashboard with a live answer`);

    await patient.context.close();
    await researcher.context.close();
  });
}
