import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// Two instances behind nginx (scripts/test-cluster.sh starts them).
export default defineConfig({
  ...base,
  testDir: "./cluster",
});
