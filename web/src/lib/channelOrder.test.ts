import { describe, expect, it } from "vitest";
import { dropOn, moveBy, placeAt } from "./channelOrder";
import type { Channel } from "./guilds";

const channel = (id: string, position: number, type = 0, parent_id: string | null = null): Channel => ({ id, name: `c${id}`, type, position, parent_id, guild_id: "1" });
// Two categories (10, 20); text channels 11-13 in 10, 21 in 20, 1 outside.
const channels = [channel("10", 0, 4), channel("20", 1, 4), channel("11", 0, 0, "10"), channel("12", 1, 0, "10"), channel("13", 2, 2, "10"), channel("21", 0, 0, "20"), channel("1", 0)];

describe("channel order", () => {
  it("moves a channel one step up or down among its category's channels", () => {
    expect(moveBy(channels, "12", -1)).toEqual([{ id: "12", position: 0 }, { id: "11", position: 1 }]);
    expect(moveBy(channels, "12", 1)).toEqual([{ id: "13", position: 1 }, { id: "12", position: 2 }]);
  });

  it("does nothing past either end", () => {
    expect(moveBy(channels, "11", -1)).toEqual([]);
    expect(moveBy(channels, "13", 1)).toEqual([]);
  });

  it("moves categories among categories", () => {
    expect(moveBy(channels, "20", -1)).toEqual([{ id: "20", position: 0 }, { id: "10", position: 1 }]);
  });

  it("puts a channel dropped on another in its place, in that channel's category", () => {
    expect(dropOn(channels, "21", "12")).toEqual([{ id: "21", position: 1, parent_id: "10" }, { id: "12", position: 2 }, { id: "13", position: 3 }]);
  });

  it("puts a channel dragged down after the one it is dropped on", () => {
    expect(dropOn(channels, "11", "12")).toEqual([{ id: "12", position: 0 }, { id: "11", position: 1 }]);
  });

  it("sends a channel dropped on a category to its end, and numbers equal positions apart", () => {
    expect(dropOn(channels, "1", "20")).toEqual([{ id: "1", position: 1, parent_id: "20" }]);
    const tied = [channel("10", 0, 4), channel("11", 0, 0, "10"), channel("12", 0, 0, "10")];
    expect(placeAt(tied, "11", 1), "12 keeps its 0; 11 goes after it").toEqual([{ id: "11", position: 1 }]);
  });
});
