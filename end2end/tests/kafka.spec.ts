import { expect, test } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { E2E_GROUP, E2E_INVOICES, openHydrated, signIn } from "./helpers";

// The broker of a test run holds many topics and groups: the admin calls take a moment.
test.describe.configure({ timeout: 60_000 });

const INVOICES = E2E_INVOICES;
const LEE_ROBINSON = "3958dc9e-742f-4377-85e9-fec4b6a6442a";
const DATABASE_URL = process.env.E2E_DATABASE_URL ?? "postgres://acme:acme@127.0.0.1:5432/acme_e2e";

test("the broker and topics are listed; a topic is created and deleted, ours cannot be", async ({ page }) => {
  await signIn(page);
  await openHydrated(page, "/dashboard/kafka");
  await expect(page.getByTestId("broker-state")).toHaveAttribute("data-reachable", "true");
  await expect(page.getByTestId("broker").first()).toContainText("broker,controller");
  await expect(page.getByTestId("broker").first()).toContainText("partitions led");
  // Where each partition of our topics lives: its leader and the copies in sync.
  const replicas = page.locator(`[data-testid=replica-row][data-topic="${INVOICES}"]`);
  await expect(replicas).toHaveCount(3);
  await expect(replicas.first()).toHaveAttribute("data-under-replicated", "false");
  const ours = page.locator(`[data-testid=topic-row][data-topic="${INVOICES}"]`);
  await expect(ours).toContainText("app");
  await expect(ours.getByTestId("delete-topic")).toBeDisabled();

  const name = `e2e.scratch-${Date.now()}`;
  await page.getByTestId("create-topic").locator("input[name=name]").fill(name);
  await page.getByTestId("create-topic").locator("input[name=partitions]").fill("2");
  await page.getByTestId("create-topic").getByRole("button").click();
  await expect(page.getByTestId("topic-result")).toContainText(`Created ${name}`);
  const row = page.locator(`[data-testid=topic-row][data-topic="${name}"]`);
  await expect(row).toHaveCount(1);
  await expect(row.locator("td").nth(1)).toHaveText("2");

  // A bad name is refused with the reason.
  await page.getByTestId("create-topic").locator("input[name=name]").fill("bad name!");
  await page.getByTestId("create-topic").getByRole("button").click();
  await expect(page.getByTestId("topic-result")).toContainText("may only contain");

  page.once("dialog", (d) => d.dismiss());
  await row.getByTestId("delete-topic").click();
  await expect(row).toHaveCount(1);
  page.once("dialog", (d) => d.accept());
  await row.getByTestId("delete-topic").click();
  await expect(page.getByTestId("topic-result")).toContainText(`Deleted ${name}`);
  await expect(row).toHaveCount(0, { timeout: 15_000 });
});

test("a created invoice's event is found by its event-type header and key, with headers and pretty JSON", async ({ page }) => {
  await signIn(page);
  const response = await page.request.post("/api/create_invoice", { form: { customer_id: LEE_ROBINSON, amount: "321.09", status: "pending" } });
  const id: string = (await response.json()).Saved.id;

  await openHydrated(page, `/dashboard/kafka?topic=${INVOICES}&event_type=created&key=${id}`);
  const message = page.getByTestId("message");
  await expect(message).toHaveCount(1, { timeout: 15_000 });
  await expect(message).toHaveAttribute("data-key", id);
  await expect(message.getByTestId("message-header").filter({ hasText: "event-type: created" })).toHaveCount(1);
  await expect(message.getByTestId("message-value")).toContainText(`"invoiceId": "${id}"`);
  await expect(message.getByTestId("message-value")).toContainText(`"amount": 32109`);
  // The topic's partitions and configuration, as Kafka UI showed them.
  await page.getByTestId("topic-details").locator("summary").click();
  await expect(page.getByTestId("topic-configs")).toContainText("cleanup.policy = delete");

  // The same key under another event type: nothing.
  await openHydrated(page, `/dashboard/kafka?topic=${INVOICES}&event_type=deleted&key=${id}`);
  await expect(page.getByTestId("message-count")).toContainText("0");

  // Live mode (from offset 0 this time): with the filter on this key and updated events, an
  // edit shows up by itself.
  await openHydrated(page, `/dashboard/kafka?topic=${INVOICES}&start=offset&at=0&event_type=updated&key=${id}`);
  await expect(page.getByTestId("message-count")).toContainText("0");
  await page.getByTestId("live-mode").check();
  await page.request.post("/api/update_invoice", { form: { id, customer_id: LEE_ROBINSON, amount: "400.00", status: "pending" } });
  await expect(page.getByTestId("message")).toHaveCount(1, { timeout: 15_000 });

  // Export: the shown messages as a JSON file.
  const download = page.waitForEvent("download");
  await page.getByTestId("export-messages").click();
  const file = await download;
  const exported = JSON.parse((await (await file.createReadStream()).toArray()).join(""));
  expect(exported).toHaveLength(1);
  expect(exported[0].key).toBe(id);
});

