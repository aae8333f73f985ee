import { test, expect, request } from "@playwright/test";
import { spawn, ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { hydrated, login, pendingCount } from "./helpers";

// This test runs its own server (E2E_SERVER_BIN, set by scripts/test.sh), so
// that it can kill and restart it while a researcher's page stays open.

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function startServer(port: number, databaseUrl: string): Promise<ChildProcess> {
  const bin = process.env.E2E_SERVER_BIN;
  expect(bin, "E2E_SERVER_BIN names the server binary").toBeTruthy();
  const child = spawn(bin!, [], {
    cwd: path.resolve(__dirname, "../.."),
    env: { ...process.env, DATABASE_URL: databaseUrl, LEPTOS_SITE_ADDR: `127.0.0.1:${port}`, APP_DEMO: "true", APP_ENV: "test" },
    stdio: "ignore",
  });
  await expect
    .poll(async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/healthz`)).status;
      } catch {
        return 0;
      }
    }, { timeout: 30_000 })
    .toBe(200);
  return child;
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

test("a request sent while the server was down for the researcher appears after it reconnects", async ({ browser }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "restart-"));
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const databaseUrl = `sqlite://${dir}/restart.db?mode=rwc`;
  let server = await startServer(port, databaseUrl);
  try {
    const researcher = await browser.newContext({ baseURL });
    const page = await researcher.newPage();
    await login(page, "researcher@test.com");
    const before = await pendingCount(page);

    // The patient speaks the JSON API.
    const patient = await request.newContext({ baseURL });
    expect((await patient.post("/api/auth/login", { data: { email: "patient@test.com", password: "password123" } })).status()).toBe(200);
    const experts = await (await patient.get("/api/experts")).json();
    const sarah = experts.find((e: { full_name: string }) => e.full_name === "Dr. Sarah Smith");

    // The server goes down: the page says so.
    await stop(server);
    await expect(page.getByText("Offline, reconnecting…")).toBeVisible();

    // It comes back; a request is sent before the page has reconnected.
    server = await startServer(port, databaseUrl);
    const tomorrow = new Date(Date.now() + 24 * 3600 * 1000).toISOString();
    const sent = await patient.post("/api/meetings/", {
      data: { expert_id: sarah.id, message: "Sent while you were away", preferred_at: tomorrow, meeting_type: "Phone Call", time_zone: "Europe/Paris" },
    });
    expect(sent.status()).toBe(201);

    await expect(page.getByText("Sent while you were away")).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole("heading", { name: `Pending Meeting Requests (${before + 1})` })).toBeVisible();
    await expect(page.getByText("Offline, reconnecting…")).toHaveCount(0);
    await hydrated(page);
    await researcher.close();
    await patient.dispose();
  } finally {
    await stop(server);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
