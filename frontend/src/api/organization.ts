/** The organization the user acts in (sent as X-Organization-Id), remembered per browser. */

const STORAGE_KEY = "vpspanel.organization";
const listeners = new Set<() => void>();

export function currentOrganizationId(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function setCurrentOrganizationId(id: string | null): void {
  try {
    if (id) window.localStorage.setItem(STORAGE_KEY, id);
    else window.localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage disabled: the API falls back to the user's first organization.
  }
  listeners.forEach((listener) => listener());
}

export function subscribeOrganization(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
