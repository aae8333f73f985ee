// `cargo leptos end-to-end` starts the server and Playwright at the same
// time: wait until the server answers its health check.
export default async function waitForServer() {
  const base = process.env.E2E_BASE_URL ?? "http://127.0.0.1:3000";
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the server at ${base} did not become healthy within 120 s`);
}
