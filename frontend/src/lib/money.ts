/**
 * Money arrives from the API as decimal strings ("12.50", "0.01786"). It is never turned into a
 * JavaScript number: arithmetic runs on BigInt minor units at a fixed scale.
 */

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** A decimal string as an integer count of 10^-scale units. Throws on anything not decimal. */
export function toUnits(value: string, scale: number): bigint {
  const match = DECIMAL.exec(value.trim());
  if (!match) throw new Error(`Not a decimal amount: ${JSON.stringify(value)}`);
  const [, sign, whole, fraction = ""] = match;
  const kept = fraction.slice(0, scale).padEnd(scale, "0");
  const dropped = fraction.slice(scale);
  let units = BigInt(whole + kept);
  // Round half up on the first dropped digit.
  if (dropped && dropped[0] >= "5") units += 1n;
  return sign ? -units : units;
}

/** Integer units back to a decimal string with exactly `scale` fraction digits. */
export function fromUnits(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return (negative ? "-" : "") + (scale ? `${grouped}.${fraction}` : grouped);
}

/** "$12.50": a monthly price, two decimals. */
export function formatMonthly(amount: string): string {
  return formatDollars(fromUnits(toUnits(amount, 2), 2));
}

/** "$0.0179": an hourly price, up to five decimals, at least two. */
export function formatHourly(amount: string): string {
  const exact = fromUnits(toUnits(amount, 5), 5);
  return formatDollars(exact.replace(/(\.\d\d\d*?)0+$/, "$1"));
}

function formatDollars(text: string): string {
  return text.startsWith("-") ? `-$${text.slice(1)}` : `$${text}`;
}

/** `a - b` of two decimal strings, as a decimal string at `scale` digits. */
export function subtract(a: string, b: string, scale = 2): string {
  return fromUnits(toUnits(a, scale) - toUnits(b, scale), scale).replace(/,/g, "");
}

/** `a + b` of two decimal strings, as a decimal string at `scale` digits. */
export function add(a: string, b: string, scale = 2): string {
  return fromUnits(toUnits(a, scale) + toUnits(b, scale), scale).replace(/,/g, "");
}

/** -1, 0 or 1 as `a` is less than, equal to or more than `b`. */
export function compare(a: string, b: string, scale = 5): number {
  const difference = toUnits(a, scale) - toUnits(b, scale);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}
