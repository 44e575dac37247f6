// The colour theme a person chose: the system's, dark or light, kept in this browser.

export type Theme = "system" | "dark" | "light";

const KEY = "parley.theme";

export function savedTheme(): Theme {
  const saved = globalThis.localStorage?.getItem(KEY);
  return saved === "dark" || saved === "light" ? saved : "system";
}

/** Applies `theme` to the page and remembers it. */
export function applyTheme(theme: Theme): void {
  if (theme === "system") {
    document.documentElement.removeAttribute("data-theme");
    globalThis.localStorage?.removeItem(KEY);
  } else {
    document.documentElement.setAttribute("data-theme", theme);
    globalThis.localStorage?.setItem(KEY, theme);
  }
}
