/** What a provider card says about an account: its type, check status, key age and expiry, and
 * configuration chips. Pure functions of the API's `Provider` and the current time. */
import type { ProviderConfiguration, ProviderOut } from "@/client/types.gen";
import { absoluteTime, relativeTime } from "@/lib/time";

export type ProviderType = "linode" | "digitalocean";
export const PROVIDER_TYPES: readonly ProviderType[] = ["linode", "digitalocean"];

export const TYPE_NAMES: Record<ProviderType, string> = {
  linode: "Linode",
  digitalocean: "DigitalOcean",
};

/** The official API each type talks to when `api_base_url` is null. */
export const DEFAULT_BASE_URLS: Record<ProviderType, string> = {
  linode: "https://api.linode.com/v4",
  digitalocean: "https://api.digitalocean.com/v2",
};

/** The contract's warning window: a key expiring within 14 days is flagged. */
export const EXPIRY_WARNING_DAYS = 14;
const DAY_MS = 24 * 3600 * 1000;

export function isProviderType(value: string): value is ProviderType {
  return (PROVIDER_TYPES as readonly string[]).includes(value);
}

export function typeName(type: string): string {
  return isProviderType(type) ? TYPE_NAMES[type] : type;
}

/** A base URL worth showing: set and not the official API of the type. */
export function customBaseUrl(provider: Pick<ProviderOut, "type" | "api_base_url">): string | null {
  const url = provider.api_base_url?.replace(/\/+$/, "");
  if (!url) return null;
  return isProviderType(provider.type) && url === DEFAULT_BASE_URLS[provider.type] ? null : url;
}

export type Tone = "ok" | "warning" | "error" | "neutral";

/** "3 min ago" for something that has happened: a server clock a little ahead of the browser's
 * must not make it read "in 11 sec". */
function ago(iso: string, now: number): string {
  return relativeTime(new Date(Math.min(new Date(iso).getTime(), now)).toISOString(), now);
}

/** "Connected · checked 3 min ago", "Error: … · checked …", "Never checked". */
export function checkStatus(status: ProviderOut["status"], now: number): { tone: Tone; text: string } {
  const checked = status.checked_at ? ` · checked ${ago(status.checked_at, now)}` : "";
  if (status.ok === true) return { tone: "ok", text: `Connected${checked}` };
  if (status.ok === false) return { tone: "error", text: `Error: ${status.error ?? "the last check failed"}${checked}` };
  return { tone: "neutral", text: "Never checked" };
}

/** A badge for an account failing as a whole (key refused, provider down): "Backing off" while
 * background work leaves it alone (until `next_attempt_at`), "Failing" once it may try again;
 * null while the account works or was never checked. `detail` says since when and the next try
 * (the reason is the status line's). */
export function accountHealth(
  status: ProviderOut["status"],
  now: number,
): { label: "Backing off" | "Failing"; detail: string } | null {
  if (status.ok !== false) return null;
  const next = status.next_attempt_at ? new Date(status.next_attempt_at).getTime() : null;
  const backingOff = next !== null && next > now;
  const parts = [];
  if (status.since) parts.push(`failing since ${absoluteTime(status.since)}`);
  if (status.failures > 1) parts.push(`${status.failures} failures in a row`);
  if (backingOff && status.next_attempt_at) parts.push(`next try ${relativeTime(status.next_attempt_at, now)}`);
  return { label: backingOff ? "Backing off" : "Failing", detail: parts.join(" · ") };
}

/** The key's expiry: red once expired, amber within 14 days, plain otherwise; null without one. */
export function keyExpiry(expiresAt: string | null, now: number): { tone: Tone; text: string; title: string } | null {
  if (!expiresAt) return null;
  const left = new Date(expiresAt).getTime() - now;
  const title = absoluteTime(expiresAt);
  if (left <= 0) return { tone: "error", text: `Key expired ${relativeTime(expiresAt, now)}`, title };
  if (left <= EXPIRY_WARNING_DAYS * DAY_MS) {
    const days = Math.floor(left / DAY_MS);
    const text = days === 0 ? "Key expires today" : `Key expires in ${days} ${days === 1 ? "day" : "days"}`;
    return { tone: "warning", text, title };
  }
  return { tone: "neutral", text: `Key expires ${title}`, title };
}

/** "rotated 12 days ago", or when the key was added if it never was rotated. */
export function keyAge(provider: Pick<ProviderOut, "key_rotated_at" | "created_at">, now: number): string {
  return provider.key_rotated_at
    ? `rotated ${ago(provider.key_rotated_at, now)}`
    : `added ${ago(provider.created_at, now)}`;
}

/** The configuration as the API stores it, read into the seed's typed keys. */
export function readConfiguration(raw: ProviderOut["configuration"]): Required<Omit<ProviderConfiguration, "allowed_regions">> & {
  allowed_regions: string[] | null;
} {
  const regions = raw.allowed_regions;
  return {
    default: raw.default === true,
    allowed_regions: Array.isArray(regions) ? regions.filter((r): r is string => typeof r === "string") : null,
    backup_enabled: raw.backup_enabled === true,
    private_ip_enabled: raw.private_ip_enabled === true,
    ipv6_enabled: raw.ipv6_enabled === true,
    vpc_enabled: raw.vpc_enabled === true,
  };
}

export type ToggleKey = "backup_enabled" | "private_ip_enabled" | "ipv6_enabled" | "vpc_enabled";

/** The create options each type understands (the API refuses the others with 422). */
export const TYPE_TOGGLES: Record<ProviderType, readonly { key: ToggleKey; label: string; description: string }[]> = {
  linode: [
    { key: "backup_enabled", label: "Backups", description: "New servers get the provider's backup service." },
    { key: "private_ip_enabled", label: "Private IP", description: "New servers get a private IPv4 address." },
  ],
  digitalocean: [
    { key: "backup_enabled", label: "Backups", description: "New servers get the provider's backup service." },
    { key: "ipv6_enabled", label: "IPv6", description: "New servers get an IPv6 address." },
    { key: "vpc_enabled", label: "VPC", description: "New servers join the account's private network (VPC)." },
  ],
};

/** Chips for the card: default, regions, and the create options that are on. */
export function configurationChips(provider: Pick<ProviderOut, "type" | "configuration">): string[] {
  const config = readConfiguration(provider.configuration);
  const chips: string[] = [];
  if (config.default) chips.push("Default");
  const regions = config.allowed_regions;
  chips.push(regions === null ? "All regions" : `${regions.length} ${regions.length === 1 ? "region" : "regions"}`);
  const toggles = isProviderType(provider.type) ? TYPE_TOGGLES[provider.type] : [];
  for (const toggle of toggles) if (config[toggle.key]) chips.push(toggle.label);
  return chips;
}

/** The cloud account's server limit and its use when last read: amber from 90 % used, red when
 * full (new deploys on the account fail there); null where the provider reports no limit. */
export function serverLimit(limit: ProviderOut["server_limit"]): { tone: Tone; text: string } | null {
  if (!limit) return null;
  const text = `${limit.used} of ${limit.limit} servers in use at the provider`;
  if (limit.used >= limit.limit) return { tone: "error", text: `${text}: full, new deploys here will fail` };
  if (limit.used >= limit.limit * 0.9) return { tone: "warning", text };
  return { tone: "neutral", text };
}
