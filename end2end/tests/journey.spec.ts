import { expect, test } from "@playwright/test";
import { E2E_INVOICES, openHydrated, signIn } from "./helpers";

test("an invoice's event is followed from its feed item hop by hop, and its mail is found among the deliveries", async ({ page }) => {
  await signIn(page);
  const cents = 100_000 + Math.floor(Math.random() * 800_000);
  const dollars = (cents / 100).toFixed(2);
  await openHydrated(page, "/dashboard/invoices/create");
  await page.locator("#customer").selectOption({ label: "Amy Burns" });
  await page.locator("#amount").fill(dollars);
  await page.getByLabel("Paid").check();
  await page.getByRole("button", { name: "Create Invoice" }).click();
  await expect(page).toHaveURL(/\/dashboard\/invoices$/);

  // The newest feed item is ours: its journey shows every hop, with times.
  await openHydrated(page, "/dashboard/activity");
  const shown = "$" + Number(dollars).toLocaleString("en-US", { minimumFractionDigits: 2 });
  const item = page.getByTestId("activity-item").filter({ hasText: shown }).first();
  await expect(item).toBeVisible({ timeout: 20_000 });
  // How long after the change it was processed.
  await expect(item.getByTestId("activity-latency")).toHaveText(/^\d+(\.\d)? (ms|s)$/);
  await item.getByTestId("activity-journey").click();
  await expect(page).toHaveURL(/\/dashboard\/events\/[0-9a-f-]{36}$/);
  const journey = page.getByTestId("journey");
  for (const step of ["committed", "published", "processed", "mail", "task", "payment", "activity_item"]) {
    await expect(journey.locator(`[data-step=${step}]`).first()).toBeVisible();
  }
  await expect(journey.locator("[data-step=processed]")).toContainText("Processed");
  await expect(page.getByTestId("journey-latency")).toContainText("ms");
  const eventId = page.url().split("/").pop()!;

  // The deliveries page lists its mail; its content is the mail as sent.
  await openHydrated(page, "/dashboard/deliveries");
  const mail = page.locator(`[data-testid=delivery][data-event-id="${eventId}"][data-channel=mail]`).first();
  await expect(mail).toBeVisible();
  await mail.getByTestId("show-mail").click();
  await expect(page.getByTestId("mail-content")).toContainText("amy@burns.com");
  await expect(page.getByTestId("mail-content")).toContainText(shown);

  // In Italian too.
  await page.getByRole("button", { name: "Italiano" }).click();
  await expect(page.getByRole("heading", { name: "Invii" })).toBeVisible();
});

test("an event's journey opens from its invoice's page and from the message browser", async ({ page }) => {
  await signIn(page);
  const created = await page.request.post("/api/create_invoice", {
    form: { customer_id: "3958dc9e-742f-4377-85e9-fec4b6a6442a", amount: "654.32", status: "pending" },
  });
  expect(created.status(), await created.text()).toBe(200);
  const id: string = (await created.json()).Saved.id;

  // The invoice's page lists its events; each opens its journey.
  await openHydrated(page, `/dashboard/invoices/${id}/edit`);
  const events = page.getByTestId("invoice-events");
  await expect(events.getByTestId("invoice-event")).toHaveCount(1);
  await expect(events.getByTestId("invoice-event")).toHaveAttribute("data-event-type", "created");
  await events.getByTestId("invoice-event-journey").click();
  await expect(page).toHaveURL(/\/dashboard\/events\/[0-9a-f-]{36}$/);
  const eventId = page.url().split("/").pop()!;
  await expect(page.getByTestId("journey").locator("[data-step=committed]")).toBeVisible();

  // The message browser, filtered on the invoice's key, links the same journey.
  await openHydrated(page, `/dashboard/kafka?topic=${E2E_INVOICES}&start=beginning&key=${id}#messages`);
  const message = page.locator(`[data-testid=message][data-key="${id}"]`);
  await expect(message).toHaveCount(1, { timeout: 15_000 });
  await expect(message.getByTestId("message-journey")).toHaveAttribute("href", `/dashboard/events/${eventId}`);
});
