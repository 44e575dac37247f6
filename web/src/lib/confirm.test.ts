// The confirmation behind every irreversible action: one question at a time, answered once.

import { describe, expect, it } from "vitest";
import { answer, ask, confirmation } from "./confirm.svelte";

describe("ask", () => {
  it("resolves with the answer and closes the dialog", async () => {
    const asked = ask({ title: "Delete message", body: "gone for everyone", action: "Delete" });
    expect(confirmation.pending?.action).toBe("Delete");
    answer(true);
    expect(await asked).toBe(true);
    expect(confirmation.pending).toBeNull();
  });

  it("answers an earlier question no when another is asked", async () => {
    const first = ask({ title: "one", body: "", action: "Delete" });
    const second = ask({ title: "two", body: "", action: "Ban" });
    expect(await first).toBe(false);
    expect(confirmation.pending?.title).toBe("two");
    answer(false);
    expect(await second).toBe(false);
  });
});
