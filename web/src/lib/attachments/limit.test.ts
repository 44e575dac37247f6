import { describe, expect, it } from "vitest";
import { admit } from "./limit";

describe("the files a message may carry", () => {
  it("takes every file while there is room", () => {
    expect(admit(3, ["a", "b"])).toEqual({ admitted: ["a", "b"], refusal: null });
  });

  it("takes the first files up to ten and says how many were left out", () => {
    const { admitted, refusal } = admit(8, ["a", "b", "c", "d"]);
    expect(admitted).toEqual(["a", "b"]);
    expect(refusal).toBe("A message can carry at most 10 files: 2 files were not added.");
  });

  it("takes none once the message is full", () => {
    expect(admit(10, ["a"])).toEqual({ admitted: [], refusal: "A message can carry at most 10 files: 1 file was not added." });
  });
});
