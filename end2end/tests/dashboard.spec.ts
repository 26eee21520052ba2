import { expect, test } from "@playwright/test";
import { openHydrated, signIn } from "./helpers";

test.beforeEach(async ({ page }) => {
  await signIn(page);
});

test("the overview shows the cards, the revenue chart and the latest invoices", async ({ page }) => {
  await openHydrated(page, "/dashboard");
  const cards = page.getByTestId("card");
  await expect(cards).toHaveCount(4);
  await expect(cards.filter({ hasText: "Total Customers" })).toContainText("6");
  await expect(cards.filter({ hasText: "Collected" })).toContainText("$");
  await expect(cards.filter({ hasText: "Pending" })).toContainText("$");
  const chart = page.getByTestId("revenue-chart");
  await expect(chart).toContainText("Recent Revenue");
  await expect(chart).toContainText("Last 12 months");
  await expect(chart).toContainText("$5K");
  await expect(chart).toContainText("Dec");
  await expect(page.getByTestId("latest-invoices").locator("img")).toHaveCount(5);
});

test("customers are listed with their totals and can be searched", async ({ page }) => {
  await openHydrated(page, "/dashboard/customers");
  const rows = page.getByTestId("customers-table").locator("tbody tr");
  await expect(rows).toHaveCount(6);
  await page.getByLabel("Search").fill("DELBA");
  await expect(page).toHaveURL(/\/dashboard\/customers\?query=DELBA&page=1$/);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("delba@oliveira.com");
  await expect(rows.first()).toContainText("2");
  await expect(rows.first()).toContainText("$203.48");
  await expect(rows.first()).toContainText("$5.00");
});

test("moving between dashboard pages does not reload the page", async ({ page }) => {
  await openHydrated(page, "/dashboard");
  await page.evaluate(() => ((window as any).__stillHere = true));
  await page.getByRole("link", { name: "Customers" }).click();
  await expect(page).toHaveURL(/\/dashboard\/customers$/);
  await expect(page.getByTestId("customers-table")).toBeVisible();
  await page.getByRole("link", { name: "Invoices" }).click();
  await expect(page.getByTestId("invoices-table")).toBeVisible();
  expect(await page.evaluate(() => (window as any).__stillHere)).toBe(true);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test("the overview and the tables still show their content", async ({ page }) => {
    await page.goto("/dashboard");
    await expect(page.getByTestId("card")).toHaveCount(4);
    await expect(page.getByTestId("card").filter({ hasText: "Total Customers" })).toContainText("6");
    await expect(page.getByTestId("revenue-chart")).toContainText("Dec");
    await expect(page.getByTestId("latest-invoices")).toContainText("$");
    await page.goto("/dashboard/invoices");
    await expect(page.getByTestId("invoices-table").locator("tbody tr")).toHaveCount(6);
    await page.goto("/dashboard/customers");
    await expect(page.getByTestId("customers-table").locator("tbody tr")).toHaveCount(6);
  });
});

test("the theme toggle switches to dark, survives a reload without a flash, and back", async ({ page }) => {
  await openHydrated(page, "/dashboard");
  const html = page.locator("html");
  await expect(html).not.toHaveClass(/dark/);
  await page.getByRole("button", { name: "Switch to dark theme" }).click();
  await expect(html).toHaveClass(/dark/);
  // The dark styles really apply: the page background is no longer white.
  await expect(page.locator("body")).not.toHaveCSS("background-color", "rgb(255, 255, 255)");

  // The server renders the saved theme itself: the first HTML already says dark.
  const response = await page.request.get("/dashboard");
  expect(await response.text()).toMatch(/<html[^>]*class="dark"/);
  await openHydrated(page, "/dashboard/invoices");
  await expect(html).toHaveClass(/dark/);

  await page.getByRole("button", { name: "Switch to light theme" }).click();
  await expect(html).not.toHaveClass(/dark/);
  await page.reload();
  await expect(html).not.toHaveClass(/dark/);
});

test("a page whose code is gone after a deploy is loaded from the server instead of breaking the app", async ({ page }) => {
  await openHydrated(page, "/dashboard");
  await page.evaluate(() => ((window as any).__stillHere = true));
  // The Kafka tools' wasm module cannot be fetched by this document (a deploy replaced the
  // files since it loaded; the router's own retry fails too); a new document gets it.
  let newDocument = false;
  let refused = 0;
  page.on("request", (r) => {
    if (r.resourceType() === "document") newDocument = true;
  });
  await page.route(/\/pkg\/split_kafka_tools\.[^/]*\.wasm$/, (route) =>
    newDocument ? route.continue() : (refused++, route.abort()),
  );
  await page.getByRole("link", { name: "Kafka" }).click();
  await expect(page).toHaveURL(/\/dashboard\/kafka$/);
  await expect(page.getByTestId("broker-state")).toHaveAttribute("data-reachable", "true");
  expect(refused).toBeGreaterThanOrEqual(1);
  // The page came from the server as a new document, and the app works in it.
  expect(await page.evaluate(() => (window as any).__stillHere)).toBeUndefined();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByRole("link", { name: "Customers" }).click();
  await expect(page.getByTestId("customers-table")).toBeVisible();
});

test("a module that fails once is fetched again without leaving the page", async ({ page }) => {
  await openHydrated(page, "/dashboard");
  await page.evaluate(() => ((window as any).__stillHere = true));
  let refused = 0;
  await page.route(/\/pkg\/split_kafka_tools\.[^/]*\.wasm$/, (route) => (refused++ === 0 ? route.abort() : route.continue()));
  await page.getByRole("link", { name: "Kafka" }).click();
  await expect(page.getByTestId("broker-state")).toHaveAttribute("data-reachable", "true");
  expect(refused).toBeGreaterThanOrEqual(2);
  expect(await page.evaluate(() => (window as any).__stillHere)).toBe(true);
});

test("a page whose module is missing on a direct load stays readable, reloads once, and its links work", async ({ page }) => {
  let documents = 0;
  page.on("request", (r) => {
    if (r.resourceType() === "document") documents++;
  });
  await page.route(/\/pkg\/split_kafka_tools\.[^/]*\.wasm$/, (route) => route.abort());
  await page.goto("/dashboard/kafka");
  // The server-rendered page is shown; one reload from the server is tried, not more.
  await expect(page.getByTestId("broker-state")).toHaveAttribute("data-reachable", "true");
  await expect.poll(() => documents).toBe(2);
  await page.waitForTimeout(1500);
  expect(documents).toBe(2);
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
  // Its links load documents, and the next page works.
  await page.getByRole("link", { name: "Customers" }).click();
  await expect(page).toHaveURL(/\/dashboard\/customers$/);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("customers-table")).toBeVisible();
});
