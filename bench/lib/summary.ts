/**
 * Summaries across rounds: the median with the min and max.
 * @module
 */

/** A figure measured over several rounds. */
export interface Spread {
  /** Median of the rounds. */
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** How many rounds. */
  readonly n: number;
}

/**
 * Median, min and max of some rounds' values.
 * @param values one value per round
 * @returns the spread (NaN everywhere when there is no value)
 */
export function spread(values: readonly number[]): Spread {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const min = v[0];
  const max = v.at(-1);
  if (min === undefined || max === undefined) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const mid = v.length >> 1;
  const upper = v[mid] ?? max;
  const median = v.length % 2 ? upper : ((v[mid - 1] ?? min) + upper) / 2;
  return { median, min, max, n: v.length };
}

/**
 * Formats a spread as `median (min–max)` with a number of decimals.
 * @param s the spread
 * @param digits decimals
 * @returns the text, `–` when empty
 */
export function fmtSpread(s: Spread | undefined, digits = 1): string {
  if (!s || s.n === 0) return "–";
  const f = (x: number) => x.toFixed(digits);
  return s.n === 1 || s.min === s.max ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}
