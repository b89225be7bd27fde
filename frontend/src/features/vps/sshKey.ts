/** OpenSSH public key lines, checked in place the way the server checks them. */

const TYPES = new Set([
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
]);

export type ParsedKey =
  | { ok: true; type: string; comment: string; blob: Uint8Array }
  | { ok: false; problem: string };

function decodeBase64(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  try {
    const binary = atob(text);
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}

/** Type, comment and raw blob of one key line, or why it is not a key. */
export function parseSshKey(line: string): ParsedKey {
  const text = line.trim();
  if (!text) return { ok: false, problem: "Paste a public key." };
  if (/[\r\n]/.test(text)) return { ok: false, problem: "One key per line." };
  if (text.startsWith("-----BEGIN")) return { ok: false, problem: "That is a private key: paste the .pub file." };
  const [type, data, ...rest] = text.split(/\s+/);
  if (!TYPES.has(type)) return { ok: false, problem: `Unsupported key type "${type.slice(0, 30)}".` };
  const blob = data ? decodeBase64(data) : null;
  if (!blob || blob.length < 4) return { ok: false, problem: "The key data is not valid base64." };
  const nameLength = new DataView(blob.buffer).getUint32(0);
  const embedded = new TextDecoder().decode(blob.slice(4, 4 + nameLength));
  if (embedded !== type) return { ok: false, problem: "The key data does not match its type." };
  return { ok: true, type, comment: rest.join(" "), blob };
}

/** "SHA256:…" as `ssh-keygen -l` prints it. */
export async function fingerprint(blob: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", blob as BufferSource));
  const base64 = btoa(String.fromCharCode(...digest)).replace(/=+$/, "");
  return `SHA256:${base64}`;
}
