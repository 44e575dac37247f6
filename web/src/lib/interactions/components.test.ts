// Buttons and select menus on an application's message: how each looks, what a menu takes,
// and the request that uses one.

import { describe, expect, it } from "vitest";
import { buttonTone, componentRequest, selectionProblem } from "./components";
import type { Component } from "./types";

const place = { channelId: "5", guildId: "4" };
const botMessage = { id: "700", channel_id: "5", author: { id: "1" } };
const menu: Component = { type: 3, custom_id: "pick", min_values: 1, max_values: 2, options: [{ label: "A", value: "a" }, { label: "B", value: "b" }, { label: "C", value: "c" }] };

describe("buttonTone", () => {
  it("names each of Discord's five styles, secondary when unknown", () => {
    expect([1, 2, 3, 4, 5, undefined].map(buttonTone)).toEqual(["primary", "secondary", "success", "danger", "link", "secondary"]);
  });
});

describe("selectionProblem", () => {
  it("keeps a choice within the menu's minimum and maximum, and among its options", () => {
    expect(selectionProblem(menu, [])).toBe("Choose one.");
    expect(selectionProblem(menu, ["a", "b"])).toBeNull();
    expect(selectionProblem(menu, ["a", "b", "c"])).toBe("Choose at most 2.");
    expect(selectionProblem(menu, ["z"])).toBe("Choose from the list.");
    expect(selectionProblem({ ...menu, min_values: 0 }, [])).toBeNull();
  });
});

describe("componentRequest", () => {
  it("sends a button's custom id and type, for the message's author when the message names no application", () => {
    const request = componentRequest(botMessage, { type: 2, style: 1, custom_id: "again" }, place, "n1");
    expect(request).toEqual({
      type: 3,
      application_id: "1",
      guild_id: "4",
      channel_id: "5",
      message_id: "700",
      nonce: "n1",
      data: { custom_id: "again", component_type: 2 },
    });
  });

  it("sends a menu's chosen values, for the application an interaction's answer names", () => {
    const request = componentRequest({ ...botMessage, author: { id: "2" }, application_id: "1" }, menu, { channelId: "5", guildId: null }, "n2", ["a"]);
    expect(request.application_id).toBe("1");
    expect(request.guild_id).toBeUndefined();
    expect(request.data).toEqual({ custom_id: "pick", component_type: 3, values: ["a"] });
  });
});
