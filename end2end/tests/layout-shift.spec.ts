import { test, expect, Page, Browser } from "@playwright/test";
import { hydrated, login, registerPatient, requestMeeting } from "./helpers";

/**
 * SPEC 14 / issue 10: nothing on a page moves while it loads and comes
 * alive. Every layout shift Chromium reports, from the first byte to a
 * second after hydration, is recorded on each page for both roles, on a
 * phone and on a desktop, in a zone that is not UTC (the config's
 * Europe/Paris), once the browser has been to the site before (on the very
 * first visit the server cannot know the reader's zone yet).
 */

const SIZES = [
  { name: "phone", width: 390, height: 844 },
  { name: "desktop", width: 1280, height: 800 },
];

type Shift = { value: number; sources: string[] };

async function recording(browser: Browser, width: number, height: number) {
  const context = await browser.newContext({ viewport: { width, height } });
  await context.addInitScript(() => {
    const w = window as unknown as { __shifts: Shift[] };
    w.__shifts = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as unknown as {
        value: number;
        hadRecentInput: boolean;
        sources?: { node?: Element }[];
      }[]) {
        if (entry.hadRecentInput) continue;
        w.__shifts.push({
          value: entry.value,
          sources: (entry.sources ?? []).map((s) =>
            s.node ? `${s.node.nodeName}${s.node.className ? "." + s.node.className : ""}` : "?",
          ),
        });
      }
    }).observe({ type: "layout-shift", buffered: true });
  });
  return { context, page: await context.newPage() };
}

/** Loads `path` afresh and answers the layout shifts seen until a second after hydration. */
async function shiftsOn(page: Page, path: string): Promise<Shift[]> {
  await page.goto(path);
  await hydrated(page);
  await page.waitForTimeout(1000);
  return page.evaluate(() => (window as unknown as { __shifts: Shift[] }).__shifts);
}

for (const size of SIZES) {
  test(`no layout shift on any page, ${size.name} (${size.width} px)`, async ({ browser }) => {
    const found: string[] = [];
    const check = async (page: Page, path: string, what: string) => {
      const shifts = await shiftsOn(page, path);
      for (const s of shifts) found.push(`${what} ${path}: ${s.value.toFixed(4)} (${s.sources.join(", ")})`);
    };

    const visitor = await recording(browser, size.width, size.height);
    for (const path of ["/", "/login", "/register"]) {
      await check(visitor.page, path, "logged out");
    }

    // A patient with a request waiting, so that both dashboards show times.
    const patient = await recording(browser, size.width, size.height);
    await registerPatient(patient.page, "Layout Patient");
    await requestMeeting(patient.page, "Dr. Lukas Berg", "A question about the study's visits.");
    await check(patient.page, "/dashboard/patient", "patient");
    await check(patient.page, "/experts", "patient");

    const researcher = await recording(browser, size.width, size.height);
    await login(researcher.page, "lukas.berg@test.com");
    await expect(researcher.page.getByText("A question about the study's visits.").first()).toBeVisible();
    await check(researcher.page, "/dashboard/researcher", "researcher");

    expect(found, "layout shifts").toEqual([]);
    for (const c of [visitor, patient, researcher]) await c.context.close();
  });
}
