// A modal's text inputs: their limits, what is wrong with an answer, and the submission.

import { describe, expect, it } from "vitest";
import { answerProblem, initialAnswers, modalAnswerProblems, modalSubmitRequest } from "./modal";
import type { ModalCreate } from "./types";

const modal: ModalCreate = {
  id: "900",
  application: { id: "1", name: "Dice" },
  channel_id: "5",
  custom_id: "feedback",
  title: "Tell us",
  components: [
    { type: 1, components: [{ type: 4, custom_id: "name", style: 1, label: "Name", min_length: 2, max_length: 10 }] },
    { type: 1, components: [{ type: 4, custom_id: "more", style: 2, label: "More", required: false, min_length: 5, value: "hello" }] },
  ],
};
const [name, more] = modal.components.map((row) => row.components[0]!);

describe("answerProblem", () => {
  it("requires an input unless it says otherwise, and keeps answers within their lengths", () => {
    expect(answerProblem(name!, "")).toBe("This field is required.");
    expect(answerProblem(name!, "a")).toBe("At least 2 characters (1 so far).");
    expect(answerProblem(name!, "abcdefghijkl")).toBe("At most 10 characters (2 too many).");
    expect(answerProblem(name!, "ann")).toBeNull();
    expect(answerProblem(more!, "")).toBeNull();
    expect(answerProblem(more!, "hey")).toBe("At least 5 characters (3 so far).");
  });

  it("counts characters as the server does, an emoji as one", () => {
    expect(answerProblem({ ...name!, max_length: 2 }, "👍👍")).toBeNull();
  });
});

describe("the modal's answers", () => {
  it("start from the prefilled values and are checked together", () => {
    const answers = initialAnswers(modal);
    expect(answers).toEqual({ name: "", more: "hello" });
    expect(modalAnswerProblems(modal, answers)).toEqual({ name: "This field is required." });
  });

  it("are submitted naming the interaction that opened the modal, one row per input", () => {
    const request = modalSubmitRequest(modal, { name: "ann", more: "hello" }, { channelId: "5", guildId: "4" }, "n1");
    expect(request).toEqual({
      type: 5,
      application_id: "1",
      guild_id: "4",
      channel_id: "5",
      nonce: "n1",
      data: {
        id: "900",
        custom_id: "feedback",
        components: [
          { type: 1, components: [{ type: 4, custom_id: "name", value: "ann" }] },
          { type: 1, components: [{ type: 4, custom_id: "more", value: "hello" }] },
        ],
      },
    });
  });
});
