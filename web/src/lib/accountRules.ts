// The rules a new account's username and password follow, as the server checks them
// (openapi.json: Username, NewPassword), worded for the sign-up form: shown under each field
// before anything is sent, and checked first so a slip is named at its field at once.

export const USERNAME_RULE = "2 to 32 characters: letters, digits, _ and . (not two dots in a row).";
export const PASSWORD_RULE = "8 to 128 characters.";

const RESERVED = ["everyone", "here", "system", "parley"];

/** What is wrong with a username for a new account, or null. */
export function usernameProblem(username: string): string | null {
  const name = username.trim();
  if (name.length < 2) return "A username needs at least 2 characters.";
  if (name.length > 32) return "A username has at most 32 characters.";
  if (!/^[A-Za-z0-9_.]+$/.test(name)) return "Use only letters, digits, _ and . in a username.";
  if (name.includes("..")) return "A username cannot have two dots in a row.";
  if (RESERVED.includes(name.toLowerCase())) return `“${name}” is reserved; pick another username.`;
  return null;
}

/** What is wrong with a new password, or null. */
export function passwordProblem(password: string): string | null {
  if (!password.trim()) return "A password is needed.";
  if ([...password].length < 8) return "A password needs at least 8 characters.";
  if ([...password].length > 128) return "A password has at most 128 characters.";
  return null;
}
