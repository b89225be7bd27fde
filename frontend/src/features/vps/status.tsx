import {
  CircleCheck,
  CircleHelp,
  CirclePause,
  CircleStop,
  CircleX,
  Clock,
  Loader2,
  Trash2,
  Wrench,
  type LucideIcon,
} from "lucide-react";
import type { InstanceOut } from "@/client/types.gen";
import { Badge } from "@/components/ui/badge";
import { cn } from "@/lib/utils";

type Tone = "success" | "secondary" | "destructive" | "warning" | "default";
type StatusLook = { label: string; icon: LucideIcon; tone: Tone; spin?: boolean };

const LOOKS: Record<string, StatusLook> = {
  pending: { label: "Pending", icon: Clock, tone: "default", spin: false },
  provisioning: { label: "Provisioning", icon: Loader2, tone: "default", spin: true },
  running: { label: "Running", icon: CircleCheck, tone: "success" },
  stopped: { label: "Stopped", icon: CircleStop, tone: "secondary" },
  starting: { label: "Booting", icon: Loader2, tone: "default", spin: true },
  stopping: { label: "Shutting down", icon: Loader2, tone: "default", spin: true },
  rebooting: { label: "Rebooting", icon: Loader2, tone: "default", spin: true },
  rebuilding: { label: "Rebuilding", icon: Loader2, tone: "default", spin: true },
  resizing: { label: "Resizing", icon: Loader2, tone: "default", spin: true },
  deleting: { label: "Deleting", icon: Loader2, tone: "default", spin: true },
  deleted: { label: "Deleted", icon: Trash2, tone: "secondary" },
  failed: { label: "Failed", icon: CircleX, tone: "destructive" },
  maintenance: { label: "Maintenance", icon: Wrench, tone: "warning" },
  suspended: { label: "Suspended", icon: CirclePause, tone: "warning" },
  unknown: { label: "Unknown", icon: CircleHelp, tone: "warning" },
};

export function statusLook(status: string): StatusLook {
  return LOOKS[status] ?? { label: status, icon: CircleHelp, tone: "warning" };
}

/** Icon + text (never colour alone), with the progress percentage while transitional. */
export function StatusBadge({ instance, className }: { instance: InstanceOut; className?: string }) {
  const look = statusLook(instance.status);
  const Icon = look.icon;
  return (
    <Badge variant={look.tone} className={className}>
      <Icon className={cn(look.spin && "animate-spin motion-reduce:animate-none")} aria-hidden />
      {look.label}
      {instance.is_transitional && instance.progress !== null && ` ${instance.progress}%`}
    </Badge>
  );
}

export const ACTIONS = ["boot", "shutdown", "reboot", "rebuild", "resize", "delete"] as const;
export type InstanceAction = (typeof ACTIONS)[number];

export const ACTION_LABELS: Record<InstanceAction, string> = {
  boot: "Boot",
  shutdown: "Shut down",
  reboot: "Reboot",
  rebuild: "Rebuild",
  resize: "Resize",
  delete: "Delete",
};

/** Whether the server allows `action` now (from the API's `allowed_actions` only). */
export function isAllowed(instance: InstanceOut, action: InstanceAction): boolean {
  return instance.allowed_actions.includes(action);
}

/** Why a visible action is disabled, in words. */
export function notAllowedReason(instance: InstanceOut, action: InstanceAction): string {
  const look = statusLook(instance.status);
  if (instance.is_transitional) return `Wait until ${look.label.toLowerCase()} finishes.`;
  if (instance.status === "deleted") return "This server has been deleted.";
  switch (action) {
    case "boot":
      return "Only a stopped server can boot.";
    case "shutdown":
    case "reboot":
      return `Only a running server can ${action === "reboot" ? "reboot" : "shut down"}.`;
    case "delete":
      return `A ${look.label.toLowerCase()} server cannot be deleted now.`;
    default:
      return `Only a running or stopped server can ${action}.`;
  }
}
