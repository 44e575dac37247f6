// Interactions waiting for their application: sent, given an id by the gateway, answered, or
// late ("The application did not respond"), or refused by the server.

import { describe, expect, it } from "vitest";
import { answered, created, dismissed, EMPTY_BOOK, latestFrom, refused, sent, timedOut } from "./pending";

const command = { kind: "command", channelId: "5" } as const;

describe("the pending interactions", () => {
  it("ends a sent interaction when its id, learned from INTERACTION_CREATE, is answered", () => {
    let book = sent(EMPTY_BOOK, "n1", command);
    expect(book.byNonce.n1?.state).toBe("sending");
    book = created(book, "n1", "900");
    expect(book.byNonce.n1?.id).toBe("900");
    book = answered(book, "900");
    expect(book.byNonce).toEqual({});
    // The timer that fires later finds nothing to mark.
    expect(timedOut(book, "n1")).toBe(book);
  });

  it("marks an interaction unanswered when the wait runs out, and forgets it when dismissed", () => {
    let book = created(sent(EMPTY_BOOK, "n1", command), "n1", "900");
    book = timedOut(book, "n1");
    expect(book.byNonce.n1?.state).toBe("unanswered");
    // A late answer still clears the note.
    expect(answered(book, "900").byNonce).toEqual({});
    expect(dismissed(book, "n1").byNonce).toEqual({});
  });

  it("does not mark a refused interaction as unanswered", () => {
    const book = refused(sent(EMPTY_BOOK, "n1", command), "n1", new Error("no"));
    expect(timedOut(book, "n1").byNonce.n1?.state).toBe("refused");
  });

  it("ends an interaction whose answer came before its id was known", () => {
    let book = sent(EMPTY_BOOK, "n1", command);
    book = answered(book, "900");
    expect(book.byNonce.n1?.state).toBe("sending");
    book = created(book, "n1", "900");
    expect(book.byNonce).toEqual({});
    expect(book.answeredEarly).toEqual([]);
  });

  it("ignores ids and answers of interactions sent elsewhere, remembering only a few", () => {
    let book = sent(EMPTY_BOOK, "n1", command);
    book = created(book, "other", "901");
    expect(book.byNonce.n1?.id).toBeNull();
    for (let i = 0; i < 80; i++) book = answered(book, String(i));
    expect(book.answeredEarly.length).toBe(50);
  });

  it("finds the latest interaction of a source", () => {
    let book = sent(EMPTY_BOOK, "n1", command);
    book = sent(book, "n2", { kind: "component", messageId: "7", customId: "go" });
    book = sent(book, "n3", command);
    expect(latestFrom(book, (s) => s.kind === "command")?.nonce).toBe("n3");
    expect(latestFrom(book, (s) => s.kind === "component" && s.customId === "go")?.nonce).toBe("n2");
    expect(latestFrom(book, (s) => s.kind === "modal")).toBeUndefined();
  });
});
