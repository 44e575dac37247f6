// Two people chatting live in two browsers, against a real `parley serve` on PostgreSQL with
// its default settings (registration by invitation): the first person registers and creates
// a guild, the second arrives through the invite link, registers and is in; they talk both
// ways, sign out and in again, and carry on across a server restart with nothing missed.
// Newcomers arrive through pasted links and invite pages; every screen passes axe-core in
// both themes.

import { get } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { ARTIFACTS, accessibilityProblems, apiAs, openSettings, person, register, say, signOut, userId } from "./browser";
import { startStack, type Stack } from "./stack";

/** A file as the server sends it for this Accept-Encoding: the Content-Encoding and the bytes. */
function fetchRaw(url: string, acceptEncoding?: string): Promise<{ encoding: string | undefined; vary: string | undefined; body: Buffer }> {
  return new Promise((done, fail) => {
    get(url, { headers: acceptEncoding ? { "accept-encoding": acceptEncoding } : {} }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        done({ encoding: response.headers["content-encoding"], vary: response.headers.vary, body: Buffer.concat(chunks) }),
      );
    }).on("error", fail);
  });
}

describe("two people chatting", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  let ann: Page;
  let bob: Page;

  it("registers the first person, who creates a guild and invites the second", async () => {
    ann = await person(stack.browser, stack.server.url);
    await ann.getByText("You are the first here").waitFor();
    expect(await accessibilityProblems(ann), "the registration screen").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/register.png` });
    await register(ann, "ann");
    await ann.getByRole("button", { name: "Create a guild" }).click();
    await ann.getByLabel("Guild name").fill("Book Club");
    expect(await accessibilityProblems(ann), "the create-guild dialog").toEqual([]);
    await ann.getByRole("dialog", { name: "Create a guild" }).getByRole("button", { name: "Create" }).click();
    await ann.getByRole("button", { name: /^general/ }).waitFor();
    await ann.getByRole("button", { name: "Invite people" }).click();
    const field = ann.getByLabel("Invite link");
    await expect.poll(() => field.inputValue()).toMatch(/^https?:\/\/\S+\/invite\/\S+$/);
    const link = await field.inputValue();
    await ann.getByText("It expires after 7 days.").waitFor();
    expect(await accessibilityProblems(ann), "the invite dialog").toEqual([]);
    await ann.keyboard.press("Escape");
    await ann.getByRole("dialog", { name: "Invite people to #general" }).waitFor({ state: "detached" });

    // Bob has no account: the invite link shows him where he is going, and registering
    // with it (no instance invite needed) brings him straight in.
    bob = await person(stack.browser, link as string);
    await bob.getByText("ann invited you to join").waitFor();
    await bob.getByRole("heading", { name: "Book Club" }).waitFor();
    expect(await accessibilityProblems(bob), "the invite screen").toEqual([]);
    await register(bob, "bob");
    await bob.getByRole("button", { name: /^general/ }).waitFor();
    expect(new URL(bob.url()).pathname).toBe("/");
  });

  it("serves the client precompressed, brotli or gzip as asked, under 70 KB of script and style", async () => {
    // What a browser's first visit moves over the wire for the client's code.
    const visitor = await person(stack.browser, `${stack.server.url}/login`);
    await visitor.getByRole("heading", { name: "Welcome back" }).waitFor();
    const transferred = await visitor.evaluate(() =>
      performance
        .getEntriesByType("resource")
        .filter((e) => /\.(js|css)$/.test(new URL(e.name).pathname))
        .map((e) => [new URL(e.name).pathname, (e as PerformanceResourceTiming).transferSize] as const),
    );
    console.log(`first visit: ${transferred.map(([path, size]) => `${path} ${(size / 1024).toFixed(1)} KB`).join(", ")}`);
    expect(transferred.length).toBeGreaterThanOrEqual(2);
    expect(transferred.reduce((sum, [, size]) => sum + size, 0)).toBeLessThan(70 * 1024);
    await visitor.context().close();

    // Each text file, in each encoding, unpacks to the very bytes of the file.
    const html = (await fetchRaw(`${stack.server.url}/login`)).body.toString();
    const assets = html.match(/\/assets\/[^"]+\.(?:js|css)/g) ?? [];
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const path of ["/login", ...assets]) {
      const plain = await fetchRaw(`${stack.server.url}${path}`);
      expect(plain.encoding, path).toBeUndefined();
      const br = await fetchRaw(`${stack.server.url}${path}`, "gzip, deflate, br");
      expect(br.encoding, path).toBe("br");
      expect(br.vary, path).toContain("accept-encoding");
      expect(brotliDecompressSync(br.body).equals(plain.body), `${path}: brotli unpacks to the file`).toBe(true);
      const gzip = await fetchRaw(`${stack.server.url}${path}`, "gzip, br;q=0");
      expect(gzip.encoding, path).toBe("gzip");
      expect(gzip.vary, path).toContain("accept-encoding");
      expect(gunzipSync(gzip.body).equals(plain.body), `${path}: gzip unpacks to the file`).toBe(true);
    }
  });

  it("delivers each message live to the other person, formatted and safe", async () => {
    await say(ann, "general", "hello **bob** <img src=x onerror=alert(1)>");
    await bob.getByText("hello").waitFor();
    expect(await bob.locator("main li strong", { hasText: "bob" }).count()).toBeGreaterThan(0);
    expect(await bob.locator("main img").count()).toBe(0);
    await say(bob, "general", "hi ann, good to be here");
    await ann.getByText("hi ann, good to be here").waitFor();
    expect(await accessibilityProblems(ann), "the chat screen").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/chat-ann.png` });
    await bob.screenshot({ path: `${ARTIFACTS}/chat-bob.png` });
  });

  it("replies, edits, reacts and deletes, and the other person sees each live", async () => {
    const original = bob.locator("li.message", { hasText: "hi ann, good to be here" });
    await original.hover();
    await original.getByRole("button", { name: "Reply" }).click();
    await say(bob, "general", "(a reply)");
    await ann.locator("li.message", { hasText: "(a reply)" }).getByText("good to be here").waitFor();

    const mine = ann.locator("li.message", { hasText: "hello" }).first();
    await mine.hover();
    await mine.getByRole("button", { name: "Edit" }).click();
    await ann.getByLabel("Edit message").fill("hello again, bob");
    await ann.getByLabel("Edit message").press("Enter");
    await bob.getByText("hello again, bob").waitFor();
    await bob.getByText("(edited)").waitFor();

    const theirs = bob.locator("li.message", { hasText: "hello again, bob" });
    await theirs.hover();
    await theirs.getByRole("button", { name: "Add reaction" }).click();
    await bob.getByRole("button", { name: "React with 🎉" }).click();
    await ann.getByRole("button", { name: "🎉 1" }).waitFor();

    const pinnable = ann.locator("li.message", { hasText: "hello again, bob" });
    await pinnable.hover();
    await pinnable.getByRole("button", { name: "More" }).click();
    await ann.getByRole("menu", { name: "More actions" }).getByRole("menuitem", { name: "Pin" }).click();
    await bob.getByRole("button", { name: "Pinned messages" }).click();
    await bob.getByRole("region", { name: "Pinned messages" }).getByText("hello again, bob").waitFor();
    expect(await accessibilityProblems(bob), "the pinned messages").toEqual([]);
    await bob.getByRole("button", { name: "Pinned messages" }).click();

    await say(ann, "general", "a slip of the keyboard");
    const slip = ann.locator("li.message", { hasText: "a slip of the keyboard" });
    await bob.getByText("a slip of the keyboard").waitFor();
    await slip.hover();
    await slip.getByRole("button", { name: "Delete" }).click();
    const question = ann.getByRole("dialog", { name: "Delete message" });
    await question.getByText("a slip of the keyboard").waitFor();
    expect(await accessibilityProblems(ann), "the delete confirmation").toEqual([]);
    await question.getByRole("button", { name: "Delete" }).click();
    await bob.getByText("a slip of the keyboard").waitFor({ state: "detached" });
    await ann.screenshot({ path: `${ARTIFACTS}/conversation-ann.png` });
  });

  it("highlights code, and reacts with any emoji from the picker", async () => {
    await say(ann, "general", "```js\nconst answer = 42; // the answer\n```");
    await bob.locator("li.message .hl-keyword", { hasText: "const" }).waitFor();
    expect(await bob.locator("li.message .hl-comment", { hasText: "// the answer" }).count()).toBe(1);

    const code = bob.locator("li.message", { hasText: "const answer" });
    await code.hover();
    await code.getByRole("button", { name: "Add reaction" }).click();
    await bob.getByRole("button", { name: "More emoji" }).click();
    await bob.getByLabel("Find an emoji").fill("rocket");
    expect(await accessibilityProblems(bob), "the emoji picker").toEqual([]);
    await bob.getByLabel("Find an emoji").press("Enter");
    await ann.getByRole("button", { name: "🚀 1" }).waitFor();
  });

  it("reaches a message and its actions from the keyboard alone", async () => {
    await bob.locator("ol.message-list").focus();
    await bob.keyboard.press("End");
    await bob.keyboard.press("ArrowUp");
    const focused = () => bob.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.textContent ?? "");
    expect(await focused()).toMatch(/^(ann|bob), /);
    // Tab walks into the focused message: its reactions, then its actions.
    for (let i = 0; i < 4 && (await focused()) !== "Reply"; i++) await bob.keyboard.press("Tab");
    expect(await focused()).toBe("Reply");
    await bob.keyboard.press("Enter");
    await bob.getByText("Replying to").waitFor();
    await bob.getByLabel("Cancel reply").click();
  });

  it("marks an unread channel, counts a mention made with autocomplete, and shows where new messages start", async () => {
    const api = await apiAs(ann, stack.server.url);
    const [guild] = await api<{ id: string }[]>("GET", "/users/@me/guilds");
    await api("POST", `/guilds/${guild?.id}/channels`, { name: "plans" });
    await ann.getByRole("button", { name: /^plans/ }).click();
    await say(ann, "plans", "first, the venue");
    const box = ann.getByLabel("Message #plans");
    await box.pressSequentially("@bo");
    await ann.getByRole("listbox", { name: "Suggestions" }).getByRole("option", { name: /bob/ }).waitFor();
    await box.press("Enter");
    await box.pressSequentially("can you bring the books?");
    expect(await box.inputValue()).toMatch(/^<@\d+> +can you bring the books\?$/);
    await box.press("Enter");
    await ann.locator("li.message .mention", { hasText: "@bob" }).waitFor();

    // Bob, reading #general, sees #plans unread with one mention; opening it shows the line
    // where the unread messages begin, and clears both.
    const plans = bob.getByRole("button", { name: "plans, unread, 1 mention" });
    await plans.waitFor();
    await plans.click();
    await bob.locator("li.new-marker", { hasText: "New messages" }).waitFor();
    await bob.locator("li.message .mention", { hasText: "@bob" }).waitFor();
    await bob.getByRole("button", { name: "general", exact: true }).click();
    await bob.getByRole("button", { name: "plans", exact: true }).waitFor();
  });

  it("pings for an @name typed without picking it, and for a reply unless its @ is turned off", async () => {
    // Ann types bob's name in capitals and sends it as it is; bob, in #general, is pinged.
    await say(ann, "plans", "@BOB are you coming?");
    await ann.locator("li.message .mention", { hasText: "@bob" }).last().waitFor();
    await bob.getByRole("button", { name: "plans, unread, 1 mention" }).click();
    await bob.locator("li.message", { hasText: "are you coming?" }).locator(".mention", { hasText: "@bob" }).waitFor();

    // A reply pings the author it answers, as in Discord, unless its "@ On" is turned off.
    const api = await apiAs(bob, stack.server.url);
    const [guild] = await api<{ id: string }[]>("GET", "/users/@me/guilds");
    const channels = await api<{ id: string; name: string }[]>("GET", `/guilds/${guild?.id}/channels`);
    const general = channels.find((c) => c.name === "general")?.id;
    await ann.getByRole("button", { name: "general", exact: true }).click();
    const reply = async (text: string, ping: boolean) => {
      const bobs = ann.locator("li.message", { hasText: "hi ann, good to be here" }).first();
      await bobs.hover();
      await bobs.getByRole("button", { name: "Reply" }).click();
      const toggle = ann.getByRole("button", { name: /: mention bob$/ });
      expect(await toggle.getAttribute("aria-pressed"), "a reply pings by default").toBe("true");
      if (!ping) await toggle.click();
      await expect.poll(() => toggle.textContent()).toMatch(ping ? /^@ On:/ : /^@ Off:/);
      if (ping) expect(await accessibilityProblems(ann), "the reply bar").toEqual([]);
      await say(ann, "general", text);
      // Stored once bob can read it back.
      await expect.poll(async () => (await api<{ content: string }[]>("GET", `/channels/${general}/messages?limit=1`))[0]?.content).toBe(text);
    };
    await reply("welcome aboard", true);
    await bob.getByRole("button", { name: "general, unread, 1 mention" }).waitFor();
    await reply("no need to answer this one", false);
    const states = await api<{ channel_id: string; mention_count: number }[]>("GET", "/users/@me/read-states");
    expect(states.find((s) => s.channel_id === general)?.mention_count, "the reply with @ Off pinged nobody").toBe(1);
    await bob.getByRole("button", { name: /^general, unread/ }).click();
    await bob.getByRole("button", { name: "plans", exact: true }).waitFor();
    await ann.getByRole("button", { name: "plans", exact: true }).click();
  });

  it("keeps unread marks across a reload, and forgets them once read", async () => {
    await say(ann, "plans", "snacks are on me");
    await bob.getByRole("button", { name: "plans, unread" }).waitFor();
    await bob.reload();
    await bob.getByRole("button", { name: "plans, unread" }).waitFor();
    // Read, then reloaded: still read.
    await bob.getByRole("button", { name: "plans, unread" }).click();
    await bob.getByText("snacks are on me").waitFor();
    await bob.getByRole("button", { name: "general", exact: true }).click();
    await bob.reload();
    await bob.getByRole("button", { name: /^plans/ }).waitFor();
    expect(await bob.getByRole("button", { name: /^plans/ }).getAttribute("aria-label")).toBe("plans");
  });

  it("brings newcomers to the channel they were invited to, from a link pasted at sign-up or from the invite page", async () => {
    // Invites to channels that are not the first of their guild's list (#plans, outside any
    // category, comes before #general), where a newcomer would otherwise land.
    const api = await apiAs(ann, stack.server.url);
    const [guild] = await api<{ id: string }[]>("GET", "/users/@me/guilds");
    const channels = await api<{ id: string; name: string }[]>("GET", `/guilds/${guild?.id}/channels`);
    const general = channels.find((c) => c.name === "general")?.id;
    const { code } = await api<{ code: string }>("POST", `/channels/${general}/invites`, {});

    // Carol was sent the link but opens Parley's front page: she pastes the whole link
    // (without its scheme, with a trailing slash) where the invite code goes.
    const carol = await person(stack.browser, stack.server.url);
    await carol.getByRole("button", { name: "I need an account" }).click();
    await carol.getByLabel("Username").fill("carol");
    await carol.getByLabel("Password").fill("correct horse battery");
    expect(await accessibilityProblems(carol), "the registration screen with an invite code").toEqual([]);
    await carol.getByLabel("Invite code").fill(`${new URL(stack.server.url).host}/invite/${code}/`);
    await carol.getByRole("button", { name: "Create account" }).click();
    await carol.getByRole("button", { name: /^plans/ }).waitFor();
    await expect.poll(() => carol.locator("textarea").getAttribute("aria-label")).toBe("Message #general");

    // Signed in, she follows bob's invite to #screenings, under #general in another guild,
    // and lands there.
    const bobApi = await apiAs(bob, stack.server.url);
    const film = await bobApi<{ id: string }>("POST", "/guilds", { name: "Film Club" });
    const category = (await bobApi<{ id: string; name: string }[]>("GET", `/guilds/${film.id}/channels`)).find((c) => c.name === "Text Channels");
    const screenings = await bobApi<{ id: string }>("POST", `/guilds/${film.id}/channels`, { name: "screenings", parent_id: category?.id, position: 5 });
    const invite = await bobApi<{ code: string }>("POST", `/channels/${screenings.id}/invites`, {});
    await carol.goto(`${stack.server.url}/invite/${invite.code}`);
    await carol.getByRole("button", { name: "Join Film Club" }).waitFor();
    expect(await accessibilityProblems(carol), "the invite offer to someone signed in").toEqual([]);
    await carol.getByRole("button", { name: "Join Film Club" }).click();
    await carol.getByRole("complementary", { name: "Channels" }).getByText("Film Club").waitFor();
    await carol.getByRole("button", { name: /^general/ }).waitFor();
    await expect.poll(() => carol.locator("textarea").getAttribute("aria-label")).toBe("Message #screenings");
    await carol.context().close();
  });

  it("starts a thread from a message, and the other person finds it under its channel", async () => {
    const venue = ann.locator("li.message", { hasText: "first, the venue" });
    await venue.hover();
    await venue.getByRole("button", { name: "Start a thread" }).click();
    await ann.getByLabel("Thread name").fill("Venue ideas");
    expect(await accessibilityProblems(ann), "the new-thread form").toEqual([]);
    await ann.getByRole("button", { name: "Start thread" }).click();
    await say(ann, "Venue ideas", "the library has a room");
    await bob.getByRole("button", { name: /^Thread Venue ideas/ }).click();
    await bob.getByText("the library has a room").waitFor();
    expect(await accessibilityProblems(bob), "a thread").toEqual([]);
    await ann.getByRole("button", { name: "general", exact: true }).click();
    await bob.getByRole("button", { name: "general", exact: true }).click();
  });

  it("finds messages with the guild's search", async () => {
    await bob.getByLabel("Search this guild's messages").fill("again");
    await bob.getByLabel("Search this guild's messages").press("Enter");
    await bob.getByRole("region", { name: "Search results" }).getByText("hello again, bob").waitFor();
    expect(await bob.getByRole("region", { name: "Search results" }).getByText("1 result").count()).toBe(1);
    expect(await accessibilityProblems(bob), "the search results").toEqual([]);
    await bob.getByRole("button", { name: "Clear" }).click();
  });

  it("shows a message's embed as a card, and hides it live when its embeds are suppressed", async () => {
    const api = await apiAs(ann, stack.server.url);
    const [guild] = await api<{ id: string }[]>("GET", "/users/@me/guilds");
    const channels = await api<{ id: string; name: string }[]>("GET", `/guilds/${guild?.id}/channels`);
    const general = channels.find((c) => c.name === "general");
    const sent = await api<{ id: string }>("POST", `/channels/${general?.id}/messages`, {
      content: "the nightly build",
      embeds: [{
        title: "Build 42 passed", url: "https://ci.example.com/42", description: "all **green**", color: 0x2ecc71,
        fields: [{ name: "tests", value: "557", inline: true }, { name: "time", value: "14 min", inline: true }],
        image: { url: "https://ci.example.com/chart.png" }, footer: { text: "ci" },
      }],
    });
    const card = bob.getByRole("article", { name: "Embed: Build 42 passed" });
    await card.waitFor();
    expect(await card.getByRole("link", { name: "Build 42 passed" }).getAttribute("href")).toBe("https://ci.example.com/42");
    expect(await card.locator("strong", { hasText: "green" }).count(), "its description is markdown").toBe(1);
    expect(await card.locator("dt").allTextContents()).toEqual(["tests", "time"]);
    // The picture is a link, not fetched: no image is loaded from elsewhere.
    await card.getByRole("link", { name: "Image on ci.example.com" }).waitFor();
    expect(await card.locator("img").count()).toBe(0);
    expect(await card.evaluate((e) => getComputedStyle(e).borderLeftColor)).toBe("rgb(46, 204, 113)");
    await bob.screenshot({ path: `${ARTIFACTS}/embed.png` });
    expect(await accessibilityProblems(bob), "a message with an embed").toEqual([]);
    await api("PATCH", `/channels/${general?.id}/messages/${sent.id}`, { flags: 4 });
    await card.waitFor({ state: "detached" });
    await bob.getByText("the nightly build").waitFor();
  });

  it("starts a DM from the member list, and it reaches only the other person", async () => {
    const members = ann.getByRole("complementary", { name: "Members" });
    await members.getByRole("button", { name: /bob/ }).click();
    await ann.getByRole("dialog", { name: "bob's profile" }).waitFor();
    await ann.keyboard.press("Escape");
    await ann.getByRole("dialog", { name: "bob's profile" }).waitFor({ state: "detached" });
    await members.getByRole("button", { name: /bob/ }).click();
    await ann.getByRole("dialog", { name: "bob's profile" }).getByRole("button", { name: "Message" }).click();
    await ann.getByLabel("Message @bob").waitFor();
    await say(ann, "@bob", "psst, a secret");
    // Bob's DM list gains the conversation with its first message; it opens first.
    await bob.getByRole("button", { name: "Direct messages" }).click();
    await bob.getByRole("complementary", { name: "Direct messages" }).getByRole("button", { name: /ann/ }).waitFor();
    await bob.getByText("psst, a secret").waitFor();
    await say(bob, "@ann", "my lips are sealed");
    await ann.getByText("my lips are sealed").waitFor();
    expect(await accessibilityProblems(bob), "the DM screen").toEqual([]);
    // A group: ann starts one from her conversations and names it; bob finds it in his.
    await ann.getByRole("button", { name: "New group" }).click();
    await ann.getByRole("dialog", { name: "New group" }).getByLabel(/bob/).check();
    expect(await accessibilityProblems(ann), "the new-group dialog").toEqual([]);
    await ann.getByLabel("Group name (optional)").fill("Book people");
    await ann.getByRole("button", { name: "Start the group" }).click();
    await ann.getByLabel("Message Book people").fill("a group of our own");
    await ann.getByLabel("Message Book people").press("Enter");
    await bob.getByRole("button", { name: /Book people/ }).click();
    await bob.getByText("a group of our own").waitFor();
    await bob.getByText("2 people: you, ann").waitFor();
    expect(await accessibilityProblems(bob), "a group DM").toEqual([]);
    // Back to the guild for what follows. Bob wrote last in his DM with ann: after a
    // reload, his own message leaves nothing unread there.
    await bob.getByRole("button", { name: "Book Club" }).click();
    await ann.getByRole("button", { name: "Book Club" }).click();
    await bob.reload();
    await bob.getByRole("button", { name: /^general/ }).waitFor();
    expect(await bob.getByRole("navigation", { name: "Guilds" }).getByRole("button", { name: /^Direct messages/ }).textContent()).toBe("✉Direct messages");
  });

  it("hides a channel from one of them, live, when the owner sets a role's overwrite in guild settings", async () => {
    // A new channel, from the channel list.
    await ann.getByRole("button", { name: "Create a channel", exact: true }).click();
    await ann.getByLabel("Name").fill("Spoilers");
    expect(await accessibilityProblems(ann), "the create-channel dialog").toEqual([]);
    await ann.getByRole("dialog", { name: "Create a channel" }).getByRole("button", { name: "Create" }).click();
    await ann.getByLabel("Message #spoilers").waitFor();
    await bob.getByRole("button", { name: /^spoilers/ }).waitFor();

    // A role for newcomers, given to bob.
    await ann.getByRole("button", { name: "Guild settings" }).click();
    for (const tab of ["Overview", "Invites", "Bans"]) {
      await ann.getByRole("tab", { name: tab }).click();
      await ann.getByRole("tab", { name: tab, selected: true }).waitFor();
      expect(await accessibilityProblems(ann), `the guild settings' ${tab}`).toEqual([]);
    }
    await ann.getByRole("tab", { name: "Roles" }).click();
    await ann.getByRole("button", { name: "Create role" }).click();
    await ann.getByLabel("Role name").fill("Newcomer");
    await ann.getByRole("button", { name: "Save role" }).click();
    await ann.getByText("Newcomer is saved.").waitFor();
    await ann.getByLabel("Member to give Newcomer").selectOption({ label: "bob" });
    await ann.getByRole("button", { name: "Give role" }).click();
    await ann.getByRole("button", { name: "Remove Newcomer from bob" }).waitFor();
    expect(await accessibilityProblems(ann), "the roles screen").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/guild-roles.png` });

    // The overwrite: Newcomer may not view #spoilers. Bob loses it at once; ann keeps it.
    await ann.getByRole("tab", { name: "Channel permissions" }).click();
    await ann.getByLabel("Channel", { exact: true }).selectOption({ label: "# spoilers" });
    await ann.getByLabel("Role or member to add an overwrite for").selectOption({ label: "Newcomer" });
    await ann.getByRole("button", { name: "Add", exact: true }).click();
    await ann.getByLabel("Deny View channels").check({ force: true });
    await ann.getByRole("button", { name: "Save overwrite" }).click();
    await ann.getByText("The overwrite for Newcomer in spoilers is saved.").waitFor();
    await bob.getByRole("button", { name: /^spoilers/ }).waitFor({ state: "detached" });
    await ann.getByRole("button", { name: /^spoilers/ }).waitFor();
    expect(await accessibilityProblems(ann), "the channel permissions screen").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/guild-overwrites.png` });
    await bob.screenshot({ path: `${ARTIFACTS}/hidden-channel-bob.png` });

    // The audit log tells the story.
    await ann.getByRole("tab", { name: "Audit log" }).click();
    await ann.getByText("added an overwrite in").waitFor();
    await ann.getByText("created the role").waitFor();
    expect(await accessibilityProblems(ann), "the audit log").toEqual([]);
    await ann.getByRole("button", { name: "Close" }).click();
    await ann.getByRole("button", { name: /^general/ }).click();
  });

  it("works on a phone-sized screen, channels in a drawer", async () => {
    const phone = await bob.context().newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(stack.server.url);
    await phone.getByRole("button", { name: "Channels", exact: true }).click();
    await phone.getByRole("complementary", { name: "Channels" }).getByRole("button", { name: "plans", exact: true }).click();
    await phone.getByLabel("Message #plans").waitFor();
    expect(await phone.getByRole("complementary", { name: "Channels" }).isVisible()).toBe(false);
    expect(await accessibilityProblems(phone), "the phone layout").toEqual([]);
    await phone.screenshot({ path: `${ARTIFACTS}/phone-bob.png` });
    await phone.close();
  });

  it("loads older messages as the reader scrolls up, and says where the channel began", async () => {
    const api = await apiAs(ann, stack.server.url);
    const [guild] = await api<{ id: string }[]>("GET", "/users/@me/guilds");
    const channels = await api<{ id: string; name: string }[]>("GET", `/guilds/${guild?.id}/channels`);
    const general = channels.find((c) => c.name === "general")?.id;
    let last = "";
    for (let n = 0; n < 60; n++) {
      last = (await api<{ id: string }>("POST", `/channels/${general}/messages`, { content: `history line ${n}` })).id;
    }
    // bob has read them (whether his open page acknowledged them before the reload is a race;
    // with unread messages the channel rightly opens at the first unread one, line 0).
    await (await apiAs(bob, stack.server.url))("POST", `/channels/${general}/messages/${last}/ack`, {});
    // A fresh page loads the newest 50; the first lines come when bob scrolls up.
    await bob.reload();
    await bob.getByRole("button", { name: /^general/ }).click();
    await bob.getByText("history line 59").waitFor();
    expect(await bob.getByText("history line 0", { exact: true }).count()).toBe(0);
    for (let i = 0; i < 10 && (await bob.getByText("history line 0", { exact: true }).count()) === 0; i++) {
      await bob.locator("ol.message-list").evaluate((el) => (el.scrollTop = 0));
      await bob.waitForTimeout(200);
    }
    await bob.getByText("history line 0", { exact: true }).waitFor();
    await bob.getByText("This is the beginning of #general.").waitFor();

    // A search result far back opens at its message.
    await ann.getByLabel("Search this guild's messages").fill("history line 3");
    await ann.getByLabel("Search this guild's messages").press("Enter");
    await ann.getByRole("region", { name: "Search results" }).getByRole("button", { name: /history line 3$/ }).click();
    await ann.locator("li.message.highlighted", { hasText: "history line 3" }).waitFor();
    expect(await ann.locator("li.message.highlighted").isVisible()).toBe(true);
  });

  it("signs out and back in, with the history still there", async () => {
    await signOut(bob);
    await bob.getByRole("heading", { name: "Welcome back" }).waitFor();
    expect(await accessibilityProblems(bob), "the sign-in screen").toEqual([]);
    // While bob is away, ann writes in #plans: he finds it unread when he is back.
    await ann.getByRole("button", { name: "plans", exact: true }).click();
    await say(ann, "plans", "the venue is booked");
    await ann.getByRole("button", { name: "general", exact: true }).click();
    await bob.getByLabel("Username or email").fill("bob");
    await bob.getByLabel("Password").fill("wrong password");
    await bob.getByRole("button", { name: "Sign in" }).click();
    await bob.getByRole("alert").waitFor();
    await bob.getByLabel("Password").fill("correct horse battery");
    await bob.getByRole("button", { name: "Sign in" }).click();
    await bob.getByText("history line 59", { exact: true }).waitFor();
    await bob.getByRole("button", { name: "plans, unread" }).waitFor();
  });

  it("shows my devices in settings and signs another one out", async () => {
    // A second device for ann: her own session in another browser context.
    const phone = await person(stack.browser, stack.server.url);
    await phone.getByRole("button", { name: "I already have an account" }).or(phone.getByRole("heading", { name: "Welcome back" })).first().waitFor();
    if (await phone.getByRole("button", { name: "I already have an account" }).isVisible()) {
      await phone.getByRole("button", { name: "I already have an account" }).click();
    }
    await phone.getByLabel("Username or email").fill("ann");
    await phone.getByLabel("Password").fill("correct horse battery");
    await phone.getByRole("button", { name: "Sign in" }).click();
    await phone.getByRole("button", { name: "Account menu" }).waitFor();

    await openSettings(ann, "Devices");
    await ann.getByText("(this device)").waitFor();
    expect(await accessibilityProblems(ann), "the settings screen").toEqual([]);
    await ann.getByRole("button", { name: "Sign out every other device" }).click();
    await ann.getByRole("button", { name: "Sign out every other device" }).waitFor({ state: "detached" });
    // The phone finds itself signed out at its next request.
    await phone.reload();
    await phone.getByRole("heading", { name: "Welcome back" }).waitFor();
    // The light theme, chosen here, passes the same checks.
    await ann.getByRole("tab", { name: "Appearance" }).click();
    await ann.getByLabel("Light").check();
    expect(await ann.evaluate(() => document.documentElement.dataset.theme)).toBe("light");
    await ann.getByRole("button", { name: "Close" }).click();
    await ann.getByLabel("Message #general").waitFor();
    expect(await accessibilityProblems(ann), "the chat screen, light").toEqual([]);
    await ann.screenshot({ path: `${ARTIFACTS}/chat-ann-light.png` });
    await openSettings(ann, "Appearance");
    await ann.getByLabel("Follow my system").check();
    await ann.getByRole("button", { name: "Close" }).click();
  });

  it("carries on after the server restarts, missing nothing", async () => {
    await stack.server.stop();
    await ann.getByText("Reconnecting").waitFor();
    await stack.serveAgain();
    await ann.getByText("Reconnecting").waitFor({ state: "detached", timeout: 60_000 });
    await say(ann, "general", "are you still there?");
    await bob.getByText("are you still there?").waitFor({ timeout: 60_000 });
    await say(bob, "general", "still here");
    await ann.getByText("still here", { exact: true }).waitFor();
  });
});
