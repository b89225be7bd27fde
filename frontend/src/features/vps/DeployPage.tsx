import { nativeSelectClass } from "@/components/ui/native-select";
import { type UseQueryResult, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { AlertCircle, Cpu, Globe, HardDrive, Loader2, MemoryStick, Network, Rocket } from "lucide-react";
import * as React from "react";
import { toast } from "sonner";
import { isApiError } from "@/api/http";
import {
  deployInstanceMutation,
  listImagesOptions,
  listPlansOptions,
  listRegionsOptions,
} from "@/client/@tanstack/react-query.gen";
import type { ImageOut, OfferedPlanOut, RegionOut } from "@/client/types.gen";
import { QueryProblem } from "@/components/query-problem";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button, buttonVariants } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { compare, formatHourly, formatMonthly } from "@/lib/money";
import { cn } from "@/lib/utils";
import { groupImages } from "./images";
import { invalidateInstanceLists, writeInstance } from "./api";
import { CONTINENT_ORDER, continentOf, countryCodeOf } from "./geo";
import { RootPasswordField } from "./PasswordField";
import { labelProblem, rootPassProblem, suggestHostname } from "./rules";
import { SavedSshKeysField } from "./SavedSshKeysField";
import { SshKeysField } from "./SshKeysField";
import { parseSshKey } from "./sshKey";

export type DeployPrefill = { region?: string; plan?: string; image?: string; label?: string };

type Values = {
  region: string;
  plan: string;
  image: string;
  label: string;
  rootPass: string;
  sshKeys: string[];
  sshKeyIds: string[];
};
type Field = "region" | "plan" | "image" | "label" | "rootPass" | "sshKeys" | "sshKeyIds";
// The API's field names (422 `fields`) -> this form's inputs.
const SERVER_FIELDS: Record<string, Field> = {
  region: "region",
  type: "plan",
  image: "image",
  label: "label",
  root_pass: "rootPass",
  ssh_keys: "sshKeys",
  ssh_key_ids: "sshKeyIds",
};

function memory(mb: number): string {
  return mb >= 1024 ? `${(mb / 1024).toFixed(mb % 1024 ? 1 : 0)} GB` : `${mb} MB`;
}

function formatTransfer(gb: number): string {
  return gb >= 1000 ? `${(gb / 1000).toFixed(gb % 1000 ? 1 : 0)} TB` : `${gb} GB`;
}

/** The idempotency key of one deploy attempt: reused while the body is the same. */
function useAttemptKey() {
  const attempt = React.useRef<{ key: string; body: string } | null>(null);
  return {
    keyFor(body: string): string {
      if (!attempt.current || attempt.current.body !== body) {
        attempt.current = { key: crypto.randomUUID(), body };
      }
      return attempt.current.key;
    },
    forget() {
      attempt.current = null;
    },
  };
}

/**
 * The deploy page: region -> plan -> image -> details -> summary with Deploy, on one page.
 * `firstServer`: shown in place of the empty list.
 */
