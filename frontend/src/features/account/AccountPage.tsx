import { useLocation, useNavigate } from "@tanstack/react-router";
import { KeyRound, KeySquare } from "lucide-react";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { ApiTokensSection } from "./ApiTokensSection";
import { SshKeysSection } from "./SshKeysSection";

export const ACCOUNT_SECTIONS = ["ssh-keys", "tokens"] as const;
export type AccountSection = (typeof ACCOUNT_SECTIONS)[number];

function sectionFromHash(hash: string): AccountSection {
  const wanted = hash.replace(/^#/, "");
  return (ACCOUNT_SECTIONS as readonly string[]).includes(wanted) ? (wanted as AccountSection) : "ssh-keys";
}

/** The signed-in user's account: a section per hash (`/account#ssh-keys`, `#tokens`), like the
 * admin area. The profile, password and sessions sections join it from the account work. */
export function AccountPage() {
  const location = useLocation();
  const navigate = useNavigate();
  const section = sectionFromHash(location.hash);

  return (
    <div className="grid gap-4">
      <div>
        <h1 className="text-2xl font-semibold">Account</h1>
        <p className="text-sm text-muted-foreground">Your SSH keys and API tokens.</p>
      </div>
      <Tabs value={section} onValueChange={(value) => void navigate({ to: "/account", hash: value })} className="min-w-0">
        <TabsList aria-label="Account sections" className="max-w-full overflow-x-auto">
          <TabsTrigger value="ssh-keys">
            <KeyRound aria-hidden className="size-4" /> SSH keys
          </TabsTrigger>
          <TabsTrigger value="tokens">
            <KeySquare aria-hidden className="size-4" /> API tokens
          </TabsTrigger>
        </TabsList>
        <TabsContent value="ssh-keys">
          <SshKeysSection />
        </TabsContent>
        <TabsContent value="tokens">
          <ApiTokensSection />
        </TabsContent>
      </Tabs>
    </div>
  );
}
