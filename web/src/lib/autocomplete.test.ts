// The composer's mention autocomplete: finding the mention being typed, ranking matches and
// inserting the chosen one.

import { describe, expect, it } from "vitest";
import { activeMention, complete, suggestions, type Mentionable } from "./autocomplete";

const from: Mentionable = {
  members: [
    { id: "10", username: "ann", display: "Ann Lee" },
    { id: "11", username: "joanna", display: "Jo" },
    { id: "12", username: "bob", display: "Bob" },
  ],
  roles: [{ id: "20", name: "Annotators" }],
  channels: [
    { id: "30", name: "general" },
    { id: "31", name: "general-chat" },
    { id: "32", name: "spoilers" },
  ],
  emoji: [{ guild: { id: "1", name: "Book Club" }, emojis: [{ id: "900", name: "parrot" }, { id: "901", name: "party", animated: true }] }],
};

describe("activeMention", () => {
  it("finds the trigger and query before the caret, only at a word's start", () => {
    expect(activeMention("hello @an", 9)).toEqual({ trigger: "@", query: "an", start: 6 });
    expect(activeMention("#gen", 4)).toEqual({ trigger: "#", query: "gen", start: 0 });
    expect(activeMention("mail me at ann@example", 22)).toBeNull();
    expect(activeMention("hello @ann there", 16)).toBeNull();
  });
});

describe("suggestions", () => {
  it("puts names that start with the query before names that contain it, then roles", () => {
    const found = suggestions({ trigger: "@", query: "an", start: 0 }, from);
    expect(found.map((s) => s.label)).toEqual(["Ann Lee", "Jo", "@Annotators"]);
    expect(found[0]?.insert).toBe("<@10>");
    expect(found[2]?.insert).toBe("<@&20>");
  });

  it("offers @everyone and @here, and channels after #", () => {
    expect(suggestions({ trigger: "@", query: "ev", start: 0 }, from).map((s) => s.insert)).toEqual(["@everyone"]);
    expect(suggestions({ trigger: "#", query: "gen", start: 0 }, from).map((s) => s.insert)).toEqual(["<#30>", "<#31>"]);
    expect(suggestions({ trigger: "#", query: "zzz", start: 0 }, from)).toEqual([]);
  });
});

describe("emoji autocomplete", () => {
  it("starts after a colon and two name characters, not in a time or a smiley", () => {
    expect(activeMention("so :pa", 6)).toEqual({ trigger: ":", query: "pa", start: 3 });
    expect(activeMention(":p", 2)).toBeNull();
    expect(activeMention("at 10:30", 8)).toBeNull();
    expect(activeMention("ok :)", 5)).toBeNull();
  });

  it("offers custom emoji before unicode ones, inserting <:name:id> or the character", () => {
    const found = suggestions({ trigger: ":", query: "par", start: 0 }, from);
    expect(found.slice(0, 2).map((s) => [s.label, s.insert])).toEqual([
      [":parrot:", "<:parrot:900>"],
      [":party:", "<a:party:901>"],
    ]);
    expect(found.slice(2).every((s) => !s.insert.startsWith("<")), "then unicode ones").toBe(true);
    expect(found[0]?.detail).toBe("Book Club");
    expect(suggestions({ trigger: ":", query: "rocket", start: 0 }, from).map((s) => s.insert)).toEqual(["🚀"]);
  });

  it("shows each person's face beside their name", () => {
    const withFaces = { ...from, members: [{ id: "10", username: "ann", display: "Ann Lee", avatar: "a1" }] };
    expect(suggestions({ trigger: "@", query: "ann", start: 0 }, withFaces)[0]?.person).toEqual({ id: "10", name: "Ann Lee", avatar: "a1" });
  });
});

describe("complete", () => {
  it("replaces what was typed with the mention and puts the caret after it", () => {
    const text = "hi @an how are you";
    const active = activeMention(text, 6);
    expect(active).not.toBeNull();
    expect(complete(text, active!, 6, "<@10>")).toEqual({ text: "hi <@10>  how are you", caret: 9 });
  });
});
