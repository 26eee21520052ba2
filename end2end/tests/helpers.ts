import { expect, Page } from "@playwright/test";

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
