import { OrganizationsSection } from "./customers/OrganizationsSection";
import { SignupSettings } from "./customers/SignupSettings";
import { UsersSection } from "./customers/UsersSection";

/** /admin#customers: users (suspend), organizations (server limits) and the sign-up settings. */
export function CustomersTab() {
  return (
    <section className="grid min-w-0 grid-cols-[minmax(0,1fr)] gap-8" aria-labelledby="customers-heading">
      <div>
        <h2 id="customers-heading" className="text-lg font-semibold">Customers</h2>
        <p className="text-sm text-muted-foreground">Accounts, their organizations and limits, and who may sign up.</p>
      </div>
      <UsersSection />
      <OrganizationsSection />
      <SignupSettings />
    </section>
  );
}
