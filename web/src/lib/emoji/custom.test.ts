// Custom emoji as text, as reactions and by name: how they are written, matched, searched,
// named (the server's rule), and resolved when typed as :name:.

import { describe, expect, it } from "vitest";
import { asReaction, emojiNameProblem, emojiText, nameFromFile, reactionName, reactionParam, sameEmoji, searchCustom } from "./custom";
import { resolveTypedEmoji } from "./typed";

const parrot = { id: "900", name: "parrot", animated: false };
const dance = { id: "901", name: "dance", animated: true };
const groups = [
  { guild: { id: "1", name: "Book Club" }, emojis: [parrot, dance] },
  { guild: { id: "2", name: "Film Club" }, emojis: [{ id: "902", name: "party_parrot" }, { id: "903", name: "popcorn" }] },
];

describe("writing emoji", () => {
  it("writes a custom emoji as <:name:id>, a moving one as <a:name:id>, a unicode one as itself", () => {
    expect(emojiText(parrot)).toBe("<:parrot:900>");
    expect(emojiText(dance)).toBe("<a:dance:901>");
    expect(emojiText({ char: "🎉", name: "tada" })).toBe("🎉");
  });

  it("reacts with name:id for a custom emoji and the character for a unicode one", () => {
    expect(reactionParam(asReaction(parrot))).toBe("parrot:900");
    expect(reactionParam(asReaction({ char: "👍", name: "thumbsup" }))).toBe("👍");
    // A deleted emoji has no name; the server goes by its id.
    expect(reactionParam({ id: "900", name: null })).toBe("_:900");
  });

  it("names a reaction for people, and a deleted emoji's as :deleted:", () => {
    expect(reactionName({ id: null, name: "👍" })).toBe("👍");
    expect(reactionName({ id: "900", name: "parrot" })).toBe(":parrot:");
    expect(reactionName({ id: "900", name: null })).toBe(":deleted:");
  });
});

describe("sameEmoji", () => {
  it("matches custom emoji by id, whatever their names, and unicode ones by character", () => {
    expect(sameEmoji({ id: "900", name: "parrot" }, { id: "900", name: "renamed" })).toBe(true);
    expect(sameEmoji({ id: "900", name: null }, { id: "900", name: "parrot" })).toBe(true);
    expect(sameEmoji({ id: "900", name: "x" }, { id: "901", name: "x" })).toBe(false);
    expect(sameEmoji({ id: null, name: "👍" }, { id: null, name: "👍" })).toBe(true);
    expect(sameEmoji({ id: null, name: "parrot" }, { id: "900", name: "parrot" })).toBe(false);
  });
});

describe("emoji names", () => {
  it("accepts 2-32 letters, digits and underscores, as the server does", () => {
    expect(emojiNameProblem("parrot")).toBeNull();
    expect(emojiNameProblem("a_1")).toBeNull();
    expect(emojiNameProblem("x".repeat(32))).toBeNull();
    expect(emojiNameProblem("p")).toMatch(/at least 2/);
    expect(emojiNameProblem("x".repeat(33))).toMatch(/at most 32/);
    expect(emojiNameProblem("party parrot")).toMatch(/letters, digits and underscores/);
    expect(emojiNameProblem("ünicode")).toMatch(/letters, digits and underscores/);
  });

  it("suggests a valid name from an image's file name", () => {
    expect(nameFromFile("Party Parrot!.png")).toBe("Party_Parrot");
    expect(nameFromFile("café-time.gif")).toBe("cafe_time");
    expect(nameFromFile("x.png")).toBe("emoji");
    expect(emojiNameProblem(nameFromFile(`${"long".repeat(20)}.webp`))).toBeNull();
  });
});

describe("searchCustom", () => {
  it("keeps each guild's matches, names starting with the query first, case ignored", () => {
    expect(searchCustom(groups, "PARROT").map((g) => [g.guild.name, g.emojis.map((e) => e.name)])).toEqual([
      ["Book Club", ["parrot"]],
      ["Film Club", ["party_parrot"]],
    ]);
    expect(searchCustom(groups, "p").map((g) => g.emojis.map((e) => e.name))).toEqual([["parrot"], ["party_parrot", "popcorn"]]);
    expect(searchCustom(groups, "zzz")).toEqual([]);
  });
});

describe("resolveTypedEmoji", () => {
  const emojis = groups.flatMap((g) => g.emojis);

  it("writes out a :name: typed by hand, exact names first, then ignoring case", () => {
    expect(resolveTypedEmoji("so :parrot: much", emojis)).toBe("so <:parrot:900> much");
    expect(resolveTypedEmoji(":Dance::popcorn:", emojis)).toBe("<a:dance:901><:popcorn:903>");
  });

  it("leaves unknown names, code and emoji already written out as they are", () => {
    expect(resolveTypedEmoji(":unknown: at 10:30", emojis)).toBe(":unknown: at 10:30");
    expect(resolveTypedEmoji("`:parrot:` and\n```\n:parrot:\n```", emojis)).toBe("`:parrot:` and\n```\n:parrot:\n```");
    expect(resolveTypedEmoji("<:parrot:900> <a:dance:901>", emojis)).toBe("<:parrot:900> <a:dance:901>");
  });
});
