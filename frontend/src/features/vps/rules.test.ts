import { describe, expect, it } from "vitest";
import {
  generatePassword,
  labelProblem,
  passwordChecklist,
  rootPassProblem,
  suggestHostname,
} from "./rules";
import { fingerprint, parseSshKey } from "./sshKey";

describe("label rule (validation.py _LABEL)", () => {
  it.each(["web-01", "abc", "A1b", "x".repeat(63), "web1.example.com", "a.b-c.d9"])("accepts %s", (label) => {
    expect(labelProblem(label)).toBeNull();
  });
  it.each(["ab", "1web", "web-", "-web", "web_01", "web..example", "x".repeat(64), "wéb", `a.${"b".repeat(252)}`])(
    "refuses %s",
    (label) => {
      expect(labelProblem(label)).not.toBeNull();
    },
  );
});

describe("root password rule (validation.py root_pass_problem)", () => {
  it("needs 12 to 128 characters", () => {
    expect(rootPassProblem("Ab1!Ab1!Ab1")).toMatch(/12 to 128/);
    expect(rootPassProblem("Ab1!".repeat(33))).toMatch(/12 to 128/);
    expect(rootPassProblem("Tq7!vRw2#pLz")).toBeNull();
  });
  it("needs three of four classes", () => {
    expect(rootPassProblem("abcdefghijkl")).toMatch(/three/);
    expect(rootPassProblem("gqzvhtrwmK1x")).toBeNull();
    expect(rootPassProblem("gqzvhtrwm!1x")).toBeNull();
  });
  it("refuses control and invisible characters", () => {
    expect(rootPassProblem("Abcdefghij1\n")).toMatch(/control/);
    expect(rootPassProblem("Abcdefghij1\u200b")).toMatch(/control/);
  });
  it("needs zxcvbn's top score, as the server does", () => {
    expect(rootPassProblem("Password123!")).toMatch(/too easy to guess/);
    expect(rootPassProblem("Qwerty123456")).toMatch(/too easy to guess/);
  });
  it("checklist items follow the same rule", () => {
    expect(passwordChecklist("abc").map((c) => c.met)).toEqual([false, false, true, false]);
    expect(passwordChecklist("Tq7!vRw2#pLz").every((c) => c.met)).toBe(true);
  });
  it("generated passwords always pass and differ", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const password = generatePassword();
      expect(password).toHaveLength(20);
      expect(rootPassProblem(password)).toBeNull();
      seen.add(password);
    }
    expect(seen.size).toBe(200);
  });
});

describe("hostname suggestion", () => {
  it("is always a valid label", () => {
    for (const [image, region] of [
      ["Ubuntu 24.04 LTS", "Frankfurt, DE"],
      ["9front", "1 Region"],
      [undefined, undefined],
      ["Debian 12".repeat(20), "x"],
    ] as const) {
      expect(labelProblem(suggestHostname(image, region))).toBeNull();
    }
  });
});

describe("SSH keys", () => {
  const ed25519 =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@laptop";
  it("parses type, comment and fingerprint", async () => {
    const parsed = parseSshKey(ed25519);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.type).toBe("ssh-ed25519");
    expect(parsed.comment).toBe("me@laptop");
    expect(await fingerprint(parsed.blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
  it.each([
    ["", /Paste/],
    ["ssh-dss AAAA", /Unsupported/],
    ["ssh-ed25519 not-base64!", /base64/],
    ["ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl", /match/],
    ["-----BEGIN OPENSSH PRIVATE KEY-----", /private/],
  ])("flags %s", (line, problem) => {
    const parsed = parseSshKey(line);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(problem);
  });
});
