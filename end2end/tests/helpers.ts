import { expect, Page } from "@playwright/test";

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