test("the processor's consumer group shows its partitions, offsets and lag", async ({ page }) => {
  await signIn(page);
  await openHydrated(page, "/dashboard/kafka");
  const group = page.locator(`[data-testid=group][data-group="${E2E_GROUP}"]`);
  await expect(group).toHaveCount(1, { timeout: 15_000 });
  await expect(group.getByTestId("group-state")).toHaveText("Stable");
  await expect(group.locator(`[data-testid=group-offset][data-topic="${INVOICES}"]`)).toHaveCount(3);
  // Everything so far is processed: the lag settles at 0 on every partition (the page refreshes itself).
  for (const lag of await group.locator(`[data-testid=group-offset][data-topic="${INVOICES}"]`).getByTestId("lag").all()) {
    await expect(lag).toHaveText("0", { timeout: 15_000 });
  }
});

test("a dead letter shows its reason and, replayed after the data is fixed, is processed", async ({ page }) => {
  await signIn(page);
  const customer = crypto.randomUUID();
  const invoice = crypto.randomUUID();
  const event = {
    eventId: crypto.randomUUID(),
    invoiceId: invoice,
    action: "created",
    customerId: customer,
    amount: 777,
    status: "pending",
    timestamp: new Date().toISOString(),
  };
  const produced = await page.request.post("/api/kafka/produce", { data: { topic: INVOICES, message: event } });
  expect(produced.status(), await produced.text()).toBe(200);

  await openHydrated(page, "/dashboard/kafka");
  const letter = page.locator(`[data-testid=dead-letter][data-event-id="${event.eventId}"]`);
  await expect(async () => {
    await page.reload();
    await expect(letter).toHaveCount(1, { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(letter.getByTestId("dead-letter-reason")).toHaveText(`unknown customer \`${customer}\``);
  await expect(letter).toContainText(`${INVOICES}/`);

  // Someone adds the missing customer; the letter goes back to its topic.
  execFileSync("psql", [DATABASE_URL, "-qc", `INSERT INTO customers (id, name, email, image_url) VALUES ('${customer}', 'Grace Hopper', 'grace@example.com', '/customers/amy-burns.png')`]);
  await openHydrated(page, "/dashboard/kafka");
  page.once("dialog", (d) => d.accept());
  await letter.getByTestId("replay").click();
  await expect(page.getByTestId("replay-result")).toContainText("Replayed 1");
  await expect(letter.getByTestId("replayed-at")).toBeVisible();

  // Processed: it reaches the activity feed.
  await expect
    .poll(async () => {
      const items: { invoiceId: string; action: string }[] = await (await page.request.get("/api/activity/export")).json();
      return items.some((i) => i.invoiceId === invoice && i.action === "created");
    }, { timeout: 30_000 })
    .toBe(true);
  // The customer was this test's fixture: other tests count the demo customers.
  execFileSync("psql", [DATABASE_URL, "-qc", `DELETE FROM customers WHERE id = '${customer}'`]);
});

test("the processor group is replayed from the earliest: the page says how many events are read again, and nothing done is done twice", async ({ page }) => {
  await signIn(page);
  const created = await page.request.post("/api/create_invoice", {
    form: { customer_id: LEE_ROBINSON, amount: "321.00", status: "pending" },
  });
  expect(created.status(), await created.text()).toBe(200);
  const counts = () =>
    execFileSync("psql", [DATABASE_URL, "-tAc",
      "SELECT (SELECT count(*) FROM processed_events) || ' ' || (SELECT count(*) FROM activity_items) || ' ' || (SELECT count(*) FROM email_outbox) || ' ' || (SELECT count(*) FROM dev_mailbox) || ' ' || (SELECT count(*) FROM follow_up_tasks) || ' ' || (SELECT count(*) FROM audit_log)"]).toString().trim();

  await openHydrated(page, "/dashboard/kafka");
  const group = page.locator(`[data-testid=group][data-group="${E2E_GROUP}"]`);
  const lags = group.locator(`[data-testid=group-offset][data-topic="${INVOICES}"]`).getByTestId("lag");
  await expect(lags).toHaveCount(3, { timeout: 15_000 });
  for (const lag of await lags.all()) await expect(lag).toHaveText("0", { timeout: 20_000 });
  // Settled: the mail of the new invoice went out too.
  await expect.poll(() => execFileSync("psql", [DATABASE_URL, "-tAc", "SELECT count(*) FROM email_outbox WHERE sent_at IS NULL"]).toString().trim(), { timeout: 20_000 }).toBe("0");
  const before = counts();

  const replay = page.getByTestId("kafka-replay");
  await expect(replay.getByTestId("reset-group")).toHaveValue(E2E_GROUP);
  await expect(replay.getByTestId("reset-topic")).toHaveValue(INVOICES);
  await expect(replay.getByTestId("reset-to-earliest")).toBeChecked();
  await replay.getByTestId("reset-preview").click();
  const plan = replay.getByTestId("reset-plan");
  await expect(plan).toBeVisible();
  const rereads = Number(await plan.getAttribute("data-rereads"));
  expect(rereads).toBeGreaterThan(0);
  await expect(plan.getByTestId("reset-rereads")).toHaveText(String(rereads));
  await expect(plan).toContainText("events will be read again");
  await expect(plan).toContainText("Our processors pause on every server");
  await expect(plan.getByTestId("reset-partition")).toHaveCount(3);

  let question = "";
  page.once("dialog", (d) => {
    question = d.message();
    d.accept();
  });
  await replay.getByTestId("reset-confirm").click();
  await expect(replay.getByTestId("reset-result")).toHaveText(`Done, the processors resumed: ${rereads} events will be read again`, { timeout: 45_000 });
  expect(question).toContain(`Move the group back? Events read again: ${rereads}`);
  const row = replay.getByTestId("reset-row").first();
  await expect(row).toHaveAttribute("data-state", "done");
  await expect(row).toContainText("user@nextmail.com");

  // The processors read everything again (the lag comes back to 0) and nothing was done twice.
  await expect(lags).toHaveCount(3, { timeout: 30_000 });
  for (const lag of await lags.all()) await expect(lag).toHaveText("0", { timeout: 30_000 });
  await expect(group.getByTestId("group-state")).toHaveText("Stable");
  await page.waitForTimeout(2_000);
  expect(counts()).toBe(before);

  // Going forward (or past what the topic keeps) is refused with the reason.
  await replay.getByTestId("reset-offsets").fill("0:99999999");
  await replay.getByTestId("reset-preview").click();
  await expect(replay.getByTestId("reset-plan-error")).toContainText("partition 0 keeps offsets");
});
