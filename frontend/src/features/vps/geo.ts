/** Where a region is, for grouping region cards: continent by ISO country code, and its country code. */

const CONTINENTS: Record<string, string> = {
  us: "North America", ca: "North America", mx: "North America",
  br: "South America", ar: "South America", cl: "South America", co: "South America",
  gb: "Europe", uk: "Europe", de: "Europe", fr: "Europe", nl: "Europe", se: "Europe", es: "Europe",
  it: "Europe", pl: "Europe", ie: "Europe", fi: "Europe", ch: "Europe", at: "Europe", no: "Europe",
  sg: "Asia", jp: "Asia", in: "Asia", id: "Asia", kr: "Asia", hk: "Asia", tw: "Asia", my: "Asia",
  au: "Oceania", nz: "Oceania",
  za: "Africa", ng: "Africa", ke: "Africa", eg: "Africa",
  ae: "Middle East", il: "Middle East", sa: "Middle East",
};
export const CONTINENT_ORDER = [
  "North America", "South America", "Europe", "Asia", "Oceania", "Africa", "Middle East", "Other",
];

export function continentOf(country: string | null): string {
  return (country && CONTINENTS[country.toLowerCase()]) || "Other";
}

/** The country's ISO code as shown on a region card ("uk" -> "GB"), or "" when there is none.
 * A code, not a flag emoji: Windows and font-less Linux browsers draw flag emoji as empty boxes. */
export function countryCodeOf(country: string | null): string {
  if (!country || !/^[a-z]{2}$/i.test(country)) return "";
  return country.toUpperCase() === "UK" ? "GB" : country.toUpperCase();
}
