import { nativeSelectClass } from "@/components/ui/native-select";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { AlertTriangle, Loader2 } from "lucide-react";
import * as React from "react";
import { toast } from "sonner";
import { isApiError } from "@/api/http";
import {
  deleteInstanceMutation,
  listImagesOptions,
  listResizePlansOptions,
  rebuildInstanceMutation,
  resizeInstanceMutation,
} from "@/client/@tanstack/react-query.gen";
import type { InstanceOut, ResizePlanOut } from "@/client/types.gen";
import { QueryProblem } from "@/components/query-problem";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { compare, formatMonthly } from "@/lib/money";
import { cn } from "@/lib/utils";
import { invalidateInstanceLists, writeInstance } from "./api";
import { actionErrorMessage } from "./actions";
import { RootPasswordField } from "./PasswordField";
import { rootPassProblem } from "./rules";
import { SavedSshKeysField } from "./SavedSshKeysField";

export type DialogAction = "rebuild" | "resize" | "delete";

/** Rebuild, resize and delete, opened from `?action=` so they can be linked. */
export function ActionDialogs({
  instance,
  action,
  onClose,
  onCloseAutoFocus,
}: {
  instance: InstanceOut;
  action: DialogAction | null;
  onClose: () => void;
  /** Opened from a URL or a menu, none has a trigger: the page says where focus returns. */
  onCloseAutoFocus: (event: Event) => void;
}) {
  const props = { instance, onClose, onCloseAutoFocus };
  return (
    <>
      <RebuildDialog {...props} open={action === "rebuild"} />
      <ResizeDialog {...props} open={action === "resize"} />
      <DeleteDialog {...props} open={action === "delete"} />
    </>
  );
}

type DialogProps = {
  instance: InstanceOut;
  open: boolean;
  onClose: () => void;
  onCloseAutoFocus: (event: Event) => void;
};

function ConfirmLabel({ label, value, onChange }: { label: string; value: string; onChange: (value: string) => void }) {
  return (
    <div className="grid gap-2">
      <label htmlFor="confirm-label" className="text-sm">
        Type <strong className="font-mono">{label}</strong> to confirm.
      </label>
      <Input id="confirm-label" value={value} onChange={(event) => onChange(event.target.value)} autoComplete="off" spellCheck={false} className="font-mono" />
    </div>
  );
}

/** After a 202: the body goes into the cache at once, a toast says what started, the dialog closes. */
function useApply(onClose: () => void) {
  const queryClient = useQueryClient();
  return (data: { instance: InstanceOut }, message: string) => {
    writeInstance(queryClient, data.instance);
    void invalidateInstanceLists(queryClient);
    toast.success(message);
    onClose();
  };
}

