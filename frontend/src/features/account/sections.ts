import type { LucideIcon } from "lucide-react";
import { KeyRound, MonitorSmartphone, UserRound } from "lucide-react";
import type * as React from "react";
import { ProfileSection } from "./ProfileSection";
import { SecuritySection } from "./SecuritySection";
import { SessionsSection } from "./SessionsSection";

/** One part of the Account page, shown at `/account#<id>`. Add a section by adding an entry
 * here (e.g. `ssh-keys`, `tokens`); the page builds its tabs from this list. */
export type AccountSection = {
  id: string;
  label: string;
  icon: LucideIcon;
  component: React.ComponentType;
};

export const ACCOUNT_SECTIONS: AccountSection[] = [
  { id: "profile", label: "Profile", icon: UserRound, component: ProfileSection },
  { id: "security", label: "Password", icon: KeyRound, component: SecuritySection },
  { id: "sessions", label: "Sessions", icon: MonitorSmartphone, component: SessionsSection },
];
