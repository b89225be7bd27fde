import { Search } from "lucide-react";
import * as React from "react";
import type { ProviderConfiguration, ProviderOut, UpstreamRegion } from "@/client/types.gen";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { useUpstreamRegions } from "./api";
import { isProviderType, readConfiguration, TYPE_TOGGLES, type ToggleKey, typeName } from "./format";
import { SwitchField } from "./SwitchField";
import { QueryProblem } from "@/components/query-problem";

/** The configuration as edited: `onlyRegions` false means every region (no `allowed_regions`). */
export type ConfigDraft = {
  default: boolean;
  onlyRegions: boolean;
  regions: string[];
} & Record<ToggleKey, boolean>;

export type ConfigErrors = Partial<Record<"regions" | "default" | ToggleKey, string>>;

export function draftFrom(provider: Pick<ProviderOut, "configuration">): ConfigDraft {
  const config = readConfiguration(provider.configuration);
  return {
    default: config.default,
    onlyRegions: config.allowed_regions !== null,
    regions: config.allowed_regions ?? [],
    backup_enabled: config.backup_enabled,
    private_ip_enabled: config.private_ip_enabled,
    ipv6_enabled: config.ipv6_enabled,
    vpc_enabled: config.vpc_enabled,
  };
}

/** The body's `configuration`: only the keys valid for the type (others are a 422). */
export function configurationFrom(draft: ConfigDraft, type: string): ProviderConfiguration {
  const configuration: ProviderConfiguration = { default: draft.default };
  if (draft.onlyRegions) configuration.allowed_regions = draft.regions;
  for (const toggle of isProviderType(type) ? TYPE_TOGGLES[type] : []) configuration[toggle.key] = draft[toggle.key];
  return configuration;
}

/** A problem the server would refuse anyway, said before sending. */
export function draftProblems(draft: ConfigDraft): ConfigErrors {
  return draft.onlyRegions && draft.regions.length === 0
    ? { regions: "Choose at least one region, or allow every region." }
    : {};
}

/** The server's 422/409 on a configuration, put on the matching control. */
export function configErrorsFrom(fields: { field: string; message: string }[], code: string, detail: string): ConfigErrors {
  const errors: ConfigErrors = {};
  for (const { field, message } of fields) {
    if (field.startsWith("configuration.allowed_regions")) errors.regions = message;
    else if (field === "configuration.default") errors.default = message;
    else {
      const key = field.replace(/^configuration\./, "") as ToggleKey;
      if (["backup_enabled", "private_ip_enabled", "ipv6_enabled", "vpc_enabled"].includes(key)) errors[key] = message;
    }
  }
  if (code === "default_provider_exists") errors.default = detail;
  return errors;
}

/** Allowed regions (from the account's real regions) and the create options of its type. */
export function ConfigureFields({
  provider,
  value,
  onChange,
  errors,
  idPrefix,
}: {
  provider: Pick<ProviderOut, "id" | "type" | "name">;
  value: ConfigDraft;
  onChange: (next: ConfigDraft) => void;
  errors: ConfigErrors;
  idPrefix: string;
}) {
  const toggles = isProviderType(provider.type) ? TYPE_TOGGLES[provider.type] : [];
  return (
    <div className="grid gap-4">
      <RegionsField provider={provider} value={value} onChange={onChange} error={errors.regions} idPrefix={idPrefix} />
      <fieldset className="grid gap-2">
        <legend className="mb-2 text-sm font-medium">Options for new servers</legend>
        {toggles.map((toggle) => (
          <SwitchField
            key={toggle.key}
            id={`${idPrefix}-${toggle.key}`}
            label={toggle.label}
            description={toggle.description}
            error={errors[toggle.key]}
            checked={value[toggle.key]}
            onCheckedChange={(checked) => onChange({ ...value, [toggle.key]: checked })}
          />
        ))}
      </fieldset>
      <SwitchField
        id={`${idPrefix}-default`}
        label={`Default ${typeName(provider.type)} account`}
        description={`Used for ${typeName(provider.type)} catalog look-ups that name no account. One account per type.`}
        error={errors.default}
        checked={value.default}
        onCheckedChange={(checked) => onChange({ ...value, default: checked })}
      />
    </div>
  );
}

