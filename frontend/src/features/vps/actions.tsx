import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { EllipsisVertical, Loader2, Power, PowerOff, RotateCcw } from "lucide-react";
import * as React from "react";
import { toast } from "sonner";
import { isApiError } from "@/api/http";
import {
  bootInstanceMutation,
  rebootInstanceMutation,
  shutdownInstanceMutation,
} from "@/client/@tanstack/react-query.gen";
import type { InstanceOut } from "@/client/types.gen";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogTitle,
} from "@/components/ui/alert-dialog";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { invalidateInstanceLists, writeInstance } from "./api";
import { ACTION_LABELS, type InstanceAction, isAllowed, notAllowedReason } from "./status";

export type PowerAction = "boot" | "shutdown" | "reboot";
const POWER_ICONS = { boot: Power, shutdown: PowerOff, reboot: RotateCcw } as const;

/** A user-facing message for a failed action (409 invalid_state reads as advice). */
export function actionErrorMessage(error: unknown): string {
  if (!isApiError(error)) return "Something went wrong. Try again.";
  if (error.status === 409 && error.code === "invalid_state")
    return `${error.detail} Try again when the current action has finished.`;
  if (error.status === 429)
    return error.retryAfter ? `Too many requests. Try again in ${error.retryAfter} s.` : error.detail;
  return error.detail;
}

/** Boot / shut down / reboot: the 202 body goes straight into the cache. */
export function usePowerAction(instance: InstanceOut) {
  const queryClient = useQueryClient();
  const options = { path: { instance_id: instance.id } };
  const onSuccess = (data: { instance: InstanceOut }) => {
    writeInstance(queryClient, data.instance);
    void invalidateInstanceLists(queryClient);
  };
  const boot = useMutation({ ...bootInstanceMutation(), onSuccess });
  const shutdown = useMutation({ ...shutdownInstanceMutation(), onSuccess });
  const reboot = useMutation({ ...rebootInstanceMutation(), onSuccess });
  const mutations = { boot, shutdown, reboot };
  return {
    run: (action: PowerAction) => mutations[action].mutateAsync(options),
    pending: boot.isPending || shutdown.isPending || reboot.isPending,
  };
}

/**
 * A dialog opened from a menu item or by state has no trigger for Radix to return focus to (the
 * menu item is gone by then), so focus would fall to <body>: send it to the given control instead.
 */
export function returnFocus(event: Event, target: HTMLElement | null | undefined) {
  if (!target?.isConnected) return;
  event.preventDefault();
  target.focus();
}

