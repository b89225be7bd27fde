import { useMutation, useQueryClient } from "@tanstack/react-query";
import { AlertCircle, Loader2, RotateCw, X } from "lucide-react";
import * as React from "react";
import { toast } from "sonner";
import { resendInvitationMutation, revokeInvitationMutation } from "@/client/@tanstack/react-query.gen";
import type { InvitationOut, InvitationSent } from "@/client/types.gen";
import { QueryProblem } from "@/components/query-problem";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Skeleton } from "@/components/ui/skeleton";
import { absoluteTime } from "@/lib/time";
import { errorText, refreshOrganizationViews, useInvitations } from "./api";
import { InvitationDelivered } from "./InvitationDelivered";

/** Invitations not yet accepted: resend (a new link, the old one dies) or revoke. */
export function InvitationsCard({ organizationId }: { organizationId: string }) {
  const invitations = useInvitations(organizationId, true);
  const queryClient = useQueryClient();
  const resend = useMutation({ ...resendInvitationMutation() });
  const revoke = useMutation({ ...revokeInvitationMutation() });
  const [resent, setResent] = React.useState<InvitationSent | null>(null);
  const [problem, setProblem] = React.useState<string | null>(null);
  const list = invitations.data?.invitations;

  const onResend = async (invitation: InvitationOut) => {
    setProblem(null);
    try {
      setResent(await resend.mutateAsync({ path: { organization_id: organizationId, invitation_id: invitation.id } }));
    } catch (error) {
      setProblem(errorText(error));
    } finally {
      await refreshOrganizationViews(queryClient);
    }
  };
  const onRevoke = async (invitation: InvitationOut) => {
    setProblem(null);
    try {
      await revoke.mutateAsync({ path: { organization_id: organizationId, invitation_id: invitation.id } });
      toast.success(`The invitation for ${invitation.email} is revoked.`);
    } catch (error) {
      setProblem(errorText(error));
    } finally {
      await refreshOrganizationViews(queryClient);
    }
  };
  const busy = resend.isPending || revoke.isPending;

  return (
    <Card>
      <CardHeader>
        <CardTitle>Pending invitations</CardTitle>
        <CardDescription>Each link works once and for 7 days. Resending makes a new link.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-3">
        <QueryProblem query={invitations} title="Could not load the invitations" />
        {problem && (
          <Alert variant="destructive">
            <AlertCircle aria-hidden />
            <AlertDescription>{problem}</AlertDescription>
          </Alert>
        )}
        {!list && invitations.isPending && <Skeleton className="h-16 w-full" />}
        {list && list.length === 0 && <p className="text-sm text-muted-foreground">No pending invitations.</p>}
        {list && list.length > 0 && (
          <ul className="grid divide-y divide-border rounded-md border border-border" aria-label="Pending invitations">
            {list.map((invitation) => (
              <li key={invitation.id} className="flex flex-wrap items-center gap-x-3 gap-y-2 px-3 py-2 text-sm">
                <div className="min-w-0 flex-1 basis-48">
                  <div className="break-all font-medium">{invitation.email}</div>
                  <div className="text-xs text-muted-foreground">
                    {invitation.role === "owner" ? "Owner" : "Member"} ·{" "}
                    {invitation.expired ? "expired" : "expires"} {absoluteTime(invitation.expires_at)}
                  </div>
                </div>
                {invitation.expired && <Badge variant="warning">Expired</Badge>}
                <div className="flex gap-1">
                  <Button
                    variant="outline"
                    size="sm"
                    disabled={busy}
                    onClick={() => void onResend(invitation)}
                    aria-label={`Resend invitation to ${invitation.email}`}
                  >
                    {resend.isPending && resend.variables?.path.invitation_id === invitation.id ? (
                      <Loader2 className="animate-spin" aria-hidden />
                    ) : (
                      <RotateCw aria-hidden />
                    )}
                    Resend
                  </Button>
                  <Button
                    variant="ghost"
                    size="sm"
                    disabled={busy}
                    onClick={() => void onRevoke(invitation)}
                    aria-label={`Revoke invitation to ${invitation.email}`}
                  >
                    <X aria-hidden />
                    Revoke
                  </Button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </CardContent>
      <Dialog open={resent !== null} onOpenChange={(open) => !open && setResent(null)}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Invitation resent</DialogTitle>
            <DialogDescription>The previous link no longer works.</DialogDescription>
          </DialogHeader>
          {resent && <InvitationDelivered sent={resent} />}
          <DialogFooter>
            <Button onClick={() => setResent(null)}>Done</Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </Card>
  );
}
