import { Loader2 } from "lucide-react";
import type { ProviderOut } from "@/client/types.gen";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogTitle,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { returnFocusTo } from "./fields";
import { plansOnSale, plural, useAdminPlans, useLiveServerCount } from "./impact";

/** What deactivating an account does, in counts: its plans leave the store, its servers keep running. */
export function DeactivationImpact({ provider, enabled }: { provider: ProviderOut; enabled: boolean }) {
  const plans = useAdminPlans(enabled);
  const servers = useLiveServerCount(provider.id, enabled);
  const onSale = plans.data ? plansOnSale(plans.data.plans, provider.id).length : null;
  const planText =
    onSale === null
      ? "Its plans leave the store: customers can no longer buy them."
      : onSale === 0
        ? "None of its plans is on sale now."
        : onSale === 1
          ? "Its 1 plan on sale leaves the store: customers can no longer buy it."
          : `Its ${plural(onSale, "plan")} on sale leave the store: customers can no longer buy them.`;
  const serverCount = servers.data?.count;
  const serverText =
    servers.data && serverCount !== undefined
      ? `${servers.data.atLeast ? "At least " : ""}${plural(serverCount, "server")} on this account ${serverCount === 1 && !servers.data.atLeast ? "keeps" : "keep"} running`
      : "Its servers keep running";
  return (
    <>
      {planText} {serverText}, and their owners can still manage them.
    </>
  );
}

/** Confirms a deactivation before it is sent. */
export function DeactivateProviderDialog({
  provider,
  open,
  onOpenChange,
  onConfirm,
  pending,
  returnFocusRef,
}: {
  provider: ProviderOut;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onConfirm: () => void;
  pending: boolean;
  returnFocusRef?: React.RefObject<HTMLElement | null>;
}) {
  return (
    <AlertDialog open={open} onOpenChange={onOpenChange}>
      <AlertDialogContent onCloseAutoFocus={returnFocusTo(returnFocusRef)}>
        <AlertDialogTitle>Deactivate {provider.name}?</AlertDialogTitle>
        <AlertDialogDescription>
          <DeactivationImpact provider={provider} enabled={open} />
        </AlertDialogDescription>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <Button variant="destructive" onClick={onConfirm} disabled={pending}>
            {pending && <Loader2 className="animate-spin" aria-hidden />}
            Deactivate
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
