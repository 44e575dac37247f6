// The server's refusals in words, each next to the field it is about.

import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { commandProblems, modalProblems } from "./problems";
import type { InteractionRequest } from "./request";

const sent: InteractionRequest = {
  type: 2,
  application_id: "1",
  channel_id: "5",
  nonce: "n",
  data: { id: "10", name: "roll", type: 1, options: [{ name: "dice", type: 1, options: [{ name: "who", type: 6, value: "3" }, { name: "sides", type: 4, value: 500 }] }] },
};

describe("commandProblems", () => {
  it("puts a field error on the option its path names, under sub-commands", () => {
    const error = new ApiError(400, 50035, "Invalid Form Body", {
      data: { options: { "0": { options: { "1": { value: { _errors: [{ code: "NUMBER_TYPE_MAX", message: "Not within the option's range." }] } } } } } },
    } as never);
    expect(commandProblems(error, sent)).toEqual({ byField: { sides: "Not within the option's range." }, general: [] });
  });

  it("says an error about the whole request once, and a 404 or 403 in words", () => {
    const unknown = new ApiError(400, 50035, "Invalid Form Body", { data: { options: { _errors: [{ code: "X", message: "Unknown user." }] } } } as never);
    expect(commandProblems(unknown, sent)).toEqual({ byField: {}, general: ["Unknown user."] });
    expect(commandProblems(new ApiError(404, 10063, "Unknown application command"), sent).general).toEqual(["This command is not available here any more."]);
    expect(commandProblems(new ApiError(403, 50013, "Missing Permissions"), sent).general).toEqual(["You do not have permission to use this here."]);
  });
});

describe("modalProblems", () => {
  it("puts the server's message on the input it names", () => {
    const error = new ApiError(400, 50035, "Invalid Form Body", {
      data: { components: { _errors: [{ code: "BASE_TYPE_BAD_LENGTH", message: "name: between 2 and 10 characters, required." }] } },
    } as never);
    expect(modalProblems(error, ["name", "more"])).toEqual({ byField: { name: "Between 2 and 10 characters, required." }, general: [] });
  });
});
