import { expect, Page } from "@playwright/test";

// Each run has topics and a processor group of its own, as it has a database of its own: the
// events of an earlier run on the same broker must not be read as this run's (a replay from
// the earliest would process them in this run's database). The config sets the run's name
// first; the test workers inherit it.
process.env.E2E_RUN ??= Date.now().toString(36);
const RUN = process.env.E2E_RUN;
export const E2E_INVOICES = `e2e-${RUN}.invoices`;
export const E2E_ACTIVITY = `e2e-${RUN}.invoice-activity`;
export const E2E_DLQ = `e2e-${RUN}.invoices.dlq`;
export const E2E_GROUP = `e2e-${RUN}-invoice-processor`;

export const DEMO_EMAIL = "user@nextmail.com";
export const DEMO_PASSWORD = "123456";

/** Signs the page's browser context in as the demo user (the session cookie is shared). */
export async function signIn(page: Page) {
  const response = await page.request.post("/api/login", { form: { email: DEMO_EMAIL, password: DEMO_PASSWORD } });
  expect(await response.text()).toContain("SignedIn");
}

/** Opens a page and waits until the wasm app has hydrated (clicks before that are lost). */
export async function openHydrated(page: Page, path: string) {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(path);
  await expect(page.locator("body"), `page ${path} did not hydrate; errors: ${errors.join("; ")}`).toHaveAttribute(
    "data-hydrated",
    "true",
  );
  return errors;
}
