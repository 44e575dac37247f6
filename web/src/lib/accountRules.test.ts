import { describe, expect, it } from "vitest";
import { passwordProblem, usernameProblem } from "./accountRules";

describe("the sign-up rules", () => {
  it("take usernames the server takes", () => {
    for (const ok of ["ab", "ann.lee", "Bob_2", "x".repeat(32)]) expect(usernameProblem(ok), ok).toBeNull();
  });

  it("name what is wrong with a username the server would refuse", () => {
    expect(usernameProblem("a")).toMatch(/at least 2/);
    expect(usernameProblem("x".repeat(33))).toMatch(/at most 32/);
    expect(usernameProblem("ann lee")).toMatch(/only letters/);
    expect(usernameProblem("ann..lee")).toMatch(/two dots/);
    expect(usernameProblem("Everyone")).toMatch(/reserved/);
  });

  it("want passwords of 8 to 128 characters, not only spaces", () => {
    expect(passwordProblem("correct horse")).toBeNull();
    expect(passwordProblem("short")).toMatch(/at least 8/);
    expect(passwordProblem("        ")).toMatch(/needed/);
    expect(passwordProblem("x".repeat(129))).toMatch(/at most 128/);
  });
});
