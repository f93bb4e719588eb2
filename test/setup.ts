/**
 * Test setup: fast-check properties run from a fixed seed so that CI is
 * deterministic (a failing case is then reproducible run after run). One
 * variable varies every randomized test: FC_SEED=<n> sets fast-check's global
 * seed here, and the fuzz suites, which pass their own seed to fc.assert,
 * take it through {@link fuzzSeed}. fast-check prints the seed of a failure:
 * rerun with FC_SEED set to it.
 */
import fc from 'fast-check';

/** The global seed when FC_SEED is not set. */
export const DEFAULT_FC_SEED = 20261121;

/**
 * FC_SEED as an integer seed.
 * @returns the seed, or undefined when FC_SEED is not set (or empty)
 * @throws Error if FC_SEED is set to something other than an integer
 */
function envSeed(): number | undefined {
  const v = process.env.FC_SEED;
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * The seed of a fuzz suite: its own fixed seed, or FC_SEED when that is set
 * (FC_SEED itself, so that the seed fast-check prints reproduces the failure).
 * @param fixed the suite's seed without FC_SEED
 * @returns the seed to pass to fc.assert
 * @throws Error if FC_SEED is not an integer
 */
export function fuzzSeed(fixed: number): number {
  return envSeed() ?? fixed;
}

fc.configureGlobal({ seed: envSeed() ?? DEFAULT_FC_SEED });
