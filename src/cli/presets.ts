/**
 * Which parameter presets can run the command's jobs: training needs
 * {@link LEVELS_PER_ITERATION} levels per iteration, one more for W and one
 * left for decryption, so presets with fewer levels are neither offered nor
 * accepted (they are refused before any key is made), and insecure test
 * presets only with `--allow-insecure`.
 *
 * @module
 */

import { type ParametersLiteral, PRESETS } from '../ckks/index.js';
import { LEVELS_PER_ITERATION, TRAINING_BOOTSTRAP_PRESETS, type TrainingBootstrapPreset } from '../mlr/index.js';
import { UsageError } from './args.js';

/** The fewest levels (ciphertext primes minus one) a parameter set needs to train. */
export const MIN_TRAIN_LEVELS = LEVELS_PER_ITERATION + 2;

/**
 * The levels of a parameters literal, read from its prime list without building tables.
 * @param lit the literal
 * @returns the number of ciphertext primes minus one (-1 if it lists none)
 * @throws never
 */
export function literalLevels(lit: Readonly<ParametersLiteral>): number {
  return (lit.logQ?.length ?? lit.Q?.length ?? 0) - 1;
}

/**
 * Whether a preset is for tests only (above the security bound).
 * @param name the preset's name
 * @returns true when its literal carries the insecure opt-in
 * @throws never
 */
export function isInsecurePreset(name: string): boolean {
  return Object.hasOwn(PRESETS, name) && PRESETS[name].unsafeAllowInsecure !== undefined;
}

/**
 * The presets offered for training: secure ones with enough levels.
 * @returns their names, in the order of PRESETS
 * @throws never
 */
export function trainablePresets(): string[] {
  return Object.keys(PRESETS).filter((n) => literalLevels(PRESETS[n]) >= MIN_TRAIN_LEVELS && !isInsecurePreset(n));
}

/**
 * A preset name for a training job (`hecnn train`, `hecnn keygen`), checked
 * before any key is made.
 * @param name the name given with --preset
 * @param allowInsecure whether --allow-insecure was given
 * @returns the name, a key of PRESETS
 * @throws UsageError if no preset has that name, it has too few levels to train, or it is insecure without --allow-insecure
 */
export function parseTrainPreset(name: string, allowInsecure = false): string {
  const offered = trainablePresets().join(', ');
  if (!Object.hasOwn(PRESETS, name)) throw new UsageError(`unknown preset ${name}; presets that can train: ${offered}`);
  const levels = literalLevels(PRESETS[name]);
  if (levels < MIN_TRAIN_LEVELS) {
    throw new UsageError(`preset ${name} has ${levels} ${levels === 1 ? 'level' : 'levels'}; training needs at least ${MIN_TRAIN_LEVELS} levels (${LEVELS_PER_ITERATION} per iteration, 1 for the weights, 1 left to decrypt); presets that can train: ${offered}`);
  }
  if (isInsecurePreset(name) && !allowInsecure) throw new UsageError(`preset ${name} is above the security bound (tests only); pass --allow-insecure to use it anyway`);
  return name;
}

/** How the weights get fresh levels during training. */
export type RefreshMode = 'bootstrap' | 'owner';

/**
 * The refresh mode of a command line (`--refresh`): `bootstrap` (the server
 * bootstraps the weights itself; the owner stays offline) for the presets of
 * TRAINING_BOOTSTRAP_PRESETS, `owner` (round trips to the data owner) for
 * every other parameter set; each is the default where it applies.
 * @param value the value given with --refresh, if any
 * @param preset the preset's name, or undefined for --params
 * @returns the mode and, for `bootstrap`, the preset's bootstrapping
 * @throws UsageError on an unknown mode, `bootstrap` for parameters without a bootstrapping chain, or `owner` for a bootstrapping preset
 */
export function parseRefreshMode(value: string | undefined, preset: string | undefined): { refresh: RefreshMode; boot: TrainingBootstrapPreset | undefined } {
  const boot = preset !== undefined && Object.hasOwn(TRAINING_BOOTSTRAP_PRESETS, preset) ? TRAINING_BOOTSTRAP_PRESETS[preset] : undefined;
  const mode = value ?? (boot === undefined ? 'owner' : 'bootstrap');
  if (mode !== 'bootstrap' && mode !== 'owner') throw new UsageError(`--refresh must be bootstrap or owner, got ${mode}`);
  if (mode === 'owner' && boot !== undefined) {
    throw new UsageError(`--refresh owner: ${preset}'s chain is laid out for bootstrapping (its levels for Z = X V^T sit where bootstrapped weights land); for owner round trips use a preset without bootstrapping, e.g. PN16QP690_TRAIN_SEC128`);
  }
  if (mode === 'bootstrap' && boot === undefined) {
    throw new UsageError(`--refresh bootstrap needs a preset with a bootstrapping chain (${Object.keys(TRAINING_BOOTSTRAP_PRESETS).join(', ')}); ${preset ?? 'these parameters'} has none`);
  }
  return { refresh: mode, boot: mode === 'bootstrap' ? boot : undefined };
}
