// Debian's Chromium through playwright-core, and the steps people take in the client.

import { mkdirSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

export const ARTIFACTS = "e2e/artifacts";

export async function launch(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.PARLEY_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

/** A person in their own browser context (their own storage, their own session). */
export async function person(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
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
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

export async function say(page: Page, channel: string, text: string): Promise<void> {
  const box = page.getByLabel(`Message #${channel}`);
  await box.fill(text);
  await box.press("Enter");
}
