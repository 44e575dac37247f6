import { describe, expect, it } from "vitest";
import { carriesFiles, filesOf } from "./transfer";

const file = (name: string) => new File(["x"], name);
const fileItem = (f: File, isDirectory = false) => ({ kind: "file", getAsFile: () => f, webkitGetAsEntry: () => ({ isDirectory }) });
const textItem = { kind: "string", getAsFile: () => null };

describe("the files in a paste or a drop", () => {
  it("takes the files and leaves text and HTML to the browser", () => {
    const photo = file("photo.png");
    expect(filesOf({ items: [textItem, fileItem(photo)] })).toEqual([photo]);
    expect(filesOf({ items: [textItem] })).toEqual([]);
  });

  it("leaves out a dropped folder, which cannot be read as a file", () => {
    const notes = file("notes.txt");
    expect(filesOf({ items: [fileItem(file("holiday"), true), fileItem(notes)] })).toEqual([notes]);
  });

  it("reads the file list when the browser gives no items", () => {
    const a = file("a");
    expect(filesOf({ files: [a] })).toEqual([a]);
    expect(filesOf(null)).toEqual([]);
  });

  it("tells a drag of files from a drag of text", () => {
    expect(carriesFiles({ types: ["Files"] })).toBe(true);
    expect(carriesFiles({ types: ["text/plain", "text/html"] })).toBe(false);
  });
});
