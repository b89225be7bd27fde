import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { Building2, ChevronDown, LogOut, Moon, Server, Shield, Sun, User, UserCog } from "lucide-react";
import * as React from "react";
import { currentOrganizationId, setCurrentOrganizationId } from "@/api/organization";
import { logoutMutation } from "@/client/@tanstack/react-query.gen";
import type { MeOut } from "@/client/types.gen";
import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuRadioGroup,
  DropdownMenuRadioItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { applyTheme, preferredTheme, type Theme } from "@/lib/theme";

const navLink =
  "rounded-md px-2 py-2 text-sm sm:px-3 font-medium text-muted-foreground outline-none hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/60 data-[status=active]:text-foreground data-[status=active]:bg-accent";

export function Header({ me }: { me: MeOut }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [theme, setTheme] = React.useState<Theme>(preferredTheme);
  const organizations = me.organizations;
  const activeId = currentOrganizationId() ?? organizations[0]?.id ?? "";
  const active = organizations.find((org) => org.id === activeId) ?? organizations[0];
  const logout = useMutation({ ...logoutMutation() });

  const switchOrganization = (id: string) => {
    if (id === active?.id) return;
    setCurrentOrganizationId(id);
    // Everything cached belongs to the previous organization.
    queryClient.clear();
    void navigate({ to: "/vps" });
  };

  const toggleTheme = () => {
    const next = theme === "dark" ? "light" : "dark";
    applyTheme(next, true);
    setTheme(next);
  };

  const signOut = async () => {
    try {
      await logout.mutateAsync({});
    } finally {
      queryClient.clear();
      setCurrentOrganizationId(null);
      window.location.assign("/login");
    }
  };

  return (
    <header className="sticky top-0 z-40 border-b border-border bg-background/95 backdrop-blur">
      <div className="mx-auto flex h-14 max-w-7xl items-center gap-1 px-3 sm:gap-2 sm:px-4">
        <Link to="/vps" className="mr-1 flex shrink-0 items-center gap-2 rounded-md font-semibold sm:mr-2 outline-none focus-visible:ring-[3px] focus-visible:ring-ring/60">
          <Server className="size-5 text-primary" aria-hidden />
          {/* At phone widths the mark alone leaves room for the menus; the name stays for screen readers. */}
          <span className="sr-only sm:not-sr-only">vpspanel</span>
        </Link>
        <nav aria-label="Main" className="flex min-w-0 items-center gap-0.5 sm:gap-1">
          <Link to="/vps" className={navLink}>
            Servers
          </Link>
          {me.user.role === "admin" && (
            <Link to="/admin" className={navLink}>
              <span className="inline-flex items-center gap-1">
                <Shield className="hidden size-4 sm:block" aria-hidden />
                Admin
              </span>
            </Link>
          )}
        </nav>
        <div className="ml-auto flex shrink-0 items-center gap-0.5 sm:gap-1">
          {organizations.length > 0 && (
            <DropdownMenu>
              <DropdownMenuTrigger asChild>
                <Button variant="ghost" size="sm" aria-label={`Organization: ${active?.name ?? ""}`}>
                  <Building2 aria-hidden />
                  <span className="hidden max-w-40 truncate sm:inline">{active?.name}</span>
                  <ChevronDown aria-hidden />
                </Button>
              </DropdownMenuTrigger>
              <DropdownMenuContent align="end">
                <DropdownMenuLabel>Organization</DropdownMenuLabel>
                <DropdownMenuRadioGroup value={active?.id} onValueChange={switchOrganization}>
                  {organizations.map((org) => (
                    <DropdownMenuRadioItem key={org.id} value={org.id}>
                      {org.name}
                    </DropdownMenuRadioItem>
                  ))}
                </DropdownMenuRadioGroup>
              </DropdownMenuContent>
            </DropdownMenu>
          )}
          <Button
            variant="ghost"
            size="icon"
            onClick={toggleTheme}
            aria-label={theme === "dark" ? "Switch to light theme" : "Switch to dark theme"}
          >
            {theme === "dark" ? <Sun aria-hidden /> : <Moon aria-hidden />}
          </Button>
          <DropdownMenu>
            <DropdownMenuTrigger asChild>
              <Button variant="ghost" size="icon" aria-label={`Account: ${me.user.name}`}>
                <User aria-hidden />
              </Button>
            </DropdownMenuTrigger>
            <DropdownMenuContent align="end" className="min-w-56">
              <DropdownMenuLabel className="text-foreground">
                <div className="font-medium">{me.user.name}</div>
                <div className="text-xs font-normal text-muted-foreground">{me.user.email}</div>
              </DropdownMenuLabel>
              <DropdownMenuSeparator />
              <DropdownMenuItem asChild>
                <Link to="/account">
                  <UserCog aria-hidden />
                  Account
                </Link>
              </DropdownMenuItem>
              <DropdownMenuItem onSelect={() => void signOut()}>
                <LogOut aria-hidden />
                Sign out
              </DropdownMenuItem>
            </DropdownMenuContent>
          </DropdownMenu>
        </div>
      </div>
    </header>
  );
}
