import { useMutation, useQueryClient } from "@tanstack/react-query";
import { AlertCircle, Loader2 } from "lucide-react";
import * as React from "react";
import { toast } from "sonner";
import { adminListUsersQueryKey, adminUpdateUserMutation } from "@/client/@tanstack/react-query.gen";
import type { CustomerUserOut } from "@/client/types.gen";
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
import { errorText } from "../providers/api";

/** Confirmed suspend or unsuspend: a suspended user is signed out at their next request. */
export function SuspendDialog({ user, onClose }: { user: CustomerUserOut; onClose: () => void }) {
  const queryClient = useQueryClient();
  const update = useMutation({ ...adminUpdateUserMutation() });
  const [error, setError] = React.useState<string | null>(null);
  const suspending = user.active;

  const confirm = async () => {
    setError(null);
    try {
      await update.mutateAsync({ path: { user_id: user.id }, body: { active: !suspending } });
      await queryClient.invalidateQueries({ queryKey: [adminListUsersQueryKey()[0]] });
      toast.success(suspending ? `${user.email} is suspended.` : `${user.email} can sign in again.`);
      onClose();
    } catch (failure) {
      setError(errorText(failure));
    }
  };

  return (
    <AlertDialog open onOpenChange={(open) => !open && onClose()}>
      <AlertDialogContent>
        <AlertDialogTitle>
          {suspending ? `Suspend ${user.email}?` : `Unsuspend ${user.email}?`}
        </AlertDialogTitle>
        <AlertDialogDescription>
          {suspending
            ? "They are signed out at their next request and cannot sign in until you unsuspend them. Their servers keep running."
            : "They can sign in again, and sessions they had before the suspension work again."}
        </AlertDialogDescription>
        {error && (
          <Alert variant="destructive">
            <AlertCircle aria-hidden />
            <AlertDescription>{error}</AlertDescription>
          </Alert>
        )}
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <Button
            variant={suspending ? "destructive" : "default"}
            disabled={update.isPending}
            onClick={() => void confirm()}
          >
            {update.isPending && <Loader2 className="animate-spin" aria-hidden />}
            {suspending ? "Suspend" : "Unsuspend"}
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
