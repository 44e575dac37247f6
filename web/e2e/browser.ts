// Debian's Chromium through playwright-core, and the steps people take in the client.

import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium, type Browser, type Page } from "playwright-core";

export const ARTIFACTS = "e2e/artifacts";

/** Chromium's switches for calls in a test: fake microphone, camera and screen (a tone and
 * moving test patterns), permission prompts accepted, and ICE allowed over loopback. */
const MEDIA_ARGS = [
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  "--auto-select-desktop-capture-source=Entire screen",
  "--allow-loopback-in-peer-connection",
  "--disable-features=WebRtcHideLocalIpsWithMdns",
];

export async function launch(options: { media?: boolean } = {}): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.PARLEY_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-dev-shm-usage", ...(options.media ? MEDIA_ARGS : [])],
  });
}

/** A person in their own browser context (their own storage, their own session). */
export async function person(browser: Browser, url: string, init?: () => void): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (init) await page.addInitScript(init);
  page.on("pageerror", (error) => {
    throw new Error(`the page failed: ${error.message}`);
  });
  await page.goto(url);
  return page;
}

export async function register(page: Page, username: string, password = "correct horse battery"): Promise<void> {
  await page.getByRole("button", { name: "I need an account" }).or(page.getByRole("button", { name: "Create account" })).first().waitFor();
  if (await page.getByRole("button", { name: "I need an account" }).isVisible()) {
    await page.getByRole("button", { name: "I need an account" }).click();
  }
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("button", { name: "Account menu" }).waitFor();
}

/** Opens my settings from the user menu (bottom left), at a section if named. */
export async function openSettings(page: Page, section?: string): Promise<void> {
  await page.getByRole("button", { name: "Account menu" }).click();
  await page.getByRole("menu", { name: "Account" }).getByRole("menuitem", { name: "Settings" }).click();
  if (section) {
    await page.getByRole("tab", { name: section }).click();
    await page.getByRole("tab", { name: section, selected: true }).waitFor();
  }
}

/** Signs out from the user menu. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Account menu" }).click();
  await page.getByRole("menu", { name: "Account" }).getByRole("menuitem", { name: "Sign out" }).click();
}

export async function say(page: Page, channel: string, text: string): Promise<void> {
  // A DM is named "@bob"; a guild channel by its bare name.
  const box = page.getByLabel(`Message ${channel.startsWith("@") ? channel : `#${channel}`}`);
  await box.fill(text);
  await box.press("Enter");
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** Runs axe-core on the page as it is, once in each theme (dark, then light, then back to
 * the theme it had), and returns the serious and critical violations, each naming its theme. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP (script-src 'self') does
  // not govern; a script tag would be refused, as it should be.
  const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(axeSource);
  const chosen = await page.evaluate(() => document.documentElement.getAttribute("data-theme"));
  const problems: string[] = [];
  for (const theme of ["dark", "light"]) {
    // As Settings applies a theme (src/lib/theme.ts), without remembering it.
    const violations = await page.evaluate(async (theme) => {
      document.documentElement.setAttribute("data-theme", theme);
      const axe = (globalThis as unknown as { axe: { run: (context: Document) => Promise<{ violations: AxeViolation[] }> } }).axe;
      return (await axe.run(document)).violations;
    }, theme);
    problems.push(
      ...violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${theme}: ${v.impact}: ${v.id} (${v.help}) at ${v.nodes.map((n) => JSON.stringify(n.target)).join(", ")}`),
    );
  }
  await page.evaluate((chosen) => {
    if (chosen) document.documentElement.setAttribute("data-theme", chosen);
    else document.documentElement.removeAttribute("data-theme");
  }, chosen);
  return problems;
}

/** The signed-in person's stored session, as the client keeps it. */
async function storedTokens(page: Page): Promise<{ access_token: string; user_id: string }> {
  return page.evaluate(() => JSON.parse(localStorage.getItem("parley.tokens") ?? "{}") as { access_token: string; user_id: string });
}

export async function userId(page: Page): Promise<string> {
  return (await storedTokens(page)).user_id;
}

/** Calls the API as the person signed in on `page` (for steps whose screens do not exist
 * yet); any answer but a success fails the test. */
export async function apiAs(page: Page, base: string) {
  const { access_token: token } = await storedTokens(page);
  return async <T = Record<string, string>>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${base}/api/v10${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status}`);
    return (response.status === 204 ? null : await response.json()) as T;
  };
}
