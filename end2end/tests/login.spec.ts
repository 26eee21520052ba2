import { expect, test } from "@playwright/test";
import { DEMO_EMAIL, DEMO_PASSWORD, openHydrated } from "./helpers";

test("a visitor logs in from the landing page and signs out again", async ({ page }) => {
  await openHydrated(page, "/");
  await page.getByRole("link", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email").fill(DEMO_EMAIL);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);

  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByRole("button", { name: "Sign Out" }).click();
  await expect(page).toHaveURL(/\/$/);
  // The session is over: the dashboard sends us to the login page again.
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fdashboard$/);
});

test("a wrong password says so and stays on the login page", async ({ page }) => {
  await openHydrated(page, "/login");
  await page.getByLabel("Email").fill(DEMO_EMAIL);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByTestId("login-error")).toHaveText("Invalid credentials.");
  await expect(page).toHaveURL(/\/login$/);
});

test("a deep link asks for login and then opens the page that was asked for", async ({ page }) => {
  await page.goto("/dashboard/invoices?query=lee&page=1");
  await expect(page).toHaveURL(/\/login\?callbackUrl=/);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email").fill(DEMO_EMAIL);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/dashboard\/invoices\?query=lee&page=1$/);
});
