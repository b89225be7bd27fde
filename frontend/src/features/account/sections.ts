import type { LucideIcon } from "lucide-react";
import { KeyRound, KeySquare, LockKeyhole, MonitorSmartphone, UserRound } from "lucide-react";
import type * as React from "react";
import { ApiTokensSection } from "./ApiTokensSection";
import { ProfileSection } from "./ProfileSection";
import { SecuritySection } from "./SecuritySection";
import { SessionsSection } from "./SessionsSection";
import { SshKeysSection } from "./SshKeysSection";

/** One part of the Account page, shown at `/account#<id>`. Add a section by adding an entry
 * here; the page builds its tabs from this list. */
export type AccountSection = {
  id: string;
  label: string;
  icon: LucideIcon;
  component: React.ComponentType;
};

export const ACCOUNT_SECTIONS: AccountSection[] = [
  { id: "profile", label: "Profile", icon: UserRound, component: ProfileSection },
  { id: "security", label: "Password", icon: LockKeyhole, component: SecuritySection },
  { id: "sessions", label: "Sessions", icon: MonitorSmartphone, component: SessionsSection },
  { id: "ssh-keys", label: "SSH keys", icon: KeyRound, component: SshKeysSection },
  { id: "tokens", label: "API tokens", icon: KeySquare, component: ApiTokensSection },
];
