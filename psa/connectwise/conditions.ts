/**
 * Building ConnectWise `conditions` query values. Strings go in double quotes; a double quote or backslash inside
 * one is escaped with a backslash.
 *
 * `contains` and `like` run as SQL Server LIKE, where `[`…`]` is a character class and `%`/`_` are wildcards (README
 * "Quirks"): a marker such as `[ratchet:ep-1]` searched as is would match the wrong tickets or none. So the search
 * uses the longest run of the marker free of those characters, and the caller confirms the exact marker in the
 * summaries it gets back.
 */

/** `"value"` with `"` and `\` escaped. */
export function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Characters SQL Server LIKE treats specially, and the quote/escape characters of the conditions grammar. */
const LIKE_SPECIAL = /[[\]%_^"\\]/;

/** The longest stretch of `marker` that a LIKE-based `contains` matches literally. */
export function literalSearchTerm(marker: string): string {
  const parts = marker.split(new RegExp(LIKE_SPECIAL.source, 'g'));
  return parts.reduce((best, p) => (p.length > best.length ? p : best), '');
}

/** `company/id=N and summary contains "…"`: tickets of one company whose summary holds the marker's literal part. */
export function markerConditions(company: number, marker: string): string {
  return `company/id=${company} and summary contains ${quoted(literalSearchTerm(marker))}`;
}
