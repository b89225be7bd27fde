import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Building2, Loader2, UserPlus } from "lucide-react";
import * as React from "react";
import { useForm } from "react-hook-form";
import { toast } from "sonner";
import { z } from "zod";
import { isApiError } from "@/api/http";
import { renameOrganizationMutation } from "@/client/@tanstack/react-query.gen";
import type { OrganizationOut } from "@/client/types.gen";
import { FormField } from "@/components/form-field";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { applyServerFieldErrors } from "@/lib/forms";
import { useMe } from "@/features/shell/useMe";
import { activeOrganization, refreshOrganizationViews, useMembers } from "./api";
import { InvitationsCard } from "./InvitationsCard";
import { InviteDialog } from "./InviteDialog";
import { LeaveOrganization } from "./LeaveOrganization";
import { MembersCard } from "./MembersCard";

/** `/organization`: the acting organization's settings. Owners rename it and manage members and
 * invitations; members see its name and may leave. */
export function OrganizationPage() {
  const me = useMe();
  if (!me.data) return null; // AppLayout renders only once /me has loaded
  const organization = activeOrganization(me.data);
  if (!organization) {
    return (
      <div className="mx-auto grid max-w-md justify-items-center gap-3 py-16 text-center">
        <Building2 className="size-10 text-muted-foreground" aria-hidden />
        <h1 className="text-xl font-semibold">No organization</h1>
        <p className="text-sm text-muted-foreground">Create one from the organization menu, or accept an invitation.</p>
      </div>
    );
  }
  return <OrganizationSettings key={organization.id} organization={organization} />;
}

function OrganizationSettings({ organization }: { organization: OrganizationOut }) {
  const isOwner = organization.role === "owner";
  const [inviting, setInviting] = React.useState(false);
  const members = useMembers(organization.id, isOwner);
  const owners = members.data?.members.filter((member) => member.role === "owner").length;

  return (
    <div className="grid gap-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="min-w-0">
          <p className="text-sm text-muted-foreground">Organization</p>
          <h1 className="flex flex-wrap items-center gap-2 text-2xl font-semibold break-words">
            {organization.name}
            <Badge variant={isOwner ? "default" : "secondary"}>{isOwner ? "Owner" : "Member"}</Badge>
          </h1>
        </div>
        {isOwner && (
          <Button onClick={() => setInviting(true)}>
            <UserPlus aria-hidden />
            Invite
          </Button>
        )}
      </div>

      {isOwner ? (
        <>
          <RenameCard organization={organization} />
          <MembersCard organization={organization} members={members} />
          <InvitationsCard organizationId={organization.id} />
          <InviteDialog organizationId={organization.id} open={inviting} onOpenChange={setInviting} />
        </>
      ) : (
        <Card>
          <CardContent className="pt-6 text-sm text-muted-foreground">
            You are a member: you see and manage this organization's servers. Its owners manage members and
            invitations.
          </CardContent>
        </Card>
      )}

      <Card>
        <CardHeader>
          <CardTitle>Leave organization</CardTitle>
          <CardDescription>You lose access to its servers. An owner can invite you again.</CardDescription>
        </CardHeader>
        <CardContent>
          {isOwner && members.isPending ? (
            <Skeleton className="h-9 w-40" />
          ) : (
            <LeaveOrganization organization={organization} onlyOwner={isOwner && owners === 1} />
          )}
        </CardContent>
      </Card>
    </div>
  );
}

const renameSchema = z.object({
  name: z.string().trim().min(1, "Enter a name.").max(100, "At most 100 characters."),
});

function RenameCard({ organization }: { organization: OrganizationOut }) {
  const queryClient = useQueryClient();
  const rename = useMutation({ ...renameOrganizationMutation() });
  const form = useForm<z.infer<typeof renameSchema>>({
    resolver: zodResolver(renameSchema),
    defaultValues: { name: organization.name },
  });
  const onSubmit = form.handleSubmit(async (values) => {
    try {
      const renamed = await rename.mutateAsync({ path: { organization_id: organization.id }, body: values });
      form.reset({ name: renamed.name });
      await refreshOrganizationViews(queryClient);
      toast.success(`Renamed to ${renamed.name}.`);
    } catch (error) {
      if (!isApiError(error)) throw error;
      const unmatched = applyServerFieldErrors(error, form.setError, ["name"]);
      if (unmatched.length || !error.fields.length) {
        form.setError("name", { type: "server", message: unmatched[0] ?? error.detail });
      }
    }
  });
  const { errors, isSubmitting, isDirty } = form.formState;
  return (
    <Card>
      <CardHeader>
        <CardTitle>Name</CardTitle>
        <CardDescription>Shown to the organization's members and in invitations.</CardDescription>
      </CardHeader>
      <CardContent>
        <form onSubmit={onSubmit} noValidate className="flex flex-wrap items-start gap-3">
          <div className="min-w-0 flex-1 basis-64">
            <FormField id="organization-name" label="Organization name" error={errors.name?.message}>
              <Input autoComplete="organization" {...form.register("name")} />
            </FormField>
          </div>
          <Button type="submit" className="sm:mt-[22px]" disabled={isSubmitting || !isDirty}>
            {isSubmitting && <Loader2 className="animate-spin" aria-hidden />}
            Rename
          </Button>
        </form>
      </CardContent>
    </Card>
  );
}

