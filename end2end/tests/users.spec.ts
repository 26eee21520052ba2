import { Browser, expect, Page, test } from "@playwright/test";
import { openHydrated, signIn } from "./helpers";

/** Signs a new browser in through the login form. */
async function signInWithForm(browser: Browser, email: string, password: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await openHydrated(page, "/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  return page;
}

test("an admin adds a viewer, who replaces the one-time password, finds the changing actions absent and refused, and is signed out when disabled", async ({
  page,
  browser,
}) => {
  await signIn(page);
  await openHydrated(page, "/dashboard/users");
  const email = `vera-${Date.now()}@example.com`;
  const add = page.getByTestId("add-user");
  await add.getByLabel("Name").fill("Vera Viewer");
  await add.getByLabel("Email").fill(email);
  await add.getByLabel("Role").selectOption("viewer");
  await add.getByRole("button", { name: "Add user" }).click();
  const oneTime = (await page.getByTestId("one-time-password").textContent())!.trim();
  expect(oneTime).toHaveLength(16);
  const row = page.locator(`[data-testid=user-row][data-email="${email}"]`);
  await expect(row).toHaveAttribute("data-role", "viewer");

  // The viewer's first sign-in leads to choosing their own password, and nowhere else.
  const viewer = await signInWithForm(browser, email, oneTime);
  await expect(viewer).toHaveURL(/\/dashboard\/account$/);
  await expect(viewer.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(viewer.getByTestId("must-change-password")).toBeVisible();
  const form = viewer.getByTestId("change-password");
  await form.getByLabel("Current password").fill(oneTime);
  await form.getByLabel("New password", { exact: true }).fill("password123");
  await form.getByLabel("New password again").fill("password123");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(viewer.getByTestId("password-result")).toContainText("too easy to guess");
  await form.getByLabel("New password", { exact: true }).fill("granite-otter-Sail-47");
  await form.getByLabel("New password again").fill("granite-otter-Sail-47");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(viewer).toHaveURL(/\/dashboard$/);

  // Every page reads; the changing actions are not there.
  await openHydrated(viewer, "/dashboard/invoices");
  await expect(viewer.getByTestId("invoices-table").locator("tbody tr").first()).toBeVisible();
  await expect(viewer.getByRole("link", { name: "Create Invoice" })).toHaveCount(0);
  await expect(viewer.getByTestId("invoices-table").getByRole("button", { name: "Delete" })).toHaveCount(0);
  await expect(viewer.getByRole("link", { name: "Users" })).toHaveCount(0);
  await openHydrated(viewer, "/dashboard/kafka");
  await expect(viewer.getByTestId("topic-row").first()).toBeVisible();
  await expect(viewer.getByTestId("create-topic")).toHaveCount(0);
  await expect(viewer.getByTestId("delete-topic")).toHaveCount(0);
  await expect(viewer.getByTestId("replay-all")).toHaveCount(0);
  await expect(viewer.getByTestId("reset-form")).toHaveCount(0);
  await expect(viewer.getByTestId("kafka-replay")).toBeVisible();

  // ... and refused when asked for anyway: the page says why, the server answers 403.
  const created = await viewer.goto("/dashboard/invoices/create");
  expect(created!.status()).toBe(403);
  await expect(viewer.getByTestId("forbidden")).toContainText("Your role does not give access to this page.");
  const users = await viewer.goto("/dashboard/users");
  expect(users!.status()).toBe(403);
  const firstInvoice = await page.request.post("/api/invoices_page", { form: { query: "", page: "1" } });
  const id = (await firstInvoice.json()).rows[0].id;
  const refused = await viewer.request.post("/api/delete_invoice", { form: { id } });
  expect(refused.status()).toBe(403);
  expect((await refused.json()).kind).toBe("forbidden");
  const stillThere = await page.request.post("/api/invoices_page", { form: { query: "", page: "1" } });
  expect((await stillThere.json()).rows[0].id).toBe(id);
  const produce = await viewer.request.post("/api/kafka/produce", {
    data: { topic: "invoices", message: { invoiceId: "INV-1", action: "created" } },
  });
  expect(produce.status()).toBe(403);

  // Disabled by the admin: the open tab loses its session at once.
  await openHydrated(viewer, "/dashboard");
  await expect(viewer.getByTestId("signed-in-as")).toContainText(email);
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await row.getByRole("button", { name: "Disable" }).click();
  await expect(row).toHaveAttribute("data-disabled", "true");
  await expect(viewer).toHaveURL(/\/login\?callbackUrl=%2Fdashboard$/, { timeout: 15_000 });

  // Every action was recorded: the audit trail shows them, newest first.
  await openHydrated(page, `/dashboard/audit?person=${encodeURIComponent("user@nextmail.com")}&action=user_disable`);
  await expect(page.getByTestId("audit-row").first()).toHaveAttribute("data-action", "user_disable");
  await expect(page.getByTestId("audit-row").first()).toContainText(email);
  await openHydrated(page, `/dashboard/audit?person=${encodeURIComponent(email)}`);
  await expect(page.getByTestId("audit-row").first()).toHaveAttribute("data-action", "password_change");
});

test("the users page and the forbidden page speak Italian too", async ({ page, browser }) => {
  await signIn(page);
  await openHydrated(page, "/dashboard/users");
  await page.getByRole("button", { name: "Italiano" }).click();
  await expect(page.getByRole("heading", { name: "Utenti" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Aggiungi utente" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Token API" })).toBeVisible();
  await page.getByRole("button", { name: "English" }).click();

  const viewer = await signInWithForm(browser, "viewer@nextmail.com", "123456");
  await expect(viewer).toHaveURL(/\/dashboard$/);
  await expect(viewer.locator("body")).toHaveAttribute("data-hydrated", "true");
  await viewer.getByRole("button", { name: "Italiano" }).click();
  await viewer.goto("/dashboard/audit");
  await expect(viewer.getByTestId("forbidden")).toContainText("Il tuo ruolo non dà accesso a questa pagina.");
});