/** "Reboot web-01?" confirmation for shut down and reboot; errors stay in the dialog. */
export function PowerConfirmDialog({
  instance,
  action,
  onClose,
  returnFocusTo,
}: {
  instance: InstanceOut;
  action: "shutdown" | "reboot" | null;
  onClose: () => void;
  /** Where focus goes on close: the dialog has no Radix trigger of its own to return to. */
  returnFocusTo: React.RefObject<HTMLElement | null>;
}) {
  const power = usePowerAction(instance);
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => setError(null), [action]);
  const confirm = async () => {
    if (!action) return;
    try {
      await power.run(action);
      toast.success(`${ACTION_LABELS[action]} of ${instance.label} started.`);
      onClose();
    } catch (failure) {
      setError(actionErrorMessage(failure));
    }
  };
  const verb = action === "reboot" ? "Reboot" : "Shut down";
  return (
    <AlertDialog open={action !== null} onOpenChange={(open) => !open && onClose()}>
      <AlertDialogContent onCloseAutoFocus={(event) => returnFocus(event, returnFocusTo.current)}>
        <AlertDialogTitle>
          {verb} {instance.label}?
        </AlertDialogTitle>
        <AlertDialogDescription>
          {action === "reboot"
            ? "The server restarts now. Programs running on it stop for a moment."
            : "The server stops now, like pulling the plug on a computer. Billing continues while it is stopped."}
        </AlertDialogDescription>
        {error && (
          <Alert variant="destructive">
            <AlertDescription>{error}</AlertDescription>
          </Alert>
        )}
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <Button onClick={() => void confirm()} disabled={power.pending}>
            {power.pending && <Loader2 className="animate-spin" aria-hidden />}
            {verb}
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

/**
 * Every action, always visible: the ones `allowed_actions` does not list are disabled with the
 * reason. Power actions run here (shut down/reboot after confirmation); rebuild, resize and
 * delete open their dialog on the server's page (`?action=`).
 */
export function InstanceActionMenu({
  instance,
  only,
  align = "end",
  triggerRef,
}: {
  instance: InstanceOut;
  only?: readonly InstanceAction[];
  align?: "start" | "end";
  /** The ⋮ button, for the page to return focus to after a dialog it opened. */
  triggerRef?: React.RefObject<HTMLButtonElement | null>;
}) {
  const ownTrigger = React.useRef<HTMLButtonElement>(null);
  const trigger = triggerRef ?? ownTrigger;
  const navigate = useNavigate();
  const power = usePowerAction(instance);
  const [confirming, setConfirming] = React.useState<"shutdown" | "reboot" | null>(null);
  const actions = only ?? (["boot", "shutdown", "reboot", "rebuild", "resize", "delete"] as const);

  const choose = async (action: InstanceAction) => {
    if (action === "boot") {
      try {
        await power.run("boot");
        toast.success(`Booting ${instance.label}…`);
      } catch (error) {
        toast.error(actionErrorMessage(error));
      }
    } else if (action === "shutdown" || action === "reboot") {
      setConfirming(action);
    } else {
      await navigate({
        to: "/vps/$instanceId",
        params: { instanceId: instance.id },
        search: { action },
      });
    }
  };

  return (
    <>
      <DropdownMenu>
        <DropdownMenuTrigger asChild>
          <Button ref={trigger} variant="ghost" size="icon" aria-label={`Actions for ${instance.label}`}>
            <EllipsisVertical aria-hidden />
          </Button>
        </DropdownMenuTrigger>
        <DropdownMenuContent align={align} className="w-64">
          {actions.map((action, index) => {
            const allowed = isAllowed(instance, action);
            return (
              <React.Fragment key={action}>
                {index > 0 && action === "rebuild" && <DropdownMenuSeparator />}
                <DropdownMenuItem
                  disabled={!allowed}
                  onSelect={() => void choose(action)}
                  className={action === "delete" && allowed ? "text-destructive-foreground" : undefined}
                >
                  <div className="grid">
                    <span>{ACTION_LABELS[action]}</span>
                    {!allowed && (
                      <span className="text-xs text-muted-foreground">{notAllowedReason(instance, action)}</span>
                    )}
                  </div>
                </DropdownMenuItem>
              </React.Fragment>
            );
          })}
        </DropdownMenuContent>
      </DropdownMenu>
      <PowerConfirmDialog instance={instance} action={confirming} onClose={() => setConfirming(null)} returnFocusTo={trigger} />
    </>
  );
}

/** The detail page's power buttons: the allowed ones, named with the server ("Reboot web-01"). */
export function PowerButtons({ instance }: { instance: InstanceOut }) {
  const power = usePowerAction(instance);
  const [confirming, setConfirming] = React.useState<"shutdown" | "reboot" | null>(null);
  const opener = React.useRef<HTMLButtonElement | null>(null);
  const visible = (["boot", "shutdown", "reboot"] as const).filter((action) => isAllowed(instance, action));
  const boot = async () => {
    try {
      await power.run("boot");
      toast.success(`Booting ${instance.label}…`);
    } catch (error) {
      toast.error(actionErrorMessage(error));
    }
  };
  return (
    <>
      {visible.map((action) => {
        const Icon = POWER_ICONS[action];
        return (
          <Button
            key={action}
            variant="outline"
            size="sm"
            disabled={power.pending}
            onClick={(event) => {
              if (action === "boot") return void boot();
              opener.current = event.currentTarget;
              setConfirming(action);
            }}
            aria-label={`${ACTION_LABELS[action]} ${instance.label}`}
          >
            <Icon aria-hidden />
            {ACTION_LABELS[action]}
          </Button>
        );
      })}
      <PowerConfirmDialog instance={instance} action={confirming} onClose={() => setConfirming(null)} returnFocusTo={opener} />
    </>
  );
}
