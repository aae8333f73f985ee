import { test, expect, Page } from "@playwright/test";
import { hydrated, login } from "./helpers";

/**
 * SPEC 13: every page runs under a Content-Security-Policy whose scripts
 * need the page's nonce. Hydration must still work, and the browser must
 * report no violation on any page, for either role.
 */

function watchViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on("console", (msg) => {
    const text = msg.text();
    if (/Content Security Policy|Refused to (load|execute|apply|connect|compile)/i.test(text)) {
      seen.push(`${page.url()}: ${text}`);
    }
  });
  return seen;
}

async function recordedViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __csp: string[] }).__csp ?? []);
}

async function visit(page: Page, path: string, hydrates = true) {
  const res = await page.goto(path);
  const policy = res?.headers()["content-security-policy"] ?? "";
  expect(policy, path).toMatch(/script-src 'self' 'nonce-[^']+' 'wasm-unsafe-eval'/);
  expect(policy, path).toContain("frame-ancestors 'none'");
  if (hydrates) await hydrated(page);
  expect(await recordedViolations(page), path).toEqual([]);
}

test.beforeEach(async ({ page }) => {
  // The event the browser fires on each violation, recorded before any page script.
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
});

test("no page breaks its Content-Security-Policy, logged out or as either role", async ({ page }) => {
  const violations = watchViolations(page);
  for (const path of ["/", "/login", "/register", "/no-such-page"]) {
    await visit(page, path);
  }

  await login(page, "patient@test.com");
  await visit(page, "/dashboard/patient");
  await visit(page, "/experts");
  // A dialog opened by the WebAssembly.
  await page.getByRole("button", { name: "Request Meeting" }).first().click();
  await expect(page.getByRole("dialog")).toBeVisible();
  expect(await recordedViolations(page)).toEqual([]);
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/$|\/login/);

  await login(page, "researcher@test.com");
  await visit(page, "/dashboard/researcher");
  await visit(page, "/");
  expect(violations).toEqual([]);
});
