import { expect, Page, test } from "@playwright/test";
import { baseURL } from "../playwright.config";
import { openHydrated, signIn } from "./helpers";

test.beforeEach(async ({ page }) => {
  await signIn(page);
});

const rows = (page: Page) => page.getByTestId("invoices-table").locator("tbody tr");

async function useLanguage(page: Page, lang: "en" | "it") {
  await page.context().addCookies([{ name: "i18n_pref_locale", value: lang, url: baseURL }]);
}

test("an Italian amount is read the Italian way and shown back that way", async ({ page }) => {
  await useLanguage(page, "it");
  await openHydrated(page, "/dashboard/invoices/create");
  await page.locator("#customer").selectOption({ label: "Amy Burns" });
  await page.getByLabel("In attesa").check();

  // A point where Italian puts none is refused, never read as 1250.
  await page.locator("#amount").fill("12.50");
  await page.getByRole("button", { name: "Crea fattura" }).click();
  await expect(page.locator("#amount-error")).toHaveText(/Usa la virgola per i centesimi/);

  await page.locator("#amount").fill("1.234,56");
  await page.getByRole("button", { name: "Crea fattura" }).click();
  await expect(page).toHaveURL(/\/dashboard\/invoices$/);
  await page.getByLabel("Cerca", { exact: true }).fill("1234.56");
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText("1.234,56 USD");

  // The edit form shows it the way an Italian types it, and saving it unchanged keeps it.
  await rows(page).first().getByRole("link", { name: "Modifica" }).click();
  await expect(page.locator("#amount")).toHaveValue("1234,56");
  // Switching language rewrites the amount the new way, so it is read right either way.
  await page.getByRole("button", { name: "English" }).click();
  await expect(page.locator("#amount")).toHaveValue("1234.56");
  await page.getByRole("button", { name: "Italiano" }).click();
  await expect(page.locator("#amount")).toHaveValue("1234,56");
  await page.getByRole("button", { name: "Modifica fattura" }).click();
  await expect(page).toHaveURL(/\/dashboard\/invoices$/);
  await page.getByLabel("Cerca", { exact: true }).fill("1234.56");
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText("1.234,56 USD");
});

test("an ambiguous English amount is refused with a field error and saves nothing", async ({ page }) => {
  await useLanguage(page, "en");
  await openHydrated(page, "/dashboard/invoices/create");
  await page.locator("#customer").selectOption({ label: "Lee Robinson" });
  await page.getByLabel("Paid").check();
  for (const typed of ["12,50", "1,2,3", "12.50,1"]) {
    await page.locator("#amount").fill(typed);
    await page.getByRole("button", { name: "Create Invoice" }).click();
    await expect(page.locator("#amount-error")).toHaveText(
      "Please use a point for cents, like 12.50 (a comma only separates thousands: 1,250.50).",
    );
    await expect(page).toHaveURL(/\/create$/);
  }
  await openHydrated(page, "/dashboard/invoices?query=1250.00");
  await expect(rows(page)).toHaveCount(0);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test("the Italian form posted by the browser itself is read the Italian way", async ({ page }) => {
    await useLanguage(page, "it");
    await page.goto("/dashboard/invoices/create");
    await page.locator("#customer").selectOption({ label: "Delba de Oliveira" });
    await page.locator("#amount").fill("7.654,32");
    await page.getByLabel("Pagata").check();
    await page.getByRole("button", { name: "Crea fattura" }).click();
    await page.waitForLoadState();
    await page.goto("/dashboard/invoices?query=7654.32");
    await expect(rows(page)).toHaveCount(1);
    await expect(rows(page).first()).toContainText("7.654,32 USD");
  });
});

/** Every button or link whose only content is an icon: its icon is drawn and it has a name. */
async function checkIconControls(page: Page, where: string) {
  const controls = page.locator("button:visible, a:visible").filter({ has: page.locator("svg[data-icon]") });
  const count = await controls.count();
  for (let i = 0; i < count; i++) {
    const control = controls.nth(i);
    const label = `${where}: ${await control.evaluate((e) => e.outerHTML.slice(0, 120))}`;
    await expect(control, label).toHaveAccessibleName(/\S/);
    const icon = control.locator("svg[data-icon]").first();
    const drawn = await icon.evaluate((svg) => {
      const box = svg.getBoundingClientRect();
      const path = svg.querySelector("path");
      const style = getComputedStyle(svg);
      const colour = style.stroke !== "none" ? style.stroke : style.color;
      return {
        width: box.width,
        height: box.height,
        path: path?.getAttribute("d") ?? "",
        length: path ? (path as SVGPathElement).getTotalLength() : 0,
        colour,
        visible: style.visibility !== "hidden" && style.display !== "none" && Number(style.opacity) > 0,
      };
    });
    expect(drawn.width, label).toBeGreaterThanOrEqual(12);
    expect(drawn.height, label).toBeGreaterThanOrEqual(12);
    expect(drawn.path, label).not.toBe("");
    expect(drawn.length, label).toBeGreaterThan(0);
    expect(drawn.visible, label).toBe(true);
    expect(drawn.colour, label).not.toMatch(/rgba\(\d+, \d+, \d+, 0\)|transparent/);
  }
  // No icon is a character a font may not have.
  const symbols = await page.evaluate(() => {
    const found: string[] = [];
    document.querySelectorAll("button, a, [aria-hidden=true]").forEach((e) => {
      const text = (e as HTMLElement).innerText ?? "";
      const odd = text.match(/[\u2300-\u23FF\u2600-\u27BF\u{1F300}-\u{1FAFF}]/u);
      if (odd) found.push(`${e.tagName} ${JSON.stringify(text.slice(0, 40))}`);
    });
    return found;
  });
  expect(symbols, `${where}: icons drawn with font glyphs`).toEqual([]);
  return count;
}

for (const theme of ["light", "dark"]) {
  test(`every icon button shows its icon and has a name (${theme} theme, both languages)`, async ({ page }) => {
    // Twelve page loads and a look at every icon control on each: about 26 s in CI on this
    // machine, too close to the default 30 s (it ran out whenever the machine was busier).
    test.setTimeout(90_000);
    await page.context().addCookies([{ name: "theme", value: theme, url: baseURL }]);
    let seen = 0;
    for (const lang of ["en", "it"] as const) {
      await useLanguage(page, lang);
      for (const path of ["/dashboard", "/dashboard/invoices", "/dashboard/customers", "/dashboard/activity", "/dashboard/kafka", "/dashboard/invoices/create"]) {
        await openHydrated(page, path);
        seen += await checkIconControls(page, `${path} (${theme}, ${lang})`);
      }
    }
    // The invoice rows' edit and delete buttons, pagination, the theme toggle, the navigation.
    await useLanguage(page, "en");
    await openHydrated(page, "/dashboard/invoices");
    await expect(rows(page).first().getByRole("button", { name: "Delete" }).locator('svg[data-icon="trash"]')).toBeVisible();
    await expect(rows(page).first().getByRole("link", { name: "Edit" }).locator('svg[data-icon="pencil"]')).toBeVisible();
    await expect(page.locator('svg[data-icon="search"]')).toBeVisible();
    expect(seen).toBeGreaterThan(20);
  });
}
