import { useLocation, useNavigate } from "@tanstack/react-router";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { ACCOUNT_SECTIONS, type AccountSection } from "./sections";

function sectionFromHash(hash: string, sections: AccountSection[]): string {
  const wanted = hash.replace(/^#/, "");
  return sections.some((section) => section.id === wanted) ? wanted : sections[0].id;
}

/** The signed-in person's own account: one page, a section per hash (`/account#profile`,
 * `#security`, `#sessions`, …) so each has its own address and Back moves between them. */
export function AccountPage({ sections = ACCOUNT_SECTIONS }: { sections?: AccountSection[] }) {
  const location = useLocation();
  const navigate = useNavigate();
  const current = sectionFromHash(location.hash, sections);

  return (
    <div className="grid gap-4">
      <div>
        <h1 className="text-2xl font-semibold">Account</h1>
        <p className="text-sm text-muted-foreground">Your profile, password and where you are signed in.</p>
      </div>
      <Tabs
        value={current}
        onValueChange={(value) => void navigate({ to: "/account", hash: value })}
        className="min-w-0"
      >
        <TabsList aria-label="Account sections" className="max-w-full overflow-x-auto">
          {sections.map(({ id, label, icon: Icon }) => (
            <TabsTrigger key={id} value={id}>
              <Icon aria-hidden className="size-4" /> {label}
            </TabsTrigger>
          ))}
        </TabsList>
        {sections.map(({ id, component: Section }) => (
          <TabsContent key={id} value={id}>
            <Section />
          </TabsContent>
        ))}
      </Tabs>
    </div>
  );
}
