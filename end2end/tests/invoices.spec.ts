import { expect, Page, test } from "@playwright/test";
import { openHydrated, signIn } from "./helpers";

test.beforeEach(async ({ page }) => {
  await signIn(page);
});

const tableRows = (page: Page) => page.getByTestId("invoices-table").locator("tbody tr");

test("search filters the table, resets to page 1, lives in the URL and the back button", async ({ page }) => {
  await openHydrated(page, "/dashboard/invoices");
  await expect(tableRows(page)).toHaveCount(6);

  await page.getByLabel("Search").fill("delba");
  await expect(page).toHaveURL(/\/dashboard\/invoices\?query=delba&page=1$/);
  // Delba de Oliveira has the two seeded invoices; no test here adds any for her.
  await expect(tableRows(page)).toHaveCount(2);
  for (const row of await tableRows(page).all()) await expect(row).toContainText("Delba de Oliveira");

  // Amounts and statuses match too, case-insensitively.
  await page.getByLabel("Search").fill("PAID");
  await expect(page).toHaveURL(/query=PAID&page=1$/);
  for (const row of await tableRows(page).all()) await expect(row).toContainText("Paid");

  await page.goBack();
  await expect(page).toHaveURL(/query=delba&page=1$/);
  await expect(tableRows(page)).toHaveCount(2);

  // A shared link opens the same results.
  await page.goto("/dashboard/invoices?query=203.48&page=1");
  await expect(tableRows(page)).toHaveCount(1);
  await expect(tableRows(page).first()).toContainText("$203.48");
});

test("pagination moves through pages and disables the arrows at the ends", async ({ page }) => {
  await openHydrated(page, "/dashboard/invoices");
  const pagination = page.getByTestId("pagination");
  await expect(pagination.locator('[aria-label="Previous page"][aria-disabled="true"]')).toHaveCount(1);
  const firstPage = await tableRows(page).allTextContents();

  await pagination.getByRole("link", { name: "2", exact: true }).click();
  await expect(page).toHaveURL(/page=2$/);
  await expect(pagination.locator('[aria-current="page"]')).toHaveText("2");
  await expect(tableRows(page).first()).not.toHaveText(firstPage[0]);

  await pagination.getByRole("link", { name: "Previous page" }).click();
  await expect(page).toHaveURL(/page=1$/);
  await expect(tableRows(page)).toHaveText(firstPage);
});

test("the create form shows each field error, keeps the values, then saves", async ({ page }) => {
  await openHydrated(page, "/dashboard/invoices/create");
  const submit = page.getByRole("button", { name: "Create Invoice" });

  await submit.click();
  await expect(page.locator("#customer-error")).toHaveText("Please select a customer.");
  await expect(page.locator("#amount-error")).toHaveText("Please enter an amount greater than $0.");
  await expect(page.locator("#status-error")).toHaveText("Please select an invoice status.");
  await expect(page.getByTestId("form-message")).toHaveText("Missing Fields. Failed to Create Invoice.");

  await page.locator("#customer").selectOption({ label: "Amy Burns" });
  await page.locator("#amount").fill("12.345");
  await submit.click();
  await expect(page.locator("#customer-error")).toBeEmpty();
  await expect(page.locator("#amount-error")).toHaveText("Please enter at most two decimals (cents).");
  await expect(page.locator("#status-error")).toHaveText("Please select an invoice status.");
  await expect(page.locator("#customer")).toHaveValue(/.+/);
  await expect(page.locator("#amount")).toHaveValue("12.345");

  await page.locator("#amount").fill("twelve");
  await page.getByLabel("Pending").check();
  await submit.click();
  await expect(page.locator("#amount-error")).toHaveText("Please enter a number, like 125.50.");
  await expect(page.locator("#status-error")).toBeEmpty();

  await page.locator("#amount").fill("99999999");
  await submit.click();
  await expect(page.locator("#amount-error")).toHaveText("Please enter an amount up to $10,000,000.");

  await page.locator("#amount").fill("4,321.09");
  await submit.click();
  await expect(page).toHaveURL(/\/dashboard\/invoices$/);
  await page.getByLabel("Search").fill("4321.09");
  await expect(tableRows(page)).toHaveCount(1);
  await expect(tableRows(page).first()).toContainText("Amy Burns");
  await expect(tableRows(page).first()).toContainText("$4,321.09");
  await expect(tableRows(page).first()).toContainText("Pending");
});

