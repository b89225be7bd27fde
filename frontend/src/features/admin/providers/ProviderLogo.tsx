import { cn } from "@/lib/utils";
import { type ProviderType, isProviderType } from "./format";

/** Simple marks in each brand's colour (admins only; customers never see a provider). White on
 * these colours keeps at least 4.5:1 contrast. */
const MARKS: Record<ProviderType, { background: string; letters: string }> = {
  linode: { background: "#00754a", letters: "Li" },
  digitalocean: { background: "#0057d9", letters: "DO" },
};

export function ProviderLogo({ type, className }: { type: string; className?: string }) {
  const mark = isProviderType(type) ? MARKS[type] : { background: "#52525b", letters: "?" };
  return (
    <svg
      viewBox="0 0 32 32"
      aria-hidden
      focusable="false"
      className={cn("size-10 shrink-0", className)}
      data-provider-logo={type}
    >
      {type === "digitalocean" ? (
        <circle cx="16" cy="16" r="16" fill={mark.background} />
      ) : (
        <path d="M16 1 29.86 9v14L16 31 2.14 23V9Z" fill={mark.background} />
      )}
      <text
        x="16"
        y="16"
        dy="0.36em"
        textAnchor="middle"
        fontFamily="ui-sans-serif, system-ui, sans-serif"
        fontSize="12"
        fontWeight="700"
        fill="#ffffff"
      >
        {mark.letters}
      </text>
    </svg>
  );
}
