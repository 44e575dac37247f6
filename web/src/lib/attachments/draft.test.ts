// The tray's files and their upload: added up to the limit, sent as one multipart message
// with their alt text and spoiler names, and kept, with the server's message, when the send
// fails or is cancelled.

import { describe, expect, it, vi } from "vitest";
import { Api, type Transport } from "../api/client";
import type { Message } from "../messages";
import { AttachmentDraft } from "./draft.svelte";
import { UploadCancelled } from "./cancelled";
import type { UploadOptions } from "./upload";

const tokens = { load: () => ({ access_token: "t", refresh_token: "r", user_id: "1" }), save: () => {} };
const png = (name = "cat.png") => new File([new Uint8Array([137, 80, 78, 71])], name, { type: "image/png" });
const text = (name = "notes.txt") => new File(["some notes"], name, { type: "text/plain" });

/** A draft whose uploads wait for the test to answer them. */
function setUp() {
  const sent: Message[] = [];
  const revoked: string[] = [];
  const uploads: { options: UploadOptions; answer: (status: number, body: unknown) => void; fail: (e: Error) => void }[] = [];
  const transport = (options: UploadOptions): Transport => () =>
    new Promise((resolve, reject) => {
      uploads.push({
        options,
        answer: (status, body) => resolve({ status, statusText: "", text: JSON.stringify(body) }),
        fail: reject,
      });
    });
  let previews = 0;
  const draft = new AttachmentDraft("11", {
    api: new Api(tokens),
    onSent: (m) => sent.push(m),
    transport,
    previews: { create: () => `blob:${++previews}`, revoke: (url) => revoked.push(url) },
  });
  /** Resolves once `n` uploads have begun (the upload code is loaded on the first). */
  const started = (n = 1) => vi.waitFor(() => expect(uploads.length).toBe(n));
  return { draft, sent, revoked, uploads, started };
}

async function payloadOf(body: Blob): Promise<Record<string, unknown>> {
  const text = await body.text();
  const json = text.split("\r\n")[4] ?? "{}";
  return JSON.parse(json) as Record<string, unknown>;
}

describe("the files waiting to be sent", () => {
  it("makes a preview for an image and none for other files", () => {
    const { draft } = setUp();
    draft.add([png(), text()]);
    expect(draft.files.map((f) => [f.file.name, f.preview])).toEqual([
      ["cat.png", "blob:1"],
      ["notes.txt", null],
    ]);
  });

  it("holds at most ten files, and says how many were not added", () => {
    const { draft } = setUp();
    draft.add(Array.from({ length: 8 }, (_, i) => text(`${i}.txt`)));
    draft.add([text("a"), text("b"), text("c")]);
    expect(draft.files.length).toBe(10);
    expect(draft.problem).toMatch(/at most 10 files: 1 file was not added/);
  });

  it("lets a removed image's preview go", () => {
    const { draft, revoked } = setUp();
    draft.add([png()]);
    draft.remove(draft.files[0]!.key);
    expect([draft.files.length, revoked]).toEqual([0, ["blob:1"]]);
  });

  it("sends the text with each file's alt text and spoiler name, and shows the message only once the server has it", async () => {
    const { draft, sent, uploads, revoked, started } = setUp();
    draft.add([png(), text()]);
    draft.files[0]!.description = "  a cat asleep ";
    draft.files[1]!.spoiler = true;
    const done = draft.send({ content: "look" });
    await started();
    const upload = uploads[0]!;
    const payload = await payloadOf(upload.options.body);
    expect(payload.content).toBe("look");
    expect(payload.attachments).toEqual([
      { id: 0, filename: "cat.png", description: "a cat asleep" },
      { id: 1, filename: "SPOILER_notes.txt" },
    ]);
    expect(await upload.options.body.text()).toContain('name="files[1]"; filename="SPOILER_notes.txt"');
    expect(sent).toEqual([]);
    upload.answer(200, { id: "900", channel_id: "11", content: "look" });
    expect(await done).toBe(true);
    expect(sent.map((m) => [m.id, m.nonce])).toEqual([["900", payload.nonce]]);
    expect([draft.files.length, draft.sending, revoked]).toEqual([0, false, ["blob:1"]]);
  });

  it("reports each file's progress as the body's bytes go", async () => {
    const { draft, uploads, started } = setUp();
    draft.add([text("a.txt"), text("b.txt")]);
    void draft.send({ content: "" });
    await started();
    const { body, onProgress } = uploads[0]!.options;
    const bytes = new Uint8Array(await body.arrayBuffer());
    // Just past the first file's bytes ("some notes"): the first is done, the second not begun.
    const firstEnd = new TextDecoder().decode(bytes).indexOf("some notes") + "some notes".length;
    onProgress(firstEnd);
    expect(draft.progress).toEqual([1, 0]);
    expect(draft.waitingForServer).toBe(false);
    onProgress(body.size);
    expect(draft.progress).toEqual([1, 1]);
    expect(draft.waitingForServer).toBe(true);
  });

  it("keeps every file and the text when the server refuses, and shows its message", async () => {
    const { draft, sent, uploads, started } = setUp();
    draft.add([png()]);
    const done = draft.send({ content: "holiday" });
    await started();
    uploads[0]!.answer(413, { code: 40005, message: "This file is larger than the 1 MiB allowed." });
    expect(await done).toBe(false);
    expect(draft.problem).toBe("This file is larger than the 1 MiB allowed.");
    expect(draft.files.map((f) => f.file.name)).toEqual(["cat.png"]);
    expect(draft.takeUnsentText()).toBe("holiday");
    expect(draft.takeUnsentText()).toBeNull();
    expect(sent).toEqual([]);
  });

  it("sends a retry under the same nonce, so a message whose answer was lost is not sent twice", async () => {
    const { draft, uploads, started } = setUp();
    draft.add([png()]);
    const first = draft.send({ content: "" });
    await started(1);
    uploads[0]!.fail(new Error("connection reset"));
    await first;
    void draft.send({ content: "" });
    await started(2);
    const [a, b] = await Promise.all(uploads.map((u) => payloadOf(u.options.body)));
    expect(a?.nonce).toBeTruthy();
    expect(b?.nonce).toBe(a?.nonce);
  });

  it("stops on cancel with the files still there and nothing reported as wrong", async () => {
    const { draft, uploads, started } = setUp();
    draft.add([png()]);
    const done = draft.send({ content: "" });
    await started();
    uploads[0]!.options.signal.addEventListener("abort", () => uploads[0]!.fail(new UploadCancelled()));
    draft.cancel();
    expect(await done).toBe(false);
    expect([draft.files.length, draft.problem, draft.sending]).toEqual([1, null, false]);
  });

  it("adds no files while an upload runs, and says why", async () => {
    const { draft } = setUp();
    draft.add([png()]);
    void draft.send({ content: "" });
    draft.add([text()]);
    expect(draft.files.length).toBe(1);
    expect(draft.problem).toMatch(/Wait for this upload/);
  });
});