test("editing an invoice saves it and its status change reaches the feed", async ({ page }) => {
  await openHydrated(page, "/dashboard/invoices/create");
  await page.locator("#customer").selectOption({ label: "Balazs Orban" });
  await page.locator("#amount").fill("777.77");
  await page.getByLabel("Pending").check();
  await page.getByRole("button", { name: "Create Invoice" }).click();
  await expect(page).toHaveURL(/\/dashboard\/invoices$/);

  await page.getByLabel("Search").fill("777.77");
  await expect(tableRows(page)).toHaveCount(1);
  await tableRows(page).getByRole("link", { name: "Edit" }).click();
  await expect(page).toHaveURL(/\/dashboard\/invoices\/[0-9a-f-]{36}\/edit$/);
  await expect(page.locator("#amount")).toHaveValue("777.77");
  await expect(page.getByLabel("Pending")).toBeChecked();

  await page.locator("#amount").fill("888.88");
  await page.getByLabel("Paid").check();
  await page.getByRole("button", { name: "Edit Invoice" }).click();
  await expect(page).toHaveURL(/\/dashboard\/invoices$/);
  await page.getByLabel("Search").fill("888.88");
  await expect(tableRows(page)).toHaveCount(1);
  await expect(tableRows(page).first()).toContainText("Paid");

  await openHydrated(page, "/dashboard/activity");
  const items = page.getByTestId("activity-item").filter({ hasText: "$888.88" });
  await expect(items.and(page.locator('[data-action="updated"]'))).toHaveCount(1);
  await expect(items.and(page.locator('[data-action="status_changed"]'))).toHaveCount(1);
});

test("delete asks first, removes the row, and a second delete says it is gone", async ({ page, browser }) => {
  await openHydrated(page, "/dashboard/invoices/create");
  await page.locator("#customer").selectOption({ label: "Michael Novotny" });
  await page.locator("#amount").fill("55.55");
  await page.getByLabel("Paid").check();
  await page.getByRole("button", { name: "Create Invoice" }).click();
  await expect(page).toHaveURL(/\/dashboard\/invoices$/);
  await page.getByLabel("Search").fill("55.55");
  await expect(tableRows(page)).toHaveCount(1);

  // A second tab that has lost its live connection still shows the invoice; a third, live
  // one drops the row by itself when the invoice is deleted.
  const other = await page.context().newPage();
  await other.routeWebSocket(/\/ws\/activity/, (ws) => ws.close());
  await openHydrated(other, page.url());
  await expect(tableRows(other)).toHaveCount(1);
  const live = await page.context().newPage();
  await openHydrated(live, page.url());
  await expect(tableRows(live)).toHaveCount(1);

  // Dismissing the confirmation keeps the invoice.
  page.once("dialog", (d) => d.dismiss());
  await tableRows(page).getByRole("button", { name: "Delete" }).click();
  await expect(tableRows(page)).toHaveCount(1);

  page.once("dialog", (d) => d.accept());
  await tableRows(page).getByRole("button", { name: "Delete" }).click();
  await expect(tableRows(page)).toHaveCount(0);
  await expect(page.getByTestId("no-invoices")).toBeVisible();
  await expect(tableRows(live), "the live tab updates without a reload").toHaveCount(0, { timeout: 20_000 });

  other.once("dialog", (d) => d.accept());
  await tableRows(other).getByRole("button", { name: "Delete" }).click();
  await expect(other.getByTestId("delete-message")).toHaveText("This invoice was already deleted.");
  await expect(tableRows(other)).toHaveCount(0);
});

test("unknown and malformed invoice ids show the 404 page", async ({ page }) => {
  for (const id of ["not-a-uuid", "00000000-0000-4000-8000-000000000000"]) {
    const response = await page.goto(`/dashboard/invoices/${id}/edit`);
    expect(response?.status()).toBe(404);
    await expect(page.getByText("Could not find the requested invoice.")).toBeVisible();
    await expect(page.getByRole("link", { name: "Go Back" })).toHaveAttribute("href", "/dashboard/invoices");
  }
  const response = await page.goto("/dashboard/no-such-page");
  expect(response?.status()).toBe(404);
});
