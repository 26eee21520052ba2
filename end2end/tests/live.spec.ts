import { expect, Page, test, WebSocketRoute } from "@playwright/test";
import { openHydrated, signIn } from "./helpers";

const LEE_ROBINSON = "3958dc9e-742f-4377-85e9-fec4b6a6442a";

/** Creates an invoice through the app's own server function (as another user's form would). */
async function createInvoice(page: Page, dollars: string, status = "pending"): Promise<string> {
  const response = await page.request.post("/api/create_invoice", { form: { customer_id: LEE_ROBINSON, amount: dollars, status } });
  const body = await response.json();
  expect(body.Saved, JSON.stringify(body)).toBeTruthy();
  return body.Saved.id;
}

async function deleteInvoice(page: Page, id: string) {
  const response = await page.request.post("/api/delete_invoice", { form: { id } });
  expect(response.status()).toBe(200);
}

/** Waits until the processor has put each of `ids` in the feed (read from the export API). */
async function processed(page: Page, ids: string[]) {
  await expect
    .poll(async () => {
      const items: { invoiceId: string }[] = await (await page.request.get("/api/activity/export")).json();
      return ids.every((id) => items.some((i) => i.invoiceId === id));
    }, { timeout: 30_000 })
    .toBe(true);
}

function uniqueDollars() {
  return (1000 + Math.floor(Math.random() * 8_000_000) / 100).toFixed(2);
}

test("after the connection drops, the feed catches up: each missed invoice once and in order", async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page);
  let blocked = false;
  const open: WebSocketRoute[] = [];
  await page.routeWebSocket(/\/ws\/activity/, (ws) => {
    if (blocked) {
      // The network is "down": the attempt ends at once, the browser backs off and tries again.
      ws.close({ code: 1011, reason: "cut by the test" });
      return;
    }
    const server = ws.connectToServer();
    open.push(ws, server);
  });
  await openHydrated(page, "/dashboard/activity");
  await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "live");
  const first = await createInvoice(page, uniqueDollars());
  await expect(page.locator(`[data-testid=activity-item][data-invoice-id="${first}"]`)).toHaveCount(1, { timeout: 20_000 });

  // Cut the connection, and create three invoices while it is down.
  blocked = true;
  for (const ws of open.splice(0)) await ws.close({ code: 1001, reason: "cut by the test" });
  const missed = [];
  for (let i = 0; i < 3; i++) missed.push(await createInvoice(page, uniqueDollars()));
  await processed(page, missed);
  for (const id of missed) {
    await expect(page.locator(`[data-testid=activity-item][data-invoice-id="${id}"]`), "not shown while cut off").toHaveCount(0);
  }

  // Back up: the browser reconnects by itself and asks for what it missed.
  blocked = false;
  await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "live", { timeout: 20_000 });
  for (const id of missed) {
    await expect(page.locator(`[data-testid=activity-item][data-invoice-id="${id}"]`), `invoice ${id} once`).toHaveCount(1, {
      timeout: 20_000,
    });
  }
  // In order: newest on top, every seq once, and the three in the order they were made.
  const seqs = (await page.getByTestId("activity-item").evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-seq")))));
  expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
  expect(new Set(seqs).size).toBe(seqs.length);
  const seqOf = async (id: string) => Number(await page.locator(`[data-testid=activity-item][data-invoice-id="${id}"]`).getAttribute("data-seq"));
  const missedSeqs = await Promise.all(missed.map(seqOf));
  expect(missedSeqs).toEqual([...missedSeqs].sort((a, b) => a - b));
  expect(missedSeqs[0]).toBeGreaterThan(await seqOf(first));
  await expect(page.getByTestId("activity-item").first()).toHaveAttribute("data-invoice-id", missed[2]);
});

test("the indicator says offline when the browser goes offline, and live when it is back", async ({ page, context }) => {
  await signIn(page);
  await openHydrated(page, "/dashboard/activity");
  await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "live");
  await context.setOffline(true);
  await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "offline");
  await expect(page.getByTestId("connection")).toContainText("offline");
  await context.setOffline(false);
  await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "live", { timeout: 20_000 });
});

