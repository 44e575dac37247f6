import { describe, expect, it } from "vitest";
import { inviteCode, inviteCodeFromInput, inviteLookupFailure } from "./route";

describe("invite routes", () => {
  it("finds the code in an invite path and nowhere else", () => {
    expect(inviteCode("/invite/ysTCtNOd")).toBe("ysTCtNOd");
    expect(inviteCode("/invite/ysTCtNOd/")).toBe("ysTCtNOd");
    expect(inviteCode("/channels/1/2")).toBeNull();
    expect(inviteCode("/invite/<script>")).toBeNull();
  });

  it("accepts a pasted link or a bare code", () => {
    expect(inviteCodeFromInput(" https://chat.example.com/invite/abc123 ")).toBe("abc123");
    expect(inviteCodeFromInput("abc123")).toBe("abc123");
    expect(inviteCodeFromInput("http://127.0.0.1:8080/invite/abc123/")).toBe("abc123");
    expect(inviteCodeFromInput("chat.example.com/invite/abc123")).toBe("abc123");
    expect(inviteCodeFromInput("https://chat.example.com/invite/abc123?utm=x#top")).toBe("abc123");
    expect(inviteCodeFromInput("https://chat.example.com/channels/1/2")).toBeNull();
    expect(inviteCodeFromInput("not a code!")).toBeNull();
  });
});

describe("an invite that is no guild's", () => {
  it("is an account invite to someone signed in when the lookup answers 404 10006, and unknown to a visitor", () => {
    expect(inviteLookupFailure({ status: 404, code: 10006 }, true)).toBe("not-a-guild-invite");
    expect(inviteLookupFailure({ status: 404, code: 10006 }, false)).toBe("unknown");
    expect(inviteLookupFailure({ status: 404, code: 10003 }, true), "another 404 is no invite at all").toBe("unknown");
    expect(inviteLookupFailure({ status: 503, code: 90008 }, true)).toBe("other");
    expect(inviteLookupFailure(new Error("offline"), true)).toBe("other");
  });
});
