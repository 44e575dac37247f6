// What user, role, channel and mentionable options and menus offer.

import { describe, expect, it } from "vitest";
import { pickables, pickKind } from "./pickable";

const from = {
  members: [{ id: "2", name: "zoe" }, { id: "1", name: "ann" }],
  roles: [{ id: "9", name: "mods" }],
  channels: [{ id: "5", name: "general", type: 0 }, { id: "6", name: "Lounge", type: 2 }, { id: "7", name: "Stuff", type: 4 }],
};

describe("pickables", () => {
  it("offers people by name, roles with @, and both for mentionables", () => {
    expect(pickables("user", from).map((p) => p.label)).toEqual(["ann", "zoe"]);
    expect(pickables("mentionable", from).map((p) => p.label)).toEqual(["ann", "zoe", "@mods"]);
  });

  it("offers only the channel types asked for", () => {
    expect(pickables("channel", from, [0]).map((p) => p.label)).toEqual(["#general"]);
    expect(pickables("channel", from).map((p) => p.value)).toEqual(["5", "6", "7"]);
  });
});

describe("pickKind", () => {
  it("reads the kind from an option's type or a select menu's", () => {
    expect([6, 7, 8, 9, 3].map((t) => pickKind(t, "option"))).toEqual(["user", "channel", "role", "mentionable", null]);
    expect([5, 6, 7, 8, 3].map((t) => pickKind(t, "component"))).toEqual(["user", "role", "mentionable", "channel", null]);
  });
});
