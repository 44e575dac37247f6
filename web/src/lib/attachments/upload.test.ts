import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { UploadCancelled } from "./cancelled";
import { uploadTransport } from "./upload";

/** An XMLHttpRequest that records what it was asked and answers when told. */
class FakeXhr {
  opened = "";
  headers: Record<string, string> = {};
  sent: Blob | null = null;
  aborted = false;
  status = 0;
  statusText = "";
  responseText = "";
  upload: { onprogress: ((e: { loaded: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open(method: string, url: string) {
    this.opened = `${method} ${url}`;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: Blob) {
    this.sent = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  answer(status: number, text: string) {
    this.status = status;
    this.responseText = text;
    this.onload?.();
  }
}

function setUp() {
  const xhr = new FakeXhr();
  const progress: number[] = [];
  const controller = new AbortController();
  const body = new Blob(["body"]);
  const transport = uploadTransport({
    body,
    contentType: "multipart/form-data; boundary=B",
    onProgress: (sent) => progress.push(sent),
    signal: controller.signal,
    create: () => xhr as unknown as XMLHttpRequest,
  });
  return { xhr, progress, controller, body, transport };
}

describe("uploading by XMLHttpRequest", () => {
  it("posts the body with the client's headers and its multipart type, and reports the bytes sent", async () => {
    const { xhr, progress, body, transport } = setUp();
    const answered = transport("/api/v10/channels/1/messages", { Authorization: "Bearer t" });
    expect(xhr.opened).toBe("POST /api/v10/channels/1/messages");
    expect(xhr.headers).toEqual({ Authorization: "Bearer t", "Content-Type": "multipart/form-data; boundary=B" });
    expect(xhr.sent).toBe(body);
    xhr.upload.onprogress?.({ loaded: 2 });
    xhr.upload.onprogress?.({ loaded: 4 });
    xhr.answer(200, '{"id":"1"}');
    expect(await answered).toEqual({ status: 200, statusText: "", text: '{"id":"1"}' });
    expect(progress).toEqual([0, 2, 4]);
  });

  it("aborts the request when cancelled, and says it was cancelled", async () => {
    const { xhr, controller, transport } = setUp();
    const answered = transport("/x", {});
    controller.abort();
    await expect(answered).rejects.toBeInstanceOf(UploadCancelled);
    expect(xhr.aborted).toBe(true);
  });

  it("says the server cannot be reached when the connection fails", async () => {
    const { xhr, transport } = setUp();
    const answered = transport("/x", {});
    xhr.onerror?.();
    const error = await answered.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toMatch(/cannot be reached/);
  });

  it("sends nothing once already cancelled", async () => {
    const { xhr, controller, transport } = setUp();
    controller.abort();
    await expect(transport("/x", {})).rejects.toBeInstanceOf(UploadCancelled);
    expect(xhr.sent).toBeNull();
  });
});
