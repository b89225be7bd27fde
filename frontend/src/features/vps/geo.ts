/** Where a region is, for grouping region cards: continent by ISO country code, and its flag. */

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

/** The flag emoji of a two-letter country code ("de" -> 🇩🇪), or "" when there is none. */
export function flagOf(country: string | null): string {
  if (!country || !/^[a-z]{2}$/i.test(country)) return "";
  const code = country.toUpperCase() === "UK" ? "GB" : country.toUpperCase();
  return String.fromCodePoint(...[...code].map((char) => 0x1f1e6 + char.charCodeAt(0) - 65));
}
