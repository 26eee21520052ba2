import { defineConfig } from "@playwright/test";
import { E2E_ACTIVITY, E2E_DLQ, E2E_GROUP, E2E_INVOICES } from "./tests/helpers";

// The server under test runs on its own port, database and topics, so tests never touch
// the data of the app you run with scripts/dev.sh. scripts/test.sh builds it first.
const port = Number(process.env.E2E_PORT ?? 3100);
export const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"], ["json", { outputFile: "test-results/results.json" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: process.env.E2E_SERVER_BIN ?? "target/debug/server",
    cwd: "..",
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT ?? "target/site",
      // Metrics on any free port: a dev server may hold the default one.
      ACME_METRICS_ADDR: "127.0.0.1:0",
      // The server keeps its own mail, on a port of the tests' own (a dev server catches 2525).
      ACME_DEV_MAIL_CATCHER: "true",
      ACME_SMTP_PORT: process.env.E2E_SMTP_PORT ?? "12525",
      LEPTOS_ENV: "PROD",
      DATABASE_URL: process.env.E2E_DATABASE_URL ?? "postgres://acme:acme@127.0.0.1:5432/acme_e2e",
      KAFKA_TOPIC: E2E_INVOICES,
      ACME_ACTIVITY_TOPIC: E2E_ACTIVITY,
      KAFKA_GROUP_ID: E2E_GROUP,
      ACME_DLQ_TOPIC: E2E_DLQ,
      ACME_PRODUCE_ALLOWED_TOPICS: E2E_INVOICES,
      RUST_LOG: "info,rdkafka=warn,sqlx=warn",
    },
  },
});
