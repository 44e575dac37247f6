// Code block highlighting, small on purpose: comments, strings, numbers and each language's
// keywords get a class; everything is escaped. Unknown languages get comments, strings and
// numbers only. Good enough to read code in chat, far lighter than a full grammar library.

import { escapeHtml } from "./escape";

const KEYWORDS: Record<string, string> = {
  js: "async await break case catch class const continue default delete do else export extends false finally for from function if import in instanceof let new null of return static super switch this throw true try typeof undefined var void while yield",
  ts: "abstract as async await break case catch class const continue declare default do else enum export extends false finally for from function if implements import in interface keyof let namespace new null private protected public readonly return static super switch this throw true try type typeof undefined var void while",
  rust: "as async await break const continue crate dyn else enum extern false fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait true type unsafe use where while Some None Ok Err",
  python: "and as assert async await break class continue def del elif else except False finally for from global if import in is lambda None nonlocal not or pass raise return True try while with yield",
  go: "break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var nil true false",
  c: "auto break case char const continue default do double else enum extern float for goto if int long register return short signed sizeof static struct switch typedef union unsigned void volatile while class namespace template public private protected virtual new delete true false nullptr",
  java: "abstract boolean break byte case catch char class continue default do double else enum extends final finally float for if implements import instanceof int interface long new null package private protected public return short static super switch this throw throws true false try void while",
  sql: "select from where insert into values update set delete create table index drop alter join left right inner outer on group by order having limit offset as and or not null is in like distinct union primary key references",
  sh: "if then else elif fi for while do done case esac function return in export local echo exit",
  json: "true false null",
};

const ALIASES: Record<string, string> = {
  javascript: "js", jsx: "js", mjs: "js", typescript: "ts", tsx: "ts", rs: "rust", py: "python",
  golang: "go", cpp: "c", "c++": "c", h: "c", kotlin: "java", bash: "sh", shell: "sh", zsh: "sh", console: "sh",
};

/** Comments by language: `#` for scripting languages, `--` for SQL, `//` and block comments else. */
function commentPattern(lang: string): string {
  if (lang === "python" || lang === "sh") return "(#.*)";
  if (lang === "sql") return "(--.*|\\/\\*[\\s\\S]*?\\*\\/)";
  return "(\\/\\/.*|\\/\\*[\\s\\S]*?\\*\\/)";
}

const TOKEN = (lang: string) =>
  new RegExp(
    [
      commentPattern(lang),
      "(\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)*'|`(?:[^`\\\\]|\\\\.)*`)",
      "(\\b\\d[\\d_]*(?:\\.\\d+)?(?:e[+-]?\\d+)?\\b|\\b0x[\\da-f]+\\b)",
      "([A-Za-z_][\\w]*)",
    ].join("|"),
    "gi",
  );

/** The language a fence names, as this file knows it, or "" when it does not. */
export function knownLanguage(name: string): string {
  const lower = name.toLowerCase();
  const key = ALIASES[lower] ?? lower;
  return key in KEYWORDS ? key : "";
}

export function highlight(code: string, language: string): string {
  const lang = knownLanguage(language);
  const keywords = new Set((KEYWORDS[lang] ?? "").split(" ").filter(Boolean));
  const caseless = lang === "sql";
  let out = "";
  let last = 0;
  for (const match of code.matchAll(TOKEN(lang))) {
    const [text, comment, string, number, word] = match;
    out += escapeHtml(code.slice(last, match.index));
    last = (match.index ?? 0) + text.length;
    if (comment) out += `<span class="hl-comment">${escapeHtml(text)}</span>`;
    else if (string) out += `<span class="hl-string">${escapeHtml(text)}</span>`;
    else if (number) out += `<span class="hl-number">${escapeHtml(text)}</span>`;
    else if (word && keywords.has(caseless ? word.toLowerCase() : word)) out += `<span class="hl-keyword">${escapeHtml(text)}</span>`;
    else out += escapeHtml(text);
  }
  return out + escapeHtml(code.slice(last));
}
