import { describe, expect, it } from "vitest";
import { accountHealth, checkStatus, configurationChips, customBaseUrl, keyExpiry, serverLimit } from "./format";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const DAY = 24 * 3600 * 1000;
const at = (offset: number) => new Date(NOW + offset).toISOString();
const healthy = { ok: true, checked_at: null, error: null, since: null, failures: 0, next_attempt_at: null };

describe("keyExpiry", () => {
  it("is amber from 14 days out, plain before, red once passed", () => {
    expect(keyExpiry(at(15 * DAY), NOW)?.tone).toBe("neutral");
    expect(keyExpiry(at(14 * DAY), NOW)).toMatchObject({ tone: "warning", text: "Key expires in 14 days" });
    expect(keyExpiry(at(DAY + 1000), NOW)).toMatchObject({ tone: "warning", text: "Key expires in 1 day" });
    expect(keyExpiry(at(3600 * 1000), NOW)).toMatchObject({ tone: "warning", text: "Key expires today" });
    expect(keyExpiry(at(0), NOW)?.tone).toBe("error");
    expect(keyExpiry(at(-3 * DAY), NOW)).toMatchObject({ tone: "error", text: "Key expired 3 days ago" });
    expect(keyExpiry(null, NOW)).toBeNull();
  });
});

describe("checkStatus", () => {
  it("reads the last check", () => {
    expect(checkStatus({ ...healthy, checked_at: at(-3 * 60_000) }, NOW)).toEqual({
      tone: "ok",
      text: "Connected · checked 3 min. ago",
    });
    expect(checkStatus({ ...healthy, ok: false, error: "Rejected.", failures: 1 }, NOW)).toEqual({ tone: "error", text: "Error: Rejected." });
    expect(checkStatus({ ...healthy, ok: null }, NOW)).toEqual({ tone: "neutral", text: "Never checked" });
  });
});

describe("accountHealth", () => {
  it("badges an account backing off, then failing once it may try again", () => {
    const failing = { ...healthy, ok: false, error: "Down.", since: at(-10 * 60_000), failures: 3, next_attempt_at: at(4 * 60_000) };
    expect(accountHealth(failing, NOW)).toMatchObject({ label: "Backing off" });
    expect(accountHealth(failing, NOW)?.detail).toMatch(/3 failures in a row · next try in 4 min/);
    expect(accountHealth({ ...failing, next_attempt_at: at(-1000) }, NOW)?.label).toBe("Failing");
    expect(accountHealth(healthy, NOW)).toBeNull();
    expect(accountHealth({ ...healthy, ok: null }, NOW)).toBeNull();
  });
});

describe("configurationChips", () => {
  it("shows only the options of the account's type", () => {
    const flags = { backup_enabled: true, private_ip_enabled: true, ipv6_enabled: true, vpc_enabled: true };
    expect(configurationChips({ type: "linode", configuration: flags })).toEqual(["All regions", "Backups", "Private IP"]);
    expect(configurationChips({ type: "digitalocean", configuration: { ...flags, allowed_regions: ["nyc1"] } })).toEqual([
      "1 region",
      "Backups",
      "IPv6",
      "VPC",
    ]);
  });
});

describe("customBaseUrl", () => {
  it("hides the official API, with or without a trailing slash", () => {
    expect(customBaseUrl({ type: "linode", api_base_url: "https://api.linode.com/v4/" })).toBeNull();
    expect(customBaseUrl({ type: "linode", api_base_url: null })).toBeNull();
    expect(customBaseUrl({ type: "linode", api_base_url: "http://127.0.0.1:9100/linode/v4" })).toBe(
      "http://127.0.0.1:9100/linode/v4",
    );
  });
});

describe("past events", () => {
  it("never read as future when the server's clock is a little ahead", () => {
    expect(checkStatus({ ...healthy, checked_at: at(11_000) }, NOW).text).toBe("Connected · checked just now");
  });
});

describe("serverLimit", () => {
  it("is amber from 90 % of the limit and red when full", () => {
    const limit = (used: number) => ({ limit: 10, used, checked_at: at(0) });
    expect(serverLimit(limit(3))).toEqual({ tone: "neutral", text: "3 of 10 servers in use at the provider" });
    expect(serverLimit(limit(9))?.tone).toBe("warning");
    expect(serverLimit(limit(10))).toEqual({
      tone: "error",
      text: "10 of 10 servers in use at the provider: full, new deploys here will fail",
    });
    expect(serverLimit(null)).toBeNull();
  });
});
