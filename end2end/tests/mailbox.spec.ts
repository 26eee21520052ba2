import { expect, test } from "@playwright/test";
import { openHydrated, signIn } from "./helpers";

const LEE_ROBINSON = "3958dc9e-742f-4377-85e9-fec4b6a6442a";

test.beforeEach(async ({ page }) => {
  await signIn(page);
});

test("the mail an invoice causes can be read in the development mailbox, in English and Italian", async ({ page }) => {
  const amount = `${100 + Math.floor(Math.random() * 800)}.${String(Math.floor(Math.random() * 100)).padStart(2, "0")}`;
  const response = await page.request.post("/api/create_invoice", {
    form: { customer_id: LEE_ROBINSON, amount, status: "pending" },
  });
  expect(await response.text()).toContain("Saved");

  await openHydrated(page, "/dashboard/mailbox");
  await expect(page.getByTestId("mailbox-note")).toContainText("keeps every mail");
  const mail = page.getByTestId("mail").filter({ hasText: `$${amount}` }).first();
  // The page refetches as events arrive; the mail follows its event.
  await expect(async () => {
    await page.reload();
    await expect(mail).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await expect(mail).toContainText("lee@robinson.com");
  await mail.getByTestId("mail-subject").click();
  await expect(mail.getByTestId("mail-body")).toContainText("Dear Lee Robinson");

  await page.getByRole("button", { name: "Italiano" }).click();
  await expect(page.getByRole("heading", { name: "Posta (sviluppo)" })).toBeVisible();
});
