// A person uses a bot's slash command, button and modal in the browser, against a real
// `parley serve` on PostgreSQL and a bot the test plays itself (its own gateway session and
// REST calls): the bot is made and added to the guild through the API, defines /roll, and
// answers each interaction as a bot library would. A command the bot leaves unanswered shows
// Discord's "The application did not respond". Each new screen passes axe-core in both themes.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { Bot } from "./bot";
import { ARTIFACTS, accessibilityProblems, apiAs, person, register } from "./browser";
import { serveClient, type Client } from "./client";
import { startStack, type Stack } from "./stack";

describe("slash commands, buttons and modals", () => {
  let stack: Stack;
  let client: Client;
  let ann: Page;
  let bot: Bot;

  beforeAll(async () => {
    stack = await startStack();
    client = await serveClient(stack.server.url);
  });

  afterAll(async () => {
    bot?.close();
    await client?.stop();
    await stack?.stop();
  });

  it("adds a bot to the guild, which connects and defines /roll", async () => {
    ann = await person(stack.browser, client.url);
    await register(ann, "ann");
    await ann.getByRole("button", { name: "Create a guild" }).click();
    await ann.getByLabel("Guild name").fill("Dice Club");
    await ann.getByRole("dialog", { name: "Create a guild" }).getByRole("button", { name: "Create" }).click();
    await ann.getByRole("button", { name: /^general/ }).waitFor();

    const api = await apiAs(ann, stack.server.url);
    const [guild] = await api<{ id: string }[]>("GET", "/users/@me/guilds");
    const app = await api<{ id: string; token: string }>("POST", "/applications", { name: "Dicebot", description: "Rolls dice" });
    await api("POST", `/oauth2/authorize?client_id=${app.id}&scope=bot&permissions=0`, { guild_id: guild?.id, authorize: true });
    bot = new Bot(app.id, app.token, stack.server.url);
    await bot.connect();
    await bot.api("PUT", `/applications/${app.id}/commands`, [
      { name: "roll", description: "Roll a die", options: [{ type: 4, name: "sides", description: "How many sides", required: true, min_value: 2, max_value: 100 }] },
      { name: "nap", description: "The bot takes a nap" },
      { name: "fruit", description: "Pick a fruit", options: [{ type: 3, name: "kind", description: "Which fruit", required: true, autocomplete: true }] },
    ]);
  });

  it("picks /roll from what is typed, fills in its option and sends it to the bot", async () => {
    const box = ann.getByLabel("Message #general");
    await box.pressSequentially("/ro");
    const picker = ann.getByRole("listbox", { name: "Commands matching" });
    const roll = picker.getByRole("option", { name: /\/roll/ });
    await roll.waitFor();
    expect(await roll.textContent()).toContain("Roll a die");
    expect(await roll.textContent()).toContain("Dicebot");
    expect(await picker.getByRole("option", { name: /\/nap/ }).count()).toBe(0);
    expect(await accessibilityProblems(ann), "the command picker").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/command-picker.png` });
    await box.press("Enter");

    const form = ann.getByRole("form", { name: "Use /roll" });
    const sides = form.getByLabel(/sides/);
    await sides.waitFor();
    // Out of range: said next to the field, and nothing is sent.
    await sides.fill("1");
    await sides.press("Enter");
    await form.getByText("Must be between 2 and 100.").waitFor();
    await sides.fill("20");
    expect(await accessibilityProblems(ann), "the command form").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/command-form.png` });
    await sides.press("Enter");

    const used = await bot.next("INTERACTION_CREATE", (d) => d.type === 2);
    expect(used.data).toMatchObject({ name: "roll", type: 1, options: [{ name: "sides", type: 4, value: 20 }] });
    await ann.getByText("Sending command…").waitFor();
    await bot.answer(used, {
      type: 4,
      data: { content: "🎲 You rolled a 17", components: [{ type: 1, components: [{ type: 2, style: 1, label: "Tell us how it went", custom_id: "feedback" }, { type: 2, style: 5, label: "Dice rules", url: "https://example.com/dice" }] }] },
    });
    const answer = ann.locator("li.message", { hasText: "You rolled a 17" });
    await answer.getByText("ann used /roll").waitFor();
    await ann.getByText("Sending command…").waitFor({ state: "detached" });
    const link = answer.getByRole("link", { name: /Dice rules/ });
    expect(await link.getAttribute("target")).toBe("_blank");
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer");
    expect(await accessibilityProblems(ann), "a command's answer with buttons").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/command-answer.png` });
  });

  it("presses the answer's button, fills in the modal the bot opens, and sees the bot's answer only she can see", async () => {
    const answer = ann.locator("li.message", { hasText: "You rolled a 17" });
    const button = answer.getByRole("button", { name: "Tell us how it went" });
    await button.click();
    const pressed = await bot.next("INTERACTION_CREATE", (d) => d.type === 3);
    expect(pressed.data).toMatchObject({ custom_id: "feedback", component_type: 2 });
    expect(await button.getAttribute("aria-busy")).toBe("true");
    await bot.answer(pressed, {
      type: 9,
      data: {
        custom_id: "feedback_form",
        title: "How did it go?",
        components: [{ type: 1, components: [{ type: 4, custom_id: "words", style: 2, label: "Your words", min_length: 3, max_length: 50 }] }],
      },
    });
    const dialog = ann.getByRole("dialog", { name: "How did it go?" });
    const words = dialog.getByLabel(/Your words/);
    await words.waitFor();
    await words.fill("ok");
    await dialog.getByText("2/50").waitFor();
    await dialog.getByRole("button", { name: "Submit" }).click();
    await dialog.getByText("At least 3 characters (2 so far).").waitFor();
    await words.fill("lovely dice");
    expect(await accessibilityProblems(ann), "the modal").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/modal.png` });
    await dialog.getByRole("button", { name: "Submit" }).click();

    const submitted = await bot.next("INTERACTION_CREATE", (d) => d.type === 5);
    expect(submitted.data).toMatchObject({ custom_id: "feedback_form", components: [{ type: 1, components: [{ type: 4, custom_id: "words", value: "lovely dice" }] }] });
    await bot.answer(submitted, { type: 4, data: { content: "Thanks for your words", flags: 64 } });
    await dialog.waitFor({ state: "detached" });
    const secret = ann.locator("li.message", { hasText: "Thanks for your words" });
    await secret.getByText("Only you can see this").waitFor();
    expect(await accessibilityProblems(ann), "an ephemeral answer").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/ephemeral.png` });
    await secret.getByRole("button", { name: "Dismiss message" }).click();
    await secret.waitFor({ state: "detached" });
  });

  it("suggests values from the bot as she types, and sends the choice from a select menu", async () => {
    const box = ann.getByLabel("Message #general");
    await box.pressSequentially("/fru");
    await ann.getByRole("option", { name: /\/fruit/ }).waitFor();
    await box.press("Enter");
    const form = ann.getByRole("form", { name: "Use /fruit" });
    const kind = form.getByRole("combobox", { name: /kind/ });
    await kind.pressSequentially("ap");
    const asked = await bot.next("INTERACTION_CREATE", (d) => d.type === 4 && JSON.stringify(d.data).includes('"value":"ap"'));
    expect(asked.data).toMatchObject({ name: "fruit", options: [{ name: "kind", type: 3, value: "ap", focused: true }] });
    await bot.answer(asked, { type: 8, data: { choices: [{ name: "Apple", value: "apple" }, { name: "Apricot", value: "apricot" }] } });
    const apricot = form.getByRole("option", { name: "Apricot" });
    await apricot.waitFor();
    expect(await accessibilityProblems(ann), "the suggestions").toEqual([]);
    await apricot.click();
    expect(await kind.inputValue()).toBe("Apricot");
    await form.getByRole("button", { name: "Send" }).click();
    const used = await bot.next("INTERACTION_CREATE", (d) => d.type === 2 && (d.data as { name: string }).name === "fruit");
    expect(used.data).toMatchObject({ options: [{ name: "kind", value: "apricot" }] });
    await bot.answer(used, {
      type: 4,
      data: {
        content: "How ripe?",
        components: [{ type: 1, components: [{ type: 3, custom_id: "ripeness", placeholder: "Choose ripeness", options: [{ label: "Green", value: "green" }, { label: "Ripe", value: "ripe" }] }] }],
      },
    });
    const question = ann.locator("li.message", { hasText: "How ripe?" });
    await question.getByRole("combobox", { name: "Choose ripeness" }).selectOption("ripe");
    const chosen = await bot.next("INTERACTION_CREATE", (d) => d.type === 3);
    expect(chosen.data).toMatchObject({ custom_id: "ripeness", component_type: 3, values: ["ripe"] });
    // The answer changes the menu's message (MESSAGE_UPDATE).
    await bot.answer(chosen, { type: 7, data: { content: "Ripe it is", components: [] } });
    await ann.locator("li.message", { hasText: "Ripe it is" }).waitFor();
    await ann.locator("li.message", { hasText: "How ripe?" }).waitFor({ state: "detached" });
  });

  it("shows the bot thinking until its deferred answer fills the message in", async () => {
    const box = ann.getByLabel("Message #general");
    await box.pressSequentially("/roll");
    await ann.getByRole("option", { name: /\/roll/ }).waitFor();
    await box.press("Enter");
    const form = ann.getByRole("form", { name: "Use /roll" });
    await form.getByLabel(/sides/).fill("6");
    await form.getByLabel(/sides/).press("Enter");
    const used = await bot.next("INTERACTION_CREATE", (d) => d.type === 2 && JSON.stringify(d.data).includes('"value":6'));
    await bot.answer(used, { type: 5 });
    const thinking = ann.getByText("Dicebot is thinking");
    await thinking.waitFor();
    await ann.screenshot({ path: `${ARTIFACTS}/thinking.png` });
    await bot.api("PATCH", `/webhooks/${bot.id}/${used.token}/messages/@original`, { content: "You rolled a 4 (after some thought)" });
    await ann.getByText("You rolled a 4 (after some thought)").waitFor();
    await thinking.waitFor({ state: "detached" });
  });

  it("says the application did not respond when the bot never answers", async () => {
    const box = ann.getByLabel("Message #general");
    await box.pressSequentially("/nap");
    await ann.getByRole("option", { name: /\/nap/ }).waitFor();
    await box.press("Enter");
    await ann.getByRole("form", { name: "Use /nap" }).getByRole("button", { name: "Send" }).click();
    await bot.next("INTERACTION_CREATE", (d) => (d.data as { name?: string }).name === "nap");
    const late = ann.getByText("The application did not respond");
    await late.waitFor({ timeout: 6000 });
    expect(await accessibilityProblems(ann), "the failure note").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/did-not-respond.png` });
    await ann.getByRole("button", { name: "Dismiss" }).click();
    await late.waitFor({ state: "detached" });
  });
});
