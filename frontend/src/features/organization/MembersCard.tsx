import { nativeSelectClass } from "@/components/ui/native-select";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { AlertCircle, Loader2, Trash2 } from "lucide-react";
import * as React from "react";
import { toast } from "sonner";
import { changeMemberRoleMutation, removeMemberMutation } from "@/client/@tanstack/react-query.gen";
import type { MemberOut, OrganizationOut } from "@/client/types.gen";
import { QueryProblem } from "@/components/query-problem";
import { Alert, AlertDescription } from "@/components/ui/alert";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogTitle,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { absoluteTime } from "@/lib/time";
import { useMe } from "@/features/shell/useMe";
import { errorText, refreshOrganizationViews, type useMembers } from "./api";

const cell = "px-2 py-2 sm:px-3";

/** Members with their role (a select) and a confirmed Remove. The last owner cannot be demoted
 * or removed: the API's 409 `last_owner` reason is shown. */
export function MembersCard({
  organization,
  members,
}: {
  organization: OrganizationOut;
  members: ReturnType<typeof useMembers>;
}) {
  const me = useMe();
  const queryClient = useQueryClient();
  const changeRole = useMutation({ ...changeMemberRoleMutation() });
  const [removing, setRemoving] = React.useState<MemberOut | null>(null);
  const [problem, setProblem] = React.useState<string | null>(null);
  const list = members.data?.members;

  const onRole = async (member: MemberOut, role: "owner" | "member") => {
    setProblem(null);
    try {
      await changeRole.mutateAsync({
        path: { organization_id: organization.id, user_id: member.user_id },
        body: { role },
      });
      toast.success(`${member.name} is now ${role === "owner" ? "an owner" : "a member"}.`);
    } catch (error) {
      setProblem(errorText(error));
    } finally {
      await refreshOrganizationViews(queryClient);
    }
  };

  return (
    <Card>
      <CardHeader>
        <CardTitle>Members</CardTitle>
        <CardDescription>Owners manage members and invitations; members manage servers only.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-3">
        <QueryProblem query={members} title="Could not load the members" />
        {problem && (
          <Alert variant="destructive">
            <AlertCircle aria-hidden />
            <AlertDescription>{problem}</AlertDescription>
          </Alert>
        )}
        {!list && members.isPending && <Skeleton className="h-24 w-full" />}
        {list && (
          <div className="relative overflow-x-auto rounded-md border border-border">
            <table className="w-full text-sm">
              <caption className="sr-only">Members of {organization.name}</caption>
              <thead className="bg-muted/50 text-left text-muted-foreground">
                <tr>
                  <th scope="col" className={`${cell} font-medium`}>Name</th>
                  <th scope="col" className={`${cell} font-medium`}>Role</th>
                  <th scope="col" className={`${cell} hidden font-medium md:table-cell`}>Joined</th>
                  <th scope="col" className={`${cell} text-right font-medium`}>
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((member) => {
                  const isMe = member.user_id === me.data?.user.id;
                  // The only owner cannot become a member (409 last_owner): say so up front.
                  const onlyOwner =
                    member.role === "owner" && list.filter((other) => other.role === "owner").length === 1;
                  return (
                    <tr key={member.user_id} className="border-t border-border">
                      <th scope="row" className={`${cell} text-left font-normal`}>
                        <div className="font-medium">
                          {member.name}
                          {isMe && <span className="text-muted-foreground"> (you)</span>}
                        </div>
                        <div className="break-all text-xs text-muted-foreground">{member.email}</div>
                      </th>
                      <td className={cell}>
                        <select
                          className={nativeSelectClass}
                          aria-label={`Role of ${member.name}`}
                          value={member.role}
                          disabled={changeRole.isPending || onlyOwner}
                          title={onlyOwner ? "The only owner: make another member an owner first." : undefined}
                          onChange={(event) => void onRole(member, event.target.value as "owner" | "member")}
                        >
                          <option value="owner">Owner</option>
                          <option value="member">Member</option>
                        </select>
                      </td>
                      <td className={`${cell} hidden whitespace-nowrap md:table-cell`}>{absoluteTime(member.joined_at)}</td>
                      <td className={`${cell} text-right`}>
                        {!isMe && (
                          <Button
                            variant="ghost"
                            size="sm"
                            onClick={() => setRemoving(member)}
                            aria-label={`Remove ${member.name}`}
                          >
                            <Trash2 aria-hidden />
                            <span className="hidden sm:inline">Remove</span>
                          </Button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </CardContent>
      {removing && (
        <RemoveMemberDialog
          organization={organization}
          member={removing}
          onOpenChange={(open) => !open && setRemoving(null)}
        />
      )}
    </Card>
  );
}

function RemoveMemberDialog({
  organization,
  member,
  onOpenChange,
}: {
  organization: OrganizationOut;
  member: MemberOut;
  onOpenChange: (open: boolean) => void;
}) {
  const queryClient = useQueryClient();
  const remove = useMutation({ ...removeMemberMutation() });
  const [error, setError] = React.useState<string | null>(null);
  const confirm = async () => {
    setError(null);
    try {
      await remove.mutateAsync({ path: { organization_id: organization.id, user_id: member.user_id } });
      onOpenChange(false);
      toast.success(`${member.name} was removed from ${organization.name}.`);
      await refreshOrganizationViews(queryClient);
    } catch (failure) {
      setError(errorText(failure));
    }
  };
  return (
    <AlertDialog open onOpenChange={onOpenChange}>
      <AlertDialogContent>
        <AlertDialogTitle>Remove {member.name}?</AlertDialogTitle>
        <AlertDialogDescription>
          {member.name} ({member.email}) loses access to {organization.name} and its servers at once. You can invite
          them again later.
        </AlertDialogDescription>
        {error && (
          <Alert variant="destructive">
            <AlertCircle aria-hidden />
            <AlertDescription>{error}</AlertDescription>
          </Alert>
        )}
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <Button variant="destructive" onClick={() => void confirm()} disabled={remove.isPending}>
            {remove.isPending && <Loader2 className="animate-spin" aria-hidden />}
            Remove {member.name}
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