test("the feed filters by event type, pauses with a count, and exports what it shows", async ({ page }) => {
  await signIn(page);
  await openHydrated(page, "/dashboard/activity");
  await page.getByTestId("filter-action").selectOption("deleted");
  await expect(page).toHaveURL(/action=deleted/);
  await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "live");

  // A created-then-deleted invoice: only its deletion shows under this filter.
  const gone = await createInvoice(page, uniqueDollars());
  await deleteInvoice(page, gone);
  const goneItems = page.locator(`[data-testid=activity-item][data-invoice-id="${gone}"]`);
  await expect(goneItems).toHaveCount(1, { timeout: 20_000 });
  await expect(goneItems).toHaveAttribute("data-action", "deleted");
  await expect(goneItems).toContainText("deleted");
  await expect(goneItems).toContainText("archived");
  for (const action of await page.getByTestId("activity-item").evaluateAll((els) => els.map((e) => e.getAttribute("data-action")))) {
    expect(action).toBe("deleted");
  }

  // Paused: a new deletion waits, counted; resumed: it shows.
  await page.getByTestId("feed-pause").click();
  await expect(page.getByTestId("feed-pause")).toHaveAttribute("data-paused", "true");
  const later = await createInvoice(page, uniqueDollars());
  await deleteInvoice(page, later);
  await expect(page.getByTestId("feed-waiting")).toContainText("1", { timeout: 20_000 });
  await expect(page.locator(`[data-testid=activity-item][data-invoice-id="${later}"]`)).toHaveCount(0);
  await page.getByTestId("feed-pause").click();
  await expect(page.locator(`[data-testid=activity-item][data-invoice-id="${later}"]`)).toHaveCount(1);
  await expect(page.getByTestId("activity-item").first()).toHaveAttribute("data-invoice-id", later);

  // Export: the filtered feed as a JSON file.
  const download = page.waitForEvent("download");
  await page.getByTestId("feed-export").click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^activity-.*\.json$/);
  const exported: { action: string; invoiceId: string; seq: number }[] = JSON.parse(
    (await (await file.createReadStream()).toArray()).join(""),
  );
  expect(exported.map((i) => i.invoiceId)).toEqual(expect.arrayContaining([gone, later]));
  expect(exported.every((i) => i.action === "deleted")).toBe(true);

  // The filter survives a reload (it is in the URL) and "All events" clears it.
  await page.reload();
  await expect(page.getByTestId("filter-action")).toHaveValue("deleted");
  await page.getByTestId("filter-action").selectOption("");
  await expect(page).not.toHaveURL(/action=/);
});

test("the dashboard's figures and latest invoices update without a reload", async ({ page }) => {
  await signIn(page);
  await openHydrated(page, "/dashboard");
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  const totalCard = page.getByTestId("card").filter({ hasText: "Total Invoices" });
  const before = Number((await totalCard.locator("p").last().textContent())?.replace(/\D/g, ""));
  expect(before).toBeGreaterThan(0);

  const dollars = uniqueDollars();
  await createInvoice(page, dollars);
  await expect(totalCard).toContainText(String(before + 1), { timeout: 20_000 });
  const shown = "$" + Number(dollars).toLocaleString("en-US", { minimumFractionDigits: 2 });
  await expect(page.getByTestId("latest-invoices")).toContainText(shown);
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
});

test("the invoices list shows another user's change to a row on the current page", async ({ page }) => {
  await signIn(page);
  const id = await createInvoice(page, uniqueDollars());
  await processed(page, [id]);
  await openHydrated(page, "/dashboard/invoices");
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  const row = page.getByTestId("invoices-table").locator("tbody tr", { has: page.locator(`a[href="/dashboard/invoices/${id}/edit"]`) });
  await expect(row).toHaveCount(1);

  // Someone else changes it: new amount, paid.
  const dollars = uniqueDollars();
  const response = await page.request.post("/api/update_invoice", { form: { id, customer_id: LEE_ROBINSON, amount: dollars, status: "paid" } });
  expect((await response.json()).Saved).toBeTruthy();
  const shown = "$" + Number(dollars).toLocaleString("en-US", { minimumFractionDigits: 2 });
  await expect(row).toContainText(shown, { timeout: 20_000 });
  await expect(row).toContainText("Paid");
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
});

test("the feed filters by customer, on the server's first page and for live items", async ({ page }) => {
  await signIn(page);
  const DELBA = "3958dc9e-712f-4377-85e9-fec4b6a6442a"; // Delba de Oliveira
  await openHydrated(page, `/dashboard/activity?customer=${DELBA}`);
  await expect(page.getByTestId("filter-customer")).toHaveValue(DELBA);
  await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "live");
  // Lee's new invoice does not show under Delba's filter; Delba's does, live.
  const lees = await createInvoice(page, uniqueDollars());
  const response = await page.request.post("/api/create_invoice", { form: { customer_id: DELBA, amount: uniqueDollars(), status: "pending" } });
  const delbas: string = (await response.json()).Saved.id;
  await expect(page.locator(`[data-testid=activity-item][data-invoice-id="${delbas}"]`)).toHaveCount(1, { timeout: 20_000 });
  await processed(page, [lees]);
  await expect(page.locator(`[data-testid=activity-item][data-invoice-id="${lees}"]`)).toHaveCount(0);
  for (const customer of await page.getByTestId("activity-item").evaluateAll((els) => els.map((e) => e.getAttribute("data-customer-id")))) {
    expect(customer).toBe(DELBA);
  }
  // After a reload the server renders the same filtered list.
  await page.reload();
  await expect(page.locator(`[data-testid=activity-item][data-invoice-id="${delbas}"]`)).toHaveCount(1);
  await expect(page.locator(`[data-testid=activity-item][data-invoice-id="${lees}"]`)).toHaveCount(0);
});