function RebuildDialog({ instance, open, onClose, onCloseAutoFocus }: DialogProps) {
  const [image, setImage] = React.useState("");
  const [password, setPassword] = React.useState("");
  const [confirm, setConfirm] = React.useState("");
  const [keyIds, setKeyIds] = React.useState<string[]>([]);
  const [error, setError] = React.useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = React.useState<Record<string, string>>({});
  const images = useQuery({
    ...listImagesOptions({ query: { plan: instance.plan.id ?? "" } }),
    enabled: open && Boolean(instance.plan.id),
  });
  const rebuild = useMutation({ ...rebuildInstanceMutation() });
  const apply = useApply(onClose);
  React.useEffect(() => {
    if (!open) return;
    setImage("");
    setPassword("");
    setConfirm("");
    setKeyIds([]);
    setError(null);
    setFieldErrors({});
  }, [open]);
  // Some clouds keep the credentials a server was created with; the API refuses a password there.
  const takesPassword = instance.capabilities.rebuild_sets_credentials;
  const passwordProblem = !takesPassword
    ? null
    : password
      ? rootPassProblem(password)
      : "Enter a root password.";
  const ready = Boolean(image) && !passwordProblem && confirm === instance.label;
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (!ready) return;
    try {
      const data = await rebuild.mutateAsync({
        path: { instance_id: instance.id },
        // No saved key ticked: the server's own keys are installed again.
        body: takesPassword
          ? { image, root_pass: password, ...(keyIds.length ? { ssh_key_ids: keyIds } : {}) }
          : { image },
      });
      apply(data, `Rebuilding ${instance.label}…`);
    } catch (failure) {
      if (isApiError(failure) && failure.fields.length) {
        setFieldErrors(Object.fromEntries(failure.fields.map((f) => [f.field, f.message])));
      }
      setError(actionErrorMessage(failure));
    }
  };
  return (
    <Dialog open={open} onOpenChange={(next) => !next && onClose()}>
      <DialogContent onCloseAutoFocus={onCloseAutoFocus}>
        <form onSubmit={(event) => void submit(event)} className="grid gap-4" noValidate>
          <DialogHeader>
            <DialogTitle>Rebuild {instance.label}</DialogTitle>
            <DialogDescription>Reinstall the server from an image. It keeps its IP addresses and plan.</DialogDescription>
          </DialogHeader>
          <Alert variant="warning">
            <AlertTriangle aria-hidden />
            <AlertDescription>All data on this server will be erased.</AlertDescription>
          </Alert>
          <div className="grid gap-2">
            <label htmlFor="rebuild-image" className="text-sm font-medium">
              Image
            </label>
            <select
              id="rebuild-image"
              value={image}
              onChange={(event) => setImage(event.target.value)}
              aria-invalid={fieldErrors.image ? true : undefined}
              className={nativeSelectClass}
            >
              <option value="">{images.isPending ? "Loading images…" : "Choose an image"}</option>
              {images.data?.images.map((option) => (
                <option key={option.id} value={option.id}>
                  {option.label}
                </option>
              ))}
            </select>
            {fieldErrors.image && <p className="text-sm text-destructive-foreground">{fieldErrors.image}</p>}
          </div>
          {takesPassword ? (
            <RootPasswordField
              id="rebuild-password"
              value={password}
              onChange={setPassword}
              error={fieldErrors.root_pass}
              label="New root password"
            />
          ) : null}
          {takesPassword ? (
            <SavedSshKeysField
              id="rebuild-ssh-key-ids"
              selected={keyIds}
              onChange={setKeyIds}
              serverError={Object.entries(fieldErrors).find(([field]) => field.startsWith("ssh_key_ids"))?.[1]}
              description="Tick keys to install them instead of the server's current keys; leave all unticked to keep those."
            />
          ) : (
            <p className="text-sm text-muted-foreground">
              This server keeps its current root password and SSH keys after the rebuild.
            </p>
          )}
          <ConfirmLabel label={instance.label} value={confirm} onChange={setConfirm} />
          {error && (
            <Alert variant="destructive">
              <AlertDescription>{error}</AlertDescription>
            </Alert>
          )}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" variant="destructive" disabled={!ready || rebuild.isPending}>
              {rebuild.isPending && <Loader2 className="animate-spin" aria-hidden />}
              Rebuild {instance.label}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

function ResizeDialog({ instance, open, onClose, onCloseAutoFocus }: DialogProps) {
  const [plan, setPlan] = React.useState("");
  const [confirm, setConfirm] = React.useState("");
  const [error, setError] = React.useState<string | null>(null);
  // Exactly the plans the API's resize accepts, priced for this server's region.
  const plans = useQuery({
    ...listResizePlansOptions({ path: { instance_id: instance.id } }),
    enabled: open,
  });
  const resize = useMutation({ ...resizeInstanceMutation() });
  const apply = useApply(onClose);
  React.useEffect(() => {
    if (!open) return;
    setPlan("");
    setConfirm("");
    setError(null);
  }, [open]);
  const ready = Boolean(plan) && confirm === instance.label;
  const noChoice = plans.data?.plans.length === 0;
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (!ready) return;
    try {
      const data = await resize.mutateAsync({ path: { instance_id: instance.id }, body: { type: plan } });
      apply(data, `Resizing ${instance.label}…`);
    } catch (failure) {
      setError(isApiError(failure) ? (failure.fieldMessage("type") ?? actionErrorMessage(failure)) : actionErrorMessage(failure));
    }
  };
  return (
    <Dialog open={open} onOpenChange={(next) => !next && onClose()}>
      <DialogContent className="max-w-2xl" onCloseAutoFocus={onCloseAutoFocus}>
        <form onSubmit={(event) => void submit(event)} className="grid gap-4" noValidate>
          <DialogHeader>
            <DialogTitle>Resize {instance.label}</DialogTitle>
            <DialogDescription>
              Move the server to a larger plan. It restarts during the move; its data and IP addresses stay.
            </DialogDescription>
          </DialogHeader>
          <p className="text-sm">
            Current plan: <Badge variant="secondary">{instance.plan.name ?? "—"}</Badge>
          </p>
          {/* Above the plans, not instead: a failed refresh keeps the choice on screen. */}
          <QueryProblem query={plans} title="Could not load the plans" />
          {plans.isPending ? (
            <div role="status" aria-label="Loading plans" className="grid gap-2 sm:grid-cols-2">
              {Array.from({ length: 2 }, (_, index) => (
                <Skeleton key={index} className="h-[76px]" />
              ))}
            </div>
          ) : !plans.data ? null : plans.data.plans.length === 0 ? (
            <p className="text-sm text-muted-foreground">
              No larger plan is available in this region ({instance.region.label}).
            </p>
          ) : (
            <div role="radiogroup" aria-label="New plan" className="grid gap-2 sm:grid-cols-2">
              {plans.data.plans.map((option) => (
                <PlanOption key={option.id} option={option} checked={plan === option.id} onChange={() => setPlan(option.id)} />
              ))}
            </div>
          )}
          {/* Nothing to choose: only the explanation and a way out, no confirmation to type. */}
          {!noChoice && <ConfirmLabel label={instance.label} value={confirm} onChange={setConfirm} />}
          {error && (
            <Alert variant="destructive">
              <AlertDescription>{error}</AlertDescription>
            </Alert>
          )}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={onClose}>
              {noChoice ? "Close" : "Cancel"}
            </Button>
            {!noChoice && (
              <Button type="submit" disabled={!ready || resize.isPending}>
                {resize.isPending && <Loader2 className="animate-spin" aria-hidden />}
                Resize {instance.label}
              </Button>
            )}
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** "+$7.00/mo more", "$2.50/mo less" or "Same price", from the API's decimal string. */
function priceDifference(difference: string): string {
  const sign = compare(difference, "0");
  if (sign === 0) return "Same price";
  if (sign > 0) return `+${formatMonthly(difference)}/mo`;
  return `${formatMonthly(difference.replace(/^-/, ""))}/mo less`;
}

function PlanOption({ option, checked, onChange }: { option: ResizePlanOut; checked: boolean; onChange: () => void }) {
  return (
    <label
      className={cn(
        "relative flex cursor-pointer flex-col gap-1 rounded-lg border border-border p-3 text-sm has-[:focus-visible]:ring-[3px] has-[:focus-visible]:ring-ring/60",
        checked && "border-primary bg-primary/5",
      )}
    >
      <input type="radio" name="resize-plan" className="sr-only" checked={checked} onChange={onChange} />
      <span className="flex justify-between gap-2 font-medium">
        {option.name}
        <span>{formatMonthly(option.price_monthly)}/mo</span>
      </span>
      <span className="text-xs text-muted-foreground">
        {option.vcpus} vCPU · {option.memory_mb >= 1024 ? `${option.memory_mb / 1024} GB` : `${option.memory_mb} MB`} RAM · {option.disk_gb} GB disk
      </span>
      <span className="text-xs">{priceDifference(option.price_difference_monthly)}</span>
    </label>
  );
}

function DeleteDialog({ instance, open, onClose, onCloseAutoFocus }: DialogProps) {
  const [confirm, setConfirm] = React.useState("");
  const [error, setError] = React.useState<string | null>(null);
  const remove = useMutation({ ...deleteInstanceMutation() });
  const apply = useApply(onClose);
  React.useEffect(() => {
    if (!open) return;
    setConfirm("");
    setError(null);
  }, [open]);
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (confirm !== instance.label) return;
    try {
      const data = await remove.mutateAsync({ path: { instance_id: instance.id } });
      apply(data, `Deleting ${instance.label}…`);
    } catch (failure) {
      setError(actionErrorMessage(failure));
    }
  };
  return (
    <Dialog open={open} onOpenChange={(next) => !next && onClose()}>
      <DialogContent onCloseAutoFocus={onCloseAutoFocus}>
        <form onSubmit={(event) => void submit(event)} className="grid gap-4" noValidate>
          <DialogHeader>
            <DialogTitle>Delete {instance.label}</DialogTitle>
            <DialogDescription>
              The server and all its data are destroyed. Its IP addresses are released. This cannot be undone.
            </DialogDescription>
          </DialogHeader>
          <ConfirmLabel label={instance.label} value={confirm} onChange={setConfirm} />
          {error && (
            <Alert variant="destructive">
              <AlertDescription>{error}</AlertDescription>
            </Alert>
          )}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" variant="destructive" disabled={confirm !== instance.label || remove.isPending}>
              {remove.isPending && <Loader2 className="animate-spin" aria-hidden />}
              Delete {instance.label}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
