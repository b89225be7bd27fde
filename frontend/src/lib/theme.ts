/** Light/dark theme: the user's choice if any, else the system's; stored per browser. */

export type Theme = "light" | "dark";
const STORAGE_KEY = "vpspanel.theme";

export function storedTheme(): Theme | null {
  try {
    const value = window.localStorage.getItem(STORAGE_KEY);
    return value === "light" || value === "dark" ? value : null;
  } catch {
    return null;
  }
}

export function preferredTheme(): Theme {
  return (
    storedTheme() ??
    (window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light")
  );
}

export function applyTheme(theme: Theme, remember = false): void {
  document.documentElement.classList.toggle("dark", theme === "dark");
  if (remember) {
    try {
      window.localStorage.setItem(STORAGE_KEY, theme);
    } catch {
      // Not remembered; still applied.
    }
  }
}
