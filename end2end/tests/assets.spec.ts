import { test, expect } from "@playwright/test";

/**
 * SPEC 14: every asset a page links is sent compressed, under a
 * content-hashed name, with a year-long immutable cache; pages themselves
 * are compressed and never stored by caches.
 */

const HASHED = /\/pkg\/meeting-requests(_bg)?\.[A-Za-z0-9_-]{16,}\.(wasm|js|css)$/;

test("linked assets are compressed, content-hashed and cached for a year", async ({ request }) => {
  for (const path of ["/login", "/"]) {
    const page = await request.get(path, { headers: { "accept-encoding": "br, gzip" } });
    expect(page.status()).toBe(200);
    expect(page.headers()["content-encoding"], `${path} is compressed`).toMatch(/^(br|gzip)$/);
    expect(page.headers()["cache-control"]).toBe("no-store");
    const html = await page.text();

    // The stylesheet, and the JS and wasm the hydration script loads.
    const linked = new Set<string>();
    for (const m of html.matchAll(/"(\/pkg\/[^"]+)"/g)) linked.add(m[1]);
    const kinds = [...linked].map((u) => u.split(".").pop());
    expect(new Set(kinds), `${path} links its css, js and wasm`).toEqual(new Set(["css", "js", "wasm"]));

    for (const url of linked) {
      expect(url, "a content-hashed name").toMatch(HASHED);
      for (const encoding of ["br", "gzip"]) {
        const res = await request.get(url, { headers: { "accept-encoding": encoding } });
        expect(res.status(), url).toBe(200);
        expect(res.headers()["content-encoding"], `${url} with ${encoding}`).toBe(encoding);
        expect(res.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
        expect(res.headers()["vary"] ?? "").toMatch(/accept-encoding/i);
      }
    }
  }
});
