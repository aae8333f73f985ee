import { expect, Page, Browser } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

export const PASSWORD = "password123";

/** Waits until the WebAssembly has taken over the page. */
export async function hydrated(page: Page) {
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
}

/** Logs in through the page; with the right password, waits for the dashboard. */
export async function login(page: Page, email: string, password = PASSWORD) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  if (password === PASSWORD) {
    await expect(page).toHaveURL(/\/dashboard\/(patient|researcher)$/);
    await hydrated(page);
  }
}

/** Registers a fresh patient through the page and returns its email. */
export async function registerPatient(page: Page, name: string): Promise<string> {
  const email = `${name.toLowerCase().replace(/[^a-z]/g, "")}.${Date.now()}${Math.floor(Math.random() * 1e6)}@example.org`;
  await page.goto("/register");
  await hydrated(page);
  await page.getByLabel("Patient").check();
  await page.getByLabel("Full name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("a-long-password");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/dashboard\/patient$/);
  return email;
}

/** `YYYY-MM-DDTHH:MM` for tomorrow at the given hour, as a datetime-local input wants it. */
export function tomorrowAt(hour: number): string {
  const d = new Date();
  d.setDate(d.getDate() + 1);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(hour)}:00`;
}

/** From the Experts page: opens the dialog for `expert` and sends a request. */
export async function requestMeeting(page: Page, expert: string, message: string, type = "Video Call") {
  await page.goto("/experts");
  await hydrated(page);
  const card = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: expert }) });
  await card.getByRole("button", { name: "Request Meeting" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("Message").fill(message);
  await dialog.getByLabel("Preferred date and time").fill(tomorrowAt(14));
  await dialog.getByLabel("Meeting type").selectOption(type);
  await dialog.getByRole("button", { name: "Send Request" }).click();
  await expect(page.getByText("Meeting request sent")).toBeVisible();
  await expect(page.getByRole("dialog")).toHaveCount(0);
}

export async function pendingCount(page: Page): Promise<number> {
  const heading = page.getByRole("heading", { name: /Pending Meeting Requests \(\d+\)/ });
  await expect(heading).toBeVisible();
  const text = (await heading.textContent()) ?? "";
  return Number(/\((\d+)\)/.exec(text)?.[1]);
}

export async function newPage(browser: Browser) {
  const context = await browser.newContext();
  return { context, page: await context.newPage() };
}

/** Runs axe on the page as it is now; any violation fails the test. */
export async function scan(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const found = results.violations.map(
    (v) => `${what}: ${v.id} (${v.impact}) ${v.help} -> ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
  expect(found, what).toEqual([]);
}

/** A browser without JavaScript, logged in through the plain login form. */
export async function loginWithoutJs(browser: Browser, email: string, password = PASSWORD) {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/dashboard\/(patient|researcher)$/);
  return { context, page };
}
