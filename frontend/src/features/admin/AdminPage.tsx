import { useLocation, useNavigate } from "@tanstack/react-router";
import { Boxes, Server, Cloud, Users } from "lucide-react";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { CustomersTab } from "./CustomersTab";
import { InstancesTab } from "./InstancesTab";
import { PlansTab } from "./PlansTab";
import { ProvidersTab } from "./ProvidersTab";

export const ADMIN_SECTIONS = ["providers", "vps-plans", "instances", "customers"] as const;
export type AdminSection = (typeof ADMIN_SECTIONS)[number];

function sectionFromHash(hash: string): AdminSection {
  const wanted = hash.replace(/^#/, "");
  return (ADMIN_SECTIONS as readonly string[]).includes(wanted) ? (wanted as AdminSection) : "providers";
}

/** The admin area: one page, a section per hash (`/admin#providers`, `#vps-plans`, `#instances`, `#customers`)
 * so each section has its own address and the browser's back button moves between them. */
export function AdminPage() {
  const location = useLocation();
  const navigate = useNavigate();
  const section = sectionFromHash(location.hash);

  return (
    <div className="grid gap-4">
      <div>
        <h1 className="text-2xl font-semibold">Admin</h1>
        <p className="text-sm text-muted-foreground">Provider accounts, the VPS plans customers buy, every server, and the customers.</p>
      </div>
      <Tabs
        value={section}
        onValueChange={(value) => void navigate({ to: "/admin", hash: value })}
        className="min-w-0"
      >
        {/* Two rows of two on a phone: a scrolling strip hid "Customers" with no sign it was there. */}
        <TabsList aria-label="Admin sections" className="grid h-auto w-full grid-cols-2 gap-1 sm:inline-flex sm:h-9 sm:w-auto sm:gap-0">
          <TabsTrigger value="providers">
            <Cloud aria-hidden className="size-4" /> Providers
          </TabsTrigger>
          <TabsTrigger value="vps-plans">
            <Boxes aria-hidden className="size-4" /> VPS plans
          </TabsTrigger>
          <TabsTrigger value="instances">
            <Server aria-hidden className="size-4" /> Instances
          </TabsTrigger>
          <TabsTrigger value="customers">
            <Users aria-hidden className="size-4" /> Customers
          </TabsTrigger>
        </TabsList>
        <TabsContent value="providers">
          <ProvidersTab />
        </TabsContent>
        <TabsContent value="vps-plans">
          <PlansTab />
        </TabsContent>
        <TabsContent value="instances">
          <InstancesTab />
        </TabsContent>
        <TabsContent value="customers">
          <CustomersTab />
        </TabsContent>
      </Tabs>
    </div>
  );
}
