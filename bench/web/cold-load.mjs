// Cold loads of dashboard pages in Debian's Chromium (Playwright): every byte transferred
// (response bodies as sent, with headers) and every request, per page, from an empty cache,
// logged in as the demo user (but for /login). Prints one JSON line per page.
//   node bench/web/cold-load.mjs http://127.0.0.1:3290 /dashboard /dashboard/invoices ...
import { createRequire } from "node:module";

// Playwright is installed in end2end/ (run this from there).
const { chromium } = createRequire(`${process.cwd()}/`)("@playwright/test");

const [base, ...paths] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
for (const path of paths) {
  const context = await browser.newContext();
  // Signed in as the demo admin, except for the sign-in page itself.
  if (path !== "/login") {
    const login = await context.request.post(`${base}/api/login`, { form: { email: "user@nextmail.com", password: "123456" } });
    if (!(await login.text()).includes("SignedIn")) throw new Error("demo login failed");
  }
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  const requests = new Map();
  cdp.on("Network.requestWillBeSent", (e) => requests.set(e.requestId, { url: e.request.url, type: e.type, bytes: 0 }));
  cdp.on("Network.responseReceived", (e) => { const r = requests.get(e.requestId); if (r) { r.type = e.type; r.encoding = e.response.headers["content-encoding"] ?? e.response.headers["Content-Encoding"]; } });
  cdp.on("Network.loadingFinished", (e) => { const r = requests.get(e.requestId); if (r) r.bytes = e.encodedDataLength; });
  await page.goto(`${base}${path}`, { waitUntil: "load" });
  await page.locator("body[data-hydrated=true]").waitFor({ timeout: 30_000 });
  await page.waitForLoadState("networkidle");
  const list = [...requests.values()].filter((r) => !r.url.startsWith("ws"));
  const byType = {};
  for (const r of list) byType[r.type] = (byType[r.type] ?? 0) + r.bytes;
  const total = list.reduce((sum, r) => sum + r.bytes, 0);
  console.log(JSON.stringify({ path, requests: list.length, bytes: total, byType, files: list.map((r) => `${r.type} ${r.bytes} ${r.encoding ?? "-"} ${r.url.replace(base, "")}`) }));
  await context.close();
}
await browser.close();