export function DeployPage({ firstServer = false, prefill }: { firstServer?: boolean; prefill?: DeployPrefill }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [values, setValues] = React.useState<Values>({
    region: prefill?.region ?? "",
    plan: prefill?.plan ?? "",
    image: prefill?.image ?? "",
    label: prefill?.label ?? "",
    rootPass: "",
    sshKeys: [],
    sshKeyIds: [],
  });
  const [labelEdited, setLabelEdited] = React.useState(Boolean(prefill?.label));
  const [touched, setTouched] = React.useState<Partial<Record<Field, boolean>>>({});
  const [serverErrors, setServerErrors] = React.useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = React.useState<string | null>(null);
  const [notice, setNotice] = React.useState("");
  const attempt = useAttemptKey();

  const regions = useQuery(listRegionsOptions());
  const plans = useQuery({
    ...listPlansOptions({ query: { region: values.region } }),
    enabled: Boolean(values.region),
  });
  const images = useQuery({
    ...listImagesOptions({ query: { plan: values.plan } }),
    enabled: Boolean(values.plan),
  });
  const deploy = useMutation({ ...deployInstanceMutation() });

  const region = regions.data?.regions.find((r) => r.id === values.region);
  const plan = plans.data?.plans.find((p) => p.id === values.plan);
  const image = images.data?.images.find((i) => i.id === values.image);

  const set = <K extends keyof Values>(key: K, value: Values[K]) => {
    setValues((current) => ({ ...current, [key]: value }));
    setServerErrors((current) => ({ ...current, [key]: undefined }));
  };

  // Changing region clears a plan not offered there, and says so.
  React.useEffect(() => {
    if (!plans.data || !values.plan) return;
    if (!plans.data.plans.some((p) => p.id === values.plan)) {
      setValues((current) => ({ ...current, plan: "", image: "" }));
      setNotice(`The plan you chose is not offered in ${region?.label ?? "this region"}. Choose another plan.`);
    }
  }, [plans.data, values.plan, region?.label]);

  // An image not available for the new plan is cleared too.
  React.useEffect(() => {
    if (!images.data || !values.image) return;
    if (!images.data.images.some((i) => i.id === values.image)) {
      setValues((current) => ({ ...current, image: "" }));
    }
  }, [images.data, values.image]);

  // The hostname is suggested from image and region until the user edits it.
  React.useEffect(() => {
    if (labelEdited) return;
    setValues((current) => ({ ...current, label: suggestHostname(image?.distribution ?? image?.label, region?.label) }));
  }, [labelEdited, image?.distribution, image?.label, region?.label]);

  const clientErrors: Partial<Record<Field, string>> = {
    region: values.region ? undefined : "Choose a region.",
    plan: values.plan ? undefined : "Choose a plan.",
    image: values.image ? undefined : "Choose an image.",
    label: labelProblem(values.label) ?? undefined,
    rootPass: rootPassProblem(values.rootPass) ?? undefined,
    sshKeys: values.sshKeys.some((key) => key.trim() && !parseSshKey(key).ok)
      ? "Fix or remove the SSH keys marked above."
      : undefined,
  };
  const errorOf = (field: Field) => serverErrors[field] ?? (touched[field] ? clientErrors[field] : undefined);

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setFormError(null);
    setTouched({ region: true, plan: true, image: true, label: true, rootPass: true, sshKeys: true });
    const firstProblem = (Object.keys(clientErrors) as Field[]).find((field) => clientErrors[field]);
    if (firstProblem) {
      document.getElementById(`deploy-${firstProblem}`)?.focus();
      return;
    }
    const body = {
      label: values.label,
      type: values.plan,
      region: values.region,
      image: values.image,
      root_pass: values.rootPass,
      ssh_keys: values.sshKeys.map((key) => key.trim()).filter(Boolean),
      ssh_key_ids: values.sshKeyIds,
    };
    const key = attempt.keyFor(JSON.stringify(body));
    for (let tries = 0; ; tries++) {
      try {
        const result = await deploy.mutateAsync({ body, headers: { "Idempotency-Key": key } });
        writeInstance(queryClient, result.instance);
        void invalidateInstanceLists(queryClient);
        attempt.forget();
        toast.success(`Deploying ${result.instance.label}…`);
        await navigate({ to: "/vps/$instanceId", params: { instanceId: result.instance.id } });
        return;
      } catch (error) {
        if (!isApiError(error)) throw error;
        // The first answer with this key is still being made: ask again shortly, same key.
        if (error.status === 409 && error.code === "idempotency_in_progress" && tries < 5) {
          await new Promise((resolve) => window.setTimeout(resolve, 1500));
          continue;
        }
        if (error.code === "idempotency_key_reused") {
          attempt.forget();
          setFormError("This deploy differs from the one you just sent. Check the details and press Deploy again.");
          return;
        }
        const mapped: Partial<Record<Field, string>> = {};
        const unmatched: string[] = [];
        for (const { field, message } of error.fields) {
          // "ssh_keys[1]" names one key of the list; "ssh_key_ids[0]" one saved key picked.
          const [, name, index] = /^([a-z_]+)(?:\[(\d+)\])?/.exec(field) ?? [];
          const input = SERVER_FIELDS[name ?? ""];
          const text =
            index === undefined ? message : `${name === "ssh_key_ids" ? "Saved key" : "SSH key"} ${Number(index) + 1}: ${message}`;
          if (input) mapped[input] = mapped[input] ? `${mapped[input]} ${text}` : text;
          else unmatched.push(message);
        }
        setServerErrors(mapped);
        const first = (Object.keys(SERVER_FIELDS) as string[]).map((f) => SERVER_FIELDS[f]).find((f) => mapped[f]);
        if (first) document.getElementById(`deploy-${first}`)?.focus();
        if (error.status === 0) setFormError(`${error.detail} Pressing Deploy again is safe: it will not make a second server.`);
        else if (error.status === 429)
          setFormError(error.retryAfter ? `Too many requests. Try again in ${error.retryAfter} s.` : error.detail);
        else if (unmatched.length || !error.fields.length) setFormError(unmatched[0] ?? error.detail);
        return;
      }
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} noValidate className="grid gap-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold">{firstServer ? "Deploy your first server" : "Deploy a server"}</h1>
          <p className="text-sm text-muted-foreground">Choose where it runs, its size and its system. It is ready in about a minute.</p>
        </div>
        {!firstServer && (
          <Link to="/vps" className={buttonVariants({ variant: "outline" })}>
            Back to servers
          </Link>
        )}
      </div>
      <div className="sr-only" aria-live="polite" role="status">
        {notice}
      </div>
      <div className="grid items-start gap-6 lg:grid-cols-[1fr_20rem]">
        <div className="grid gap-6">
          <Section number={1} title="Region" error={errorOf("region")}>
            <RegionPicker
              query={regions}
              value={values.region}
              onChange={(id) => {
                setNotice("");
                set("region", id);
              }}
            />
          </Section>
          <Section number={2} title="Plan" error={errorOf("plan")}>
            {!values.region ? (
              <p className="text-sm text-muted-foreground">Choose a region first.</p>
            ) : (
              <PlanPicker query={plans} value={values.plan} onChange={(id) => set("plan", id)} />
            )}
            {notice && <p className="text-sm text-warning-foreground">{notice}</p>}
          </Section>
          <Section number={3} title="Image" error={errorOf("image")}>
            {!values.plan ? (
              <p className="text-sm text-muted-foreground">Choose a plan first.</p>
            ) : (
              <ImagePicker query={images} value={values.image} onChange={(id) => set("image", id)} />
            )}
          </Section>
          <Section number={4} title="Details">
            <div className="grid gap-5">
              <div className="grid gap-2">
                <label htmlFor="deploy-label" className="text-sm font-medium">
                  Hostname
                </label>
                <Input
                  id="deploy-label"
                  value={values.label}
                  onChange={(event) => {
                    setLabelEdited(true);
                    set("label", event.target.value);
                  }}
                  onBlur={() => setTouched((t) => ({ ...t, label: true }))}
                  autoComplete="off"
                  spellCheck={false}
                  aria-invalid={errorOf("label") || (values.label && clientErrors.label) ? true : undefined}
                  aria-describedby="deploy-label-help"
                  className="font-mono"
                />
                <p
                  id="deploy-label-help"
                  className={cn("text-xs", errorOf("label") || (values.label && clientErrors.label) ? "text-destructive-foreground" : "text-muted-foreground")}
                >
                  {serverErrors.label ?? (values.label ? clientErrors.label : undefined) ?? "Like web1 or web1.example.com: letters, digits, '-' and dots, starting with a letter."}
                </p>
              </div>
              <RootPasswordField
                id="deploy-rootPass"
                value={values.rootPass}
                onChange={(value) => set("rootPass", value)}
                error={serverErrors.rootPass ?? (touched.rootPass ? clientErrors.rootPass : undefined)}
              />
              <SavedSshKeysField
                selected={values.sshKeyIds}
                onChange={(ids) => set("sshKeyIds", ids)}
                serverError={serverErrors.sshKeyIds}
              />
              <SshKeysField
                keys={values.sshKeys}
                onChange={(keys) => set("sshKeys", keys)}
                serverError={serverErrors.sshKeys ?? (touched.sshKeys ? clientErrors.sshKeys : undefined)}
              />
            </div>
          </Section>
        </div>
        <Summary region={region} plan={plan} image={image} label={values.label} pending={deploy.isPending} formError={formError} />
      </div>
    </form>
  );
}

