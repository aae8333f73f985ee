// One Lighthouse run of one page (called by scripts/lighthouse.sh), with the
// user's session cookie in the browser's own cookie jar, as a logged-in
// user's browser has it: the page's later requests and its WebSocket carry
// it too. (Lighthouse's `--extra-headers` puts a Cookie header on the
// requests it knows of only, so a page that sets a cookie of its own, or
// opens a socket, would be measured logged out half way.)
//
//   node scripts/lighthouse-run.mjs LIGHTHOUSE_DIR URL COOKIE|"" OUT.json
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [dir, url, cookie, out] = process.argv.slice(2);
const require = createRequire(join(dir, "node_modules", "lighthouse-run.cjs"));
const puppeteer = require("puppeteer-core");
const { default: lighthouse } = await import(pathToFileURL(require.resolve("lighthouse")).href);

const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH ?? "/usr/bin/chromium",
  args: ["--headless=new", "--no-sandbox", "--disable-gpu"],
});
try {
  const page = await browser.newPage();
  if (cookie) {
    const [name, value] = cookie.split("=");
    await page.setCookie({ name, value, url, httpOnly: true, sameSite: "Lax" });
  }
  const result = await lighthouse(
    url,
    {
      output: "json",
      logLevel: "error",
      onlyCategories: ["performance", "accessibility", "best-practices", "seo"],
      // Keep the cookie just set: Lighthouse clears storage first otherwise.
      disableStorageReset: true,
    },
    undefined,
    page,
  );
  writeFileSync(out, result.report);
} finally {
  await browser.close();
}
