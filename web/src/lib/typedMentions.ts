// Mentions typed by hand: "@bob hello" sent without picking the suggestion becomes
// "<@id> hello" when bob is a member (or a recipient) of the channel, as Discord's client
// does, so he is pinged as if the suggestion had been picked. Usernames match ignoring case;
// code blocks and inline code are left exactly as typed.

export interface Person {
  id: string;
  username: string;
}

/** Characters that continue a username: a mention of "bob" does not end inside "bobby" or
 * "bob.smith", though it does end before "bob." at the end of a sentence. */
const NAME_GOES_ON = /^(?:[\p{L}\p{N}_]|\.[\p{L}\p{N}_])/u;
/** What may come before the @: nothing, a space or an opening bracket, not a word (so an
 * email address stays one). */
const MAY_PRECEDE = /[\s([{"'*_~|>]/u;

/** Code blocks and inline code (closed by as many backticks as opened it), read as the
 * markdown renderer reads them; they keep what was typed. */
export const CODE = /```[\s\S]*?```|(?<!`)(`+)(?:[^`\n]|[^`\n][^\n]*?[^`\n])\1(?!`)/g;

function resolveText(text: string, people: Person[]): string {
  const byLength = [...people].sort((a, b) => b.username.length - a.username.length);
  let out = "";
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf("@", i);
    if (at < 0) break;
    out += text.slice(i, at);
    i = at + 1;
    if (at > 0 && !MAY_PRECEDE.test(text[at - 1] ?? "")) {
      out += "@";
      continue;
    }
    const rest = text.slice(at + 1);
    const person = byLength.find(
      (p) => rest.slice(0, p.username.length).toLowerCase() === p.username.toLowerCase() && !NAME_GOES_ON.test(rest.slice(p.username.length)),
    );
    if (person) {
      out += `<@${person.id}>`;
      i += person.username.length;
    } else {
      out += "@";
    }
  }
  return out + text.slice(i);
}

/** The message with each typed @username of `people` turned into a mention of them. */
export function resolveTypedMentions(content: string, everyone: Person[]): string {
  // @everyone and @here mean what they say, whoever took those names.
  const people = everyone.filter((p) => p.username && !["everyone", "here"].includes(p.username.toLowerCase()));
  if (!people.length || !content.includes("@")) return content;
  let out = "";
  let last = 0;
  for (const code of content.matchAll(CODE)) {
    out += resolveText(content.slice(last, code.index), people) + code[0];
    last = code.index + code[0].length;
  }
  return out + resolveText(content.slice(last), people);
}