function Section({
  number,
  title,
  error,
  children,
}: {
  number: number;
  title: string;
  error?: string;
  children: React.ReactNode;
}) {
  const id = `deploy-section-${number}`;
  return (
    <section aria-labelledby={id} className="grid gap-3 rounded-xl border border-border bg-card p-4 sm:p-5">
      <h2 id={id} className="flex items-center gap-2 text-base font-semibold">
        <span className="flex size-6 items-center justify-center rounded-full bg-primary text-xs text-primary-foreground" aria-hidden>
          {number}
        </span>
        {title}
      </h2>
      {children}
      {error && <p className="text-sm text-destructive-foreground">{error}</p>}
    </section>
  );
}

const cardClass =
  "relative flex cursor-pointer rounded-lg border border-border bg-background p-3 text-sm outline-none transition-colors hover:border-primary/60 has-[input:checked]:border-primary has-[input:checked]:bg-primary/5 has-[:focus-visible]:ring-[3px] has-[:focus-visible]:ring-ring/60";

function RegionPicker({
  query,
  value,
  onChange,
}: {
  query: UseQueryResult<{ regions: RegionOut[] }, unknown>;
  value: string;
  onChange: (id: string) => void;
}) {
  if (query.isPending) return <CardSkeletons count={6} />;
  // A failed refresh keeps the last regions to choose from, with the reason above them.
  const problem = <QueryProblem query={query} title="Could not load the regions" />;
  if (!query.data) return problem;
  const regions = query.data.regions;
  if (!regions.length)
    return (
      <>
        {problem}
        <p className="text-sm text-muted-foreground">No region is open for new servers yet. Please check back later.</p>
      </>
    );
  const groups = new Map<string, RegionOut[]>();
  for (const region of regions) {
    const continent = continentOf(region.country);
    groups.set(continent, [...(groups.get(continent) ?? []), region]);
  }
  return (
    <>
      {problem}
      <div className="grid gap-4" role="radiogroup" aria-label="Region" id="deploy-region" tabIndex={-1}>
        {CONTINENT_ORDER.filter((continent) => groups.has(continent)).map((continent) => (
          <fieldset key={continent} className="grid gap-2">
            <legend className="mb-1 text-xs font-medium uppercase tracking-wide text-muted-foreground">{continent}</legend>
            <div className="grid grid-cols-1 gap-2 sm:grid-cols-2 xl:grid-cols-3">
              {groups.get(continent)!.map((region) => (
                <label key={region.id} className={cardClass}>
                  <input
                    type="radio"
                    name="region"
                    value={region.id}
                    checked={value === region.id}
                    onChange={() => onChange(region.id)}
                    className="sr-only"
                  />
                  <span className="flex items-center gap-2">
                    {countryCodeOf(region.country) ? (
                      <span
                        className="rounded border px-1 font-mono text-xs font-semibold text-muted-foreground"
                        aria-hidden
                      >
                        {countryCodeOf(region.country)}
                      </span>
                    ) : (
                      <Globe className="size-4 text-muted-foreground" aria-hidden />
                    )}
                    <span className="font-medium">{region.label}</span>
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
        ))}
      </div>
    </>
  );
}

function PlanPicker({
  query,
  value,
  onChange,
}: {
  query: UseQueryResult<{ plans: OfferedPlanOut[] }, unknown>;
  value: string;
  onChange: (id: string) => void;
}) {
  if (query.isPending) return <CardSkeletons count={3} />;
  const problem = <QueryProblem query={query} title="Could not load the plans" />;
  if (!query.data) return problem;
  const plans = [...query.data.plans].sort((a, b) => compare(a.price_monthly, b.price_monthly));
  if (!plans.length)
    return (
      <>
        {problem}
        <p className="text-sm text-muted-foreground">No plan is offered in this region. Choose another region.</p>
      </>
    );
  return (
    <>
      {problem}
      <div className="grid grid-cols-1 gap-2 sm:grid-cols-2 xl:grid-cols-3" role="radiogroup" aria-label="Plan" id="deploy-plan" tabIndex={-1}>
        {plans.map((plan) => (
          <label key={plan.id} className={cn(cardClass, "flex-col gap-2")}>
            <input type="radio" name="plan" value={plan.id} checked={value === plan.id} onChange={() => onChange(plan.id)} className="sr-only" />
            <span className="flex items-baseline justify-between gap-2">
              <span className="font-medium">{plan.name}</span>
              <span className="text-right">
                <span className="font-semibold">{formatMonthly(plan.price_monthly)}</span>
                <span className="text-muted-foreground">/mo</span>
              </span>
            </span>
            <span className="grid grid-cols-2 gap-1 text-xs text-muted-foreground">
              <span className="inline-flex items-center gap-1"><Cpu className="size-3.5" aria-hidden />{plan.vcpus} vCPU</span>
              <span className="inline-flex items-center gap-1"><MemoryStick className="size-3.5" aria-hidden />{memory(plan.memory_mb)} RAM</span>
              <span className="inline-flex items-center gap-1"><HardDrive className="size-3.5" aria-hidden />{plan.disk_gb} GB disk</span>
              <span className="inline-flex items-center gap-1"><Network className="size-3.5" aria-hidden />{formatTransfer(plan.transfer_gb)} transfer</span>
            </span>
            <span className="text-xs text-muted-foreground">{formatHourly(plan.price_hourly)}/hr</span>
          </label>
        ))}
      </div>
    </>
  );
}

function ImagePicker({
  query,
  value,
  onChange,
}: {
  query: UseQueryResult<{ images: ImageOut[] }, unknown>;
  value: string;
  onChange: (id: string) => void;
}) {
  if (query.isPending) return <CardSkeletons count={4} />;
  const problem = <QueryProblem query={query} title="Could not load the images" />;
  if (!query.data) return problem;
  // Newest version first in each distribution: choosing "Ubuntu" picks the newest Ubuntu.
  const groups = groupImages(query.data.images);
  if (!groups.size)
    return (
      <>
        {problem}
        <p className="text-sm text-muted-foreground">No image fits this plan. Choose another plan.</p>
      </>
    );
  return (
    <>
      {problem}
      <div className="grid grid-cols-1 gap-2 sm:grid-cols-2 xl:grid-cols-3" role="radiogroup" aria-label="Image" id="deploy-image" tabIndex={-1}>
        {[...groups.entries()].map(([distribution, versions]) => {
          const chosen = versions.find((image) => image.id === value);
          const selectId = `image-version-${distribution.replace(/\W+/g, "-")}`;
          return (
            <div key={distribution} className={cn(cardClass, "flex-col gap-2", chosen && "border-primary bg-primary/5")}>
              <label className="flex cursor-pointer items-center gap-2 font-medium">
                <input
                  type="radio"
                  name="image"
                  value={distribution}
                  checked={Boolean(chosen)}
                  onChange={() => onChange((chosen ?? versions[0]).id)}
                  className="size-4 accent-[var(--color-primary)]"
                />
                {distribution}
              </label>
              {versions.length > 1 ? (
                <>
                  <label htmlFor={selectId} className="sr-only">{distribution} version</label>
                  <select
                    id={selectId}
                    value={chosen?.id ?? versions[0].id}
                    onChange={(event) => onChange(event.target.value)}
                    className={cn(nativeSelectClass, "h-8")}
                  >
                    {versions.map((image) => (
                      <option key={image.id} value={image.id}>
                        {image.version ?? image.label}
                      </option>
                    ))}
                  </select>
                </>
              ) : (
                <span className="text-xs text-muted-foreground">{versions[0].version ?? versions[0].label}</span>
              )}
            </div>
          );
        })}
      </div>
    </>
  );
}

function Summary({
  region,
  plan,
  image,
  label,
  pending,
  formError,
}: {
  region?: RegionOut;
  plan?: OfferedPlanOut;
  image?: ImageOut;
  label: string;
  pending: boolean;
  formError: string | null;
}) {
  return (
    <aside
      aria-label="Summary"
      className="sticky bottom-0 z-10 -mx-4 grid gap-3 border-t border-border bg-card p-4 shadow-lg lg:top-20 lg:mx-0 lg:rounded-xl lg:border lg:shadow-sm"
    >
      <h2 className="hidden text-base font-semibold lg:block">Summary</h2>
      <dl className="hidden gap-y-1 text-sm lg:grid lg:grid-cols-[auto_1fr] lg:gap-x-3">
        <dt className="text-muted-foreground">Hostname</dt>
        <dd className="truncate font-mono">{label || "—"}</dd>
        <dt className="text-muted-foreground">Region</dt>
        <dd>{region?.label ?? "—"}</dd>
        <dt className="text-muted-foreground">Plan</dt>
        <dd>{plan?.name ?? "—"}</dd>
        <dt className="text-muted-foreground">Image</dt>
        <dd>{image?.label ?? "—"}</dd>
      </dl>
      {/* justify-normal on lg: space-between would size the grid's one column to its content, not the card. */}
      <div className="flex items-center justify-between gap-3 lg:grid lg:justify-normal">
        <p aria-live="polite">
          {plan ? (
            <>
              <span className="text-xl font-semibold">{formatMonthly(plan.price_monthly)}</span>
              <span className="text-sm text-muted-foreground">/mo</span>
              <span className="block text-xs text-muted-foreground">{formatHourly(plan.price_hourly)}/hr</span>
            </>
          ) : (
            <span className="text-sm text-muted-foreground">Choose a plan to see the price.</span>
          )}
        </p>
        <Button type="submit" size="lg" disabled={pending} className="lg:w-full">
          {pending ? <Loader2 className="animate-spin" aria-hidden /> : <Rocket aria-hidden />}
          {pending ? "Deploying…" : "Deploy"}
        </Button>
      </div>
      {formError && (
        <Alert variant="destructive">
          <AlertCircle aria-hidden />
          <AlertDescription>{formError}</AlertDescription>
        </Alert>
      )}
    </aside>
  );
}

function CardSkeletons({ count }: { count: number }) {
  return (
    <div className="grid grid-cols-1 gap-2 sm:grid-cols-2 xl:grid-cols-3" aria-busy="true">
      {Array.from({ length: count }, (_, index) => (
        <Skeleton key={index} className="h-16" />
      ))}
    </div>
  );
}
