// What a message says about the interaction it answers.

import { describe, expect, it } from "vitest";
import { isEphemeral, isThinking, usedHeader } from "./answers";

const ann = { id: "2", username: "ann", global_name: "Ann" };

describe("usedHeader", () => {
  it("names who used which command, with its sub-command path", () => {
    expect(usedHeader({ interaction_metadata: { id: "9", type: 2, user: ann }, interaction: { id: "9", type: 2, name: "roll dice", user: ann } })).toEqual({
      who: "Ann",
      what: "/roll dice",
    });
  });

  it("says a button or a form when no command was used, and nothing for other messages", () => {
    expect(usedHeader({ interaction_metadata: { id: "9", type: 3, user: ann } })?.what).toBe("a button or menu");
    expect(usedHeader({ interaction_metadata: { id: "9", type: 5, user: ann } })?.what).toBe("a form");
    expect(usedHeader({})).toBeNull();
  });
});

describe("flags", () => {
  it("reads ephemeral (64) and thinking (128) from a message's flags", () => {
    expect([isEphemeral({ flags: 64 }), isThinking({ flags: 64 })]).toEqual([true, false]);
    expect([isEphemeral({ flags: 192 }), isThinking({ flags: 192 })]).toEqual([true, true]);
    expect(isEphemeral({})).toBe(false);
  });
});
