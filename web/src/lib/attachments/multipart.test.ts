import { describe, expect, it } from "vitest";
import { multipartBody } from "./multipart";

const file = (text: string, type = "text/plain") => new Blob([text], { type });

describe("a message's multipart body", () => {
  it("carries the JSON first, then each file under files[n] with its name and type", async () => {
    const { body, contentType } = multipartBody({ content: "hi", attachments: [{ id: 0 }] }, [{ blob: file("abc"), filename: "a.txt" }], "B");
    expect(contentType).toBe("multipart/form-data; boundary=B");
    expect(await body.text()).toBe(
      [
        "--B",
        'Content-Disposition: form-data; name="payload_json"',
        "Content-Type: application/json",
        "",
        '{"content":"hi","attachments":[{"id":0}]}',
        "--B",
        'Content-Disposition: form-data; name="files[0]"; filename="a.txt"',
        "Content-Type: text/plain",
        "",
        "abc",
        "--B--",
        "",
      ].join("\r\n"),
    );
  });

  it("knows where each file's bytes lie in the body", async () => {
    const files = [
      { blob: file("first file"), filename: "one.txt" },
      { blob: file("", ""), filename: "empty.bin" },
      { blob: file("ünïcode", "image/png"), filename: "pic.png" },
    ];
    const { body, ranges } = multipartBody({ content: "é" }, files);
    const bytes = new Uint8Array(await body.arrayBuffer());
    const decoded = ranges.map((r) => new TextDecoder().decode(bytes.slice(r.start, r.end)));
    expect(decoded).toEqual(["first file", "", "ünïcode"]);
    expect(ranges[2]!.end).toBeLessThan(body.size);
  });

  it("sends a file with no type as application/octet-stream", async () => {
    const { body } = multipartBody({}, [{ blob: file("x", ""), filename: "x" }], "B");
    expect(await body.text()).toContain("Content-Type: application/octet-stream\r\n\r\nx");
  });

  it("escapes quotes and line breaks in a name so it cannot break out of its header", async () => {
    const { body } = multipartBody({}, [{ blob: file("x"), filename: 'a"b\r\nContent-Type: evil.txt' }], "B");
    expect(await body.text()).toContain('filename="a%22b%0D%0AContent-Type: evil.txt"\r\n');
  });

  it("picks a different random boundary for each body", () => {
    const a = multipartBody({}, []).contentType;
    const b = multipartBody({}, []).contentType;
    expect(a).not.toBe(b);
  });
});
