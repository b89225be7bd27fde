import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { AlertCircle, Loader2, Server } from "lucide-react";
import * as React from "react";
import { toast } from "sonner";
import { isApiError } from "@/api/http";
import { adminDeleteProviderMutation } from "@/client/@tanstack/react-query.gen";
import type { ProviderOut } from "@/client/types.gen";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogTitle,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { errorText, removeProvider } from "./api";
import { returnFocusTo } from "./fields";

/** Where the servers that keep an account in use are listed: the admin's instances section,
 * filtered to the account. */
export function instancesOfProvider(providerId: string) {
  return { to: "/admin", search: { provider: providerId }, hash: "instances" } as const;
}

/** Confirmed delete; 409 `provider_in_use` says why and links to the servers that block it. */
export function DeleteProviderDialog({
  provider,
  open,
  onOpenChange,
  returnFocusRef,
}: {
  provider: ProviderOut;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  returnFocusRef?: React.RefObject<HTMLElement | null>;
}) {
  const queryClient = useQueryClient();
  const remove = useMutation({ ...adminDeleteProviderMutation() });
  const [error, setError] = React.useState<{ inUse: boolean; text: string } | null>(null);
  React.useEffect(() => {
    if (open) setError(null);
  }, [open]);

  const confirm = async () => {
    setError(null);
    try {
      await remove.mutateAsync({ path: { provider_id: provider.id } });
      onOpenChange(false);
      removeProvider(queryClient, provider.id);
      toast.success(`${provider.name} is deleted.`);
    } catch (failure) {
      setError({
        inUse: isApiError(failure) && failure.code === "provider_in_use",
        text: errorText(failure),
      });
    }
  };

  return (
    <AlertDialog open={open} onOpenChange={onOpenChange}>
      <AlertDialogContent onCloseAutoFocus={returnFocusTo(returnFocusRef)}>
        <AlertDialogTitle>Delete {provider.name}?</AlertDialogTitle>
        <AlertDialogDescription>
          The stored key is erased and the account's VPS plans stop being sold (they stay for history). This cannot be
          undone. An account that still has servers cannot be deleted.
        </AlertDialogDescription>
        {error && (
          <Alert variant="destructive">
            <AlertCircle aria-hidden />
            <AlertTitle>{error.inUse ? `${provider.name} is still in use` : "Not deleted"}</AlertTitle>
            <AlertDescription>
              <p>{error.text}</p>
              {error.inUse && (
                <Link
                  {...instancesOfProvider(provider.id)}
                  onClick={() => onOpenChange(false)}
                  className="mt-2 inline-flex items-center gap-1 rounded-sm font-medium text-foreground underline underline-offset-4 outline-none focus-visible:ring-[3px] focus-visible:ring-ring/60"
                >
                  <Server aria-hidden className="size-4" />
                  Show the servers of {provider.name}
                </Link>
              )}
            </AlertDescription>
          </Alert>
        )}
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <Button variant="destructive" disabled={remove.isPending} onClick={() => void confirm()}>
            {remove.isPending && <Loader2 className="animate-spin" aria-hidden />}
            Delete {provider.name}
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