function RegionsField({
  provider,
  value,
  onChange,
  error,
  idPrefix,
}: {
  provider: Pick<ProviderOut, "id" | "type" | "name">;
  value: ConfigDraft;
  onChange: (next: ConfigDraft) => void;
  error?: string;
  idPrefix: string;
}) {
  const regions = useUpstreamRegions(provider, true);
  const [filter, setFilter] = React.useState("");
  const offered = regions.data?.regions ?? [];
  // Regions saved earlier that the account no longer offers stay listed, so they can be unticked.
  const gone: UpstreamRegion[] = regions.data
    ? value.regions
        .filter((id) => !offered.some((region) => region.id === id))
        .map((id) => ({ id, label: `${id} (no longer offered)`, country: null, available: false }))
    : [];
  const all = [...offered, ...gone];
  const needle = filter.trim().toLowerCase();
  const shown = needle
    ? all.filter((region) => `${region.label} ${region.id} ${region.country ?? ""}`.toLowerCase().includes(needle))
    : all;
  const chosen = new Set(value.regions);
  // Kept in the checklist's order, so the saved list reads like it.
  const setRegions = (next: Set<string>) =>
    onChange({ ...value, regions: all.map((region) => region.id).filter((id) => next.has(id)) });
  const errorId = `${idPrefix}-regions-error`;

  return (
    <fieldset className="grid gap-3" aria-describedby={error ? errorId : undefined}>
      <legend className="mb-2 text-sm font-medium">Allowed regions</legend>
      <div className="grid gap-2 sm:grid-cols-2">
        <RegionMode
          name={`${idPrefix}-region-mode`}
          checked={!value.onlyRegions}
          onSelect={() => onChange({ ...value, onlyRegions: false })}
          title="Every region"
          text="Plans may use any region this account offers, new ones included."
        />
        <RegionMode
          name={`${idPrefix}-region-mode`}
          checked={value.onlyRegions}
          onSelect={() => onChange({ ...value, onlyRegions: true })}
          title="Only the regions I choose"
          text="Plans may use only the regions ticked below."
        />
      </div>
      {error && (
        <p id={errorId} className="text-sm text-destructive-foreground">
          {error}
        </p>
      )}
      {value.onlyRegions && (
        <div className="grid gap-2">
          {/* Above the list, not instead: a failed refresh keeps the regions already shown. */}
          <QueryProblem query={regions} title={`Could not load the regions of ${provider.name}`} />
          {regions.isPending ? (
            <div className="grid gap-2 sm:grid-cols-2" aria-busy="true" aria-label="Loading regions">
              {Array.from({ length: 6 }, (_, index) => (
                <Skeleton key={index} className="h-11" />
              ))}
            </div>
          ) : !regions.data ? null : (
            <>
              <div className="flex flex-wrap items-center gap-2">
                <div className="relative min-w-0 flex-1 basis-48">
                  <Search aria-hidden className="pointer-events-none absolute left-2.5 top-2.5 size-4 text-muted-foreground" />
                  <Input
                    type="search"
                    aria-label="Filter regions"
                    placeholder="Filter regions"
                    value={filter}
                    onChange={(event) => setFilter(event.target.value)}
                    className="pl-8"
                  />
                </div>
                <Button
                  type="button"
                  variant="outline"
                  size="sm"
                  onClick={() => setRegions(new Set([...chosen, ...shown.map((r) => r.id)]))}
                >
                  Select all{needle ? " shown" : ""}
                </Button>
                <Button
                  type="button"
                  variant="outline"
                  size="sm"
                  onClick={() => setRegions(new Set([...chosen].filter((id) => !shown.some((r) => r.id === id))))}
                >
                  Select none{needle ? " shown" : ""}
                </Button>
              </div>
              <p className="text-xs text-muted-foreground" aria-live="polite">
                {value.regions.length} of {offered.length} regions chosen
              </p>
              {shown.length === 0 ? (
                <p className="text-sm text-muted-foreground">No region matches “{filter}”.</p>
              ) : (
                <ul className="grid max-h-72 gap-1 overflow-y-auto rounded-lg border border-border p-1 sm:grid-cols-2">
                  {shown.map((region) => (
                    <RegionOption
                      key={region.id}
                      region={region}
                      id={`${idPrefix}-region-${region.id}`}
                      checked={chosen.has(region.id)}
                      onChange={(checked) => {
                        const next = new Set(chosen);
                        if (checked) next.add(region.id);
                        else next.delete(region.id);
                        setRegions(next);
                      }}
                    />
                  ))}
                </ul>
              )}
            </>
          )}
        </div>
      )}
    </fieldset>
  );
}

function RegionMode({
  name,
  checked,
  onSelect,
  title,
  text,
}: {
  name: string;
  checked: boolean;
  onSelect: () => void;
  title: string;
  text: string;
}) {
  return (
    <label className="flex cursor-pointer gap-3 rounded-lg border border-border p-3 text-sm transition-colors hover:border-primary/60 has-[input:checked]:border-primary has-[input:checked]:bg-primary/5 has-[:focus-visible]:ring-[3px] has-[:focus-visible]:ring-ring/60">
      <input type="radio" name={name} checked={checked} onChange={onSelect} className="mt-0.5 size-4 accent-[var(--primary)] outline-none" />
      <span className="grid gap-0.5">
        <span className="font-medium">{title}</span>
        <span className="text-xs text-muted-foreground">{text}</span>
      </span>
    </label>
  );
}

function RegionOption({
  region,
  id,
  checked,
  onChange,
}: {
  region: UpstreamRegion;
  id: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <li>
      <label
        htmlFor={id}
        className="flex cursor-pointer items-center gap-3 rounded-md px-2 py-1.5 text-sm hover:bg-accent has-[:focus-visible]:ring-[3px] has-[:focus-visible]:ring-ring/60"
      >
        <input
          id={id}
          type="checkbox"
          checked={checked}
          onChange={(event) => onChange(event.target.checked)}
          className="size-4 shrink-0 accent-[var(--primary)] outline-none"
        />
        <span className="grid min-w-0 flex-1">
          <span className="truncate">{region.label}</span>
          <span className="truncate font-mono text-xs text-muted-foreground">
            {region.id}
            {region.country ? ` · ${region.country.toUpperCase()}` : ""}
          </span>
        </span>
        {!region.available && <Badge variant="warning">Unavailable now</Badge>}
      </label>
    </li>
  );
}
