import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { AlertCircle, Loader2, LogOut } from "lucide-react";
import * as React from "react";
import { toast } from "sonner";
import { setCurrentOrganizationId } from "@/api/organization";
import { leaveOrganizationMutation } from "@/client/@tanstack/react-query.gen";
import type { OrganizationOut } from "@/client/types.gen";
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
import { errorText } from "./api";

export const ONLY_OWNER_TEXT = "You are the only owner. Make another member an owner before you leave.";

/** "Leave" with a confirmation. The only owner sees why they cannot (and the API's 409 says the
 * same if the list was stale). */
export function LeaveOrganization({ organization, onlyOwner }: { organization: OrganizationOut; onlyOwner: boolean }) {
  const [open, setOpen] = React.useState(false);
  const [error, setError] = React.useState<string | null>(null);
  const leave = useMutation({ ...leaveOrganizationMutation() });
  const queryClient = useQueryClient();
  const navigate = useNavigate();

  const confirm = async () => {
    setError(null);
    try {
      await leave.mutateAsync({ path: { organization_id: organization.id } });
      setOpen(false);
      setCurrentOrganizationId(null);
      // Everything cached belonged to the organization just left.
      queryClient.clear();
      toast.success(`You left ${organization.name}.`);
      await navigate({ to: "/vps" });
    } catch (failure) {
      setError(errorText(failure));
    }
  };

  return (
    <div className="grid gap-2">
      {onlyOwner && <p className="text-sm text-muted-foreground">{ONLY_OWNER_TEXT}</p>}
      <div>
        <Button variant="outline" disabled={onlyOwner} onClick={() => { setError(null); setOpen(true); }}>
          <LogOut aria-hidden />
          Leave {organization.name}
        </Button>
      </div>
      <AlertDialog open={open} onOpenChange={setOpen}>
        <AlertDialogContent>
          <AlertDialogTitle>Leave {organization.name}?</AlertDialogTitle>
          <AlertDialogDescription>
            You lose access to its servers at once. To come back, an owner must invite you again.
          </AlertDialogDescription>
          {error && (
            <Alert variant="destructive">
              <AlertCircle aria-hidden />
              <AlertDescription>{error}</AlertDescription>
            </Alert>
          )}
          <AlertDialogFooter>
            <AlertDialogCancel>Stay</AlertDialogCancel>
            <Button variant="destructive" onClick={() => void confirm()} disabled={leave.isPending}>
              {leave.isPending && <Loader2 className="animate-spin" aria-hidden />}
              Leave
            </Button>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
    </div>
  );
}
