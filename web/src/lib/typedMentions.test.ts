// Mentions typed by hand become real mentions on send, as Discord's client makes them.

import { describe, expect, it } from "vitest";
import { resolveTypedMentions } from "./typedMentions";

const people = [
  { id: "1", username: "bob" },
  { id: "2", username: "bob.smith" },
  { id: "3", username: "ann_2" },
  { id: "4", username: "here" },
];
const resolve = (text: string) => resolveTypedMentions(text, people);

describe("resolveTypedMentions", () => {
  it("turns a typed @username of the channel into a mention, ignoring case", () => {
    expect(resolve("@bob hello")).toBe("<@1> hello");
    expect(resolve("hi @Bob, and @ANN_2!")).toBe("hi <@1>, and <@3>!");
    expect(resolve("(@bob) **@bob** @bob.")).toBe("(<@1>) **<@1>** <@1>.");
  });

  it("takes the longest username that fits, and never half a name", () => {
    expect(resolve("@bob.smith is here")).toBe("<@2> is here");
    expect(resolve("@bobby and @bob.s and @bob_")).toBe("@bobby and @bob.s and @bob_");
  });

  it("leaves strangers, emails, links, existing mentions and @everyone as typed", () => {
    expect(resolve("@carol hi")).toBe("@carol hi");
    expect(resolve("mail bob@bob.example")).toBe("mail bob@bob.example");
    expect(resolve("https://x.org/@bob <@1> @everyone @here")).toBe("https://x.org/@bob <@1> @everyone @here");
  });

  it("leaves code as typed", () => {
    expect(resolve("`@bob` and ``@bob ` x`` and\n```\n@bob\n```\nthen @bob")).toBe("`@bob` and ``@bob ` x`` and\n```\n@bob\n```\nthen <@1>");
  });

  it("changes nothing when nobody can be mentioned", () => {
    expect(resolveTypedMentions("@bob", [])).toBe("@bob");
  });
});
