import type { ImageOut } from "@/client/types.gen";

/** The numbers in a version, "24.04 LTS" -> [24, 4]; none for "rolling". */
function versionNumbers(version: string): number[] {
  return (version.match(/\d+/g) ?? []).map(Number);
}

/**
 * Newer first: 24.04 before 22.04 before 20.04, 12 before 11, compared number by number.
 * A version without numbers goes after those with; two without keep the API's order.
 */
export function compareVersionsNewestFirst(a: string, b: string): number {
  const left = versionNumbers(a);
  const right = versionNumbers(b);
  if (!left.length || !right.length) return Number(!left.length) - Number(!right.length);
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (right[index] ?? 0) - (left[index] ?? 0);
    if (difference) return difference;
  }
  return 0;
}

/** Images grouped by distribution, each group newest version first (the default choice). */
export function groupImages(images: readonly ImageOut[]): Map<string, ImageOut[]> {
  const groups = new Map<string, ImageOut[]>();
  for (const image of images) {
    const name = image.distribution ?? image.label;
    groups.set(name, [...(groups.get(name) ?? []), image]);
  }
  for (const versions of groups.values())
    versions.sort((a, b) => compareVersionsNewestFirst(a.version ?? a.label, b.version ?? b.label));
  return groups;
}
