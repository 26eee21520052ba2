import { expect, test } from "@playwright/test";
import { openHydrated, signIn } from "./helpers";

test.beforeEach(async ({ page }) => {
  await signIn(page);
});

test("switching to Italian translates the page at once and the server renders Italian next time", async ({ page }) => {
  await openHydrated(page, "/dashboard/invoices");
  await expect(page.getByRole("heading", { name: "Invoices" })).toBeVisible();
  await page.getByRole("button", { name: "Italiano" }).click();

  // Without a reload: headings, columns, money and dates the Italian way.
  await expect(page.getByRole("heading", { name: "Fatture" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Clienti" })).toBeVisible();
  const table = page.getByTestId("invoices-table");
  await expect(table.locator("thead")).toContainText("Importo");
  await expect(table.locator("tbody")).toContainText(" USD");
  await expect(table.locator("tbody")).toContainText(/\d{1,3}(\.\d{3})*,\d{2} USD/);

  // The choice is remembered: the server's HTML is Italian from the first byte.
  const html = await (await page.request.get("/dashboard/invoices?query=evil")).text();
  expect(html).toContain('lang="it"');
  expect(html).toContain("Fatture");
  expect(html).toContain("157,95 USD");
  expect(html).toContain("6 dic 2022");

  // Form errors too.
  await openHydrated(page, "/dashboard/invoices/create");
  await page.getByRole("button", { name: "Crea fattura" }).click();
  await expect(page.locator("#customer-error")).toHaveText("Seleziona un cliente.");
  await expect(page.locator("#status-error")).toHaveText("Seleziona lo stato della fattura.");
  await expect(page.getByTestId("form-message")).toHaveText("Campi mancanti. Impossibile creare la fattura.");

  // And back to English.
  await page.getByRole("button", { name: "English" }).click();
  await expect(page.locator("#customer-error")).toHaveText("Please select a customer.");
  await page.reload();
  await expect(page.getByRole("button", { name: "Create Invoice" })).toBeVisible();
  expect(await page.locator("html").getAttribute("lang")).toBe("en");
});

test("every dashboard page has its Italian words", async ({ page }) => {
  await openHydrated(page, "/dashboard");
  await page.getByRole("button", { name: "Italiano" }).click();
  await expect(page.getByTestId("card").filter({ hasText: "Clienti totali" })).toContainText("6");
  await expect(page.getByTestId("revenue-chart")).toContainText("Ricavi recenti");
  await expect(page.getByTestId("revenue-chart")).toContainText("dic");
  await expect(page.getByTestId("latest-invoices")).toContainText("Ultime fatture");
  await page.getByRole("link", { name: "Clienti" }).click();
  await expect(page.getByTestId("customers-table").locator("thead")).toContainText("Totale pagato");
  await page.getByRole("link", { name: "Attività" }).click();
  await expect(page.getByRole("heading", { name: "Attività" })).toBeVisible();
  await expect(page.getByTestId("filter-action")).toContainText("Tutti gli eventi");
  await page.getByRole("link", { name: "Kafka" }).click();
  await expect(page.getByTestId("kafka-groups")).toContainText("Gruppi di consumer");
  await expect(page.getByTestId("kafka-dead-letters")).toContainText("Rinvia tutti i pendenti");
  await page.getByRole("button", { name: "English" }).click();
});
