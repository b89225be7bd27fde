import { useQuery } from "@tanstack/react-query";
import { CircleCheck, CircleX, Loader2 } from "lucide-react";
import { listInstanceEventsOptions } from "@/client/@tanstack/react-query.gen";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { absoluteTime, duration, relativeTime } from "@/lib/time";
import { cn } from "@/lib/utils";

/** The server's events, newest first: icon by status, relative time, duration, failures in red. */
export function ActivityTimeline({ instanceId, transitional }: { instanceId: string; transitional: boolean }) {
  const events = useQuery({
    ...listInstanceEventsOptions({ path: { instance_id: instanceId } }),
    refetchInterval: transitional ? 3_000 : 30_000,
    refetchIntervalInBackground: false,
  });
  if (events.isPending)
    return (
      <div className="grid gap-3" aria-busy="true">
        {[0, 1, 2].map((index) => (
          <Skeleton key={index} className="h-12" />
        ))}
      </div>
    );
  if (events.isError)
    return (
      <p className="text-sm text-muted-foreground">
        Could not load the activity.{" "}
        <Button variant="link" className="h-auto p-0" onClick={() => void events.refetch()}>
          Retry
        </Button>
      </p>
    );
  if (!events.data.events.length) return <p className="text-sm text-muted-foreground">No activity yet.</p>;
  return (
    <ol className="grid gap-0" aria-label="Activity">
      {events.data.events.map((event) => {
        const running = !event.finished_at && event.status !== "failed" && event.status !== "succeeded";
        const failed = event.status === "failed";
        const Icon = failed ? CircleX : running ? Loader2 : CircleCheck;
        return (
          <li
            key={event.id}
            className={cn(
              "relative grid grid-cols-[auto_1fr] gap-3 border-l-2 border-border py-3 pl-4",
              running && "border-primary bg-primary/5",
              failed && "border-destructive",
            )}
          >
            <Icon
              className={cn(
                "mt-0.5 size-4",
                failed ? "text-destructive-foreground" : running ? "animate-spin text-primary" : "text-success-foreground",
              )}
              aria-hidden
            />
            <div className="grid gap-0.5">
              <p className={cn("text-sm", failed && "text-destructive-foreground")}>
                <span className="sr-only">{failed ? "Failed: " : running ? "In progress: " : "Done: "}</span>
                {event.message}
              </p>
              <p className="text-xs text-muted-foreground">
                <time dateTime={event.created_at} title={absoluteTime(event.created_at)}>
                  {relativeTime(event.created_at)}
                </time>
                {event.finished_at && <> · took {duration(event.created_at, event.finished_at)}</>}
                {running && " · in progress"}
              </p>
            </div>
          </li>
        );
      })}
    </ol>
  );
}
