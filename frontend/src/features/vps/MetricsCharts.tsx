import { useQuery } from "@tanstack/react-query";
import { Activity } from "lucide-react";
import * as React from "react";
import { Area, AreaChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { getInstanceMetricsOptions } from "@/client/@tanstack/react-query.gen";
import { QueryProblem } from "@/components/query-problem";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { cn } from "@/lib/utils";

type Point = [number, number];
const PERIODS = [
  { id: "24h", label: "24 hours" },
  { id: "7d", label: "7 days" },
] as const;

/** 1234567 -> "1.23 Mb/s": bits per second with automatic units. */
export function formatBits(bitsPerSecond: number): string {
  const units = ["b/s", "Kb/s", "Mb/s", "Gb/s", "Tb/s"];
  let value = bitsPerSecond;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value >= 100 || unit === 0 ? 0 : value >= 10 ? 1 : 2)} ${units[unit]}`;
}

function formatPercent(value: number): string {
  return `${value.toFixed(1)}%`;
}

export function stats(points: Point[]): { max: number; avg: number; last: number } | null {
  if (!points.length) return null;
  const values = points.map(([, value]) => value);
  return {
    max: Math.max(...values),
    avg: values.reduce((sum, value) => sum + value, 0) / values.length,
    last: values[values.length - 1],
  };
}

const timeFormat = new Intl.DateTimeFormat("en", { hour: "2-digit", minute: "2-digit" });
const dayFormat = new Intl.DateTimeFormat("en", { weekday: "short", hour: "2-digit" });

export function MetricsCharts({
  instanceId,
  label,
  emptyMessage,
}: {
  instanceId: string;
  label: string;
  /** What an empty chart says: depends on whether the server ever ran. */
  emptyMessage: string;
}) {
  const [period, setPeriod] = React.useState<"24h" | "7d">("24h");
  const metrics = useQuery({
    ...getInstanceMetricsOptions({ path: { instance_id: instanceId }, query: { period } }),
    refetchInterval: 60_000,
    placeholderData: (previous) => previous,
  });
  const tick = (seconds: number) => (period === "24h" ? timeFormat : dayFormat).format(new Date(seconds * 1000));

  return (
    <section aria-labelledby="metrics-title" className="grid gap-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="metrics-title" className="text-lg font-semibold">
          Metrics
        </h2>
        <div role="group" aria-label="Period" className="flex gap-1">
          {PERIODS.map((option) => (
            <Button
              key={option.id}
              type="button"
              size="sm"
              variant={period === option.id ? "secondary" : "ghost"}
              aria-pressed={period === option.id}
              onClick={() => setPeriod(option.id)}
            >
              {option.label}
            </Button>
          ))}
        </div>
      </div>
      {/* Beside the charts, not instead: a failed refresh keeps the last ones on screen. */}
      <QueryProblem query={metrics} title="Metrics are not available right now" />
      {metrics.isPending ? (
        <div className="grid gap-4 lg:grid-cols-2">
          <Skeleton className="h-64" />
          <Skeleton className="h-64" />
        </div>
      ) : (
        metrics.data && (
          <div className="grid gap-4 lg:grid-cols-2">
            <ChartCard
              title="CPU"
              label={label}
              series={[{ name: "CPU", points: metrics.data.metrics.cpu as Point[], colour: "var(--color-primary)" }]}
              format={formatPercent}
              tick={tick}
              emptyMessage={emptyMessage}
              area
            />
            <ChartCard
              title="Network"
              label={label}
              series={[
                { name: "In", points: metrics.data.metrics.network_in as Point[], colour: "var(--color-primary)" },
                { name: "Out", points: metrics.data.metrics.network_out as Point[], colour: "var(--color-success)" },
              ]}
              format={formatBits}
              tick={tick}
              emptyMessage={emptyMessage}
            />
          </div>
        )
      )}
    </section>
  );
}

function ChartCard({
  title,
  label,
  series,
  format,
  tick,
  area = false,
  emptyMessage,
}: {
  title: string;
  label: string;
  series: { name: string; points: Point[]; colour: string }[];
  format: (value: number) => string;
  tick: (seconds: number) => string;
  area?: boolean;
  emptyMessage: string;
}) {
  const empty = series.every((entry) => entry.points.length === 0);
  const rows = new Map<number, Record<string, number>>();
  for (const entry of series) {
    for (const [time, value] of entry.points) {
      rows.set(time, { ...(rows.get(time) ?? { time }), [entry.name]: value });
    }
  }
  const data = [...rows.values()].sort((a, b) => a.time - b.time);
  const tableId = `${title.toLowerCase()}-data`;
  return (
    <figure className="grid gap-2 rounded-xl border border-border bg-card p-4">
      <figcaption className="flex flex-wrap items-baseline justify-between gap-2">
        <span className="font-medium">{title}</span>
        <span className="flex flex-wrap gap-3 text-xs text-muted-foreground">
          {series.map((entry) => {
            const summary = stats(entry.points);
            return summary ? (
              <span key={entry.name}>
                {series.length > 1 && <strong className="font-medium text-foreground">{entry.name}: </strong>}
                max {format(summary.max)} · avg {format(summary.avg)} · last {format(summary.last)}
              </span>
            ) : null;
          })}
        </span>
      </figcaption>
      {empty ? (
        <div className="flex h-52 flex-col items-center justify-center gap-2 text-center text-sm text-muted-foreground">
          <Activity className="size-6" aria-hidden />
          {emptyMessage}
        </div>
      ) : (
        <div className="h-52" aria-hidden>
          <ResponsiveContainer width="100%" height="100%">
            {area ? (
              <AreaChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" stroke="var(--color-border)" />
                <XAxis dataKey="time" tickFormatter={tick} stroke="var(--color-muted-foreground)" fontSize={11} minTickGap={40} />
                <YAxis tickFormatter={format} stroke="var(--color-muted-foreground)" fontSize={11} width={56} />
                <Tooltip labelFormatter={(value) => tick(Number(value))} formatter={(value) => format(Number(value))} />
                {series.map((entry) => (
                  <Area key={entry.name} dataKey={entry.name} stroke={entry.colour} fill={entry.colour} fillOpacity={0.15} isAnimationActive={false} />
                ))}
              </AreaChart>
            ) : (
              <LineChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" stroke="var(--color-border)" />
                <XAxis dataKey="time" tickFormatter={tick} stroke="var(--color-muted-foreground)" fontSize={11} minTickGap={40} />
                <YAxis tickFormatter={format} stroke="var(--color-muted-foreground)" fontSize={11} width={64} />
                <Tooltip labelFormatter={(value) => tick(Number(value))} formatter={(value) => format(Number(value))} />
                {series.map((entry) => (
                  <Line key={entry.name} dataKey={entry.name} stroke={entry.colour} dot={false} isAnimationActive={false} />
                ))}
              </LineChart>
            )}
          </ResponsiveContainer>
        </div>
      )}
      {!empty && (
        <table id={tableId} className="sr-only">
          <caption>
            {title} of {label}
          </caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              {series.map((entry) => (
                <th key={entry.name} scope="col">
                  {entry.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.map((row) => (
              <tr key={row.time}>
                <th scope="row">{new Date(row.time * 1000).toLocaleString("en")}</th>
                {series.map((entry) => (
                  <td key={entry.name} className={cn()}>
                    {row[entry.name] === undefined ? "" : format(row[entry.name])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </figure>
  );
}
