/** Queries and cache refreshes of the organization settings page. */
import { type QueryClient, useQuery } from "@tanstack/react-query";
import { currentOrganizationId } from "@/api/organization";
import { isApiError } from "@/api/http";
import { listInvitationsOptions, listMembersOptions } from "@/client/@tanstack/react-query.gen";
import type { MeOut, OrganizationOut } from "@/client/types.gen";

/** The organization the user acts in: the remembered one, else their first (as the API does). */
export function activeOrganization(me: MeOut): OrganizationOut | undefined {
  const id = currentOrganizationId();
  return me.organizations.find((org) => org.id === id) ?? me.organizations[0];
}

export function useMembers(organizationId: string, enabled: boolean) {
  return useQuery({ ...listMembersOptions({ path: { organization_id: organizationId } }), enabled });
}

export function useInvitations(organizationId: string, enabled: boolean) {
  return useQuery({ ...listInvitationsOptions({ path: { organization_id: organizationId } }), enabled });
}

/** What an organization change can alter: its members, invitations, and the user's own list. */
const ORGANIZATION_VIEWS = ["listMembers", "listInvitations", "getMe", "listOrganizations"];

export function refreshOrganizationViews(queryClient: QueryClient): Promise<void> {
  return queryClient.invalidateQueries({
    predicate: (query) => {
      const head = query.queryKey[0] as { _id?: unknown } | undefined;
      return typeof head?._id === "string" && ORGANIZATION_VIEWS.includes(head._id);
    },
  });
}

export function errorText(error: unknown): string {
  return isApiError(error) ? error.detail : "Something went wrong. Try again.";
}
