/**
 * `hecnn keygen` (data owner): a secret-key file and an evaluation-key file for
 * the training plan of a part width.
 *
 * @module
 */

import { join } from 'node:path';
import { INSECURE_OPT_IN, KeyGenerator, type Parameters, type ParametersLiteral, PRESETS, createParameters, randomSeed } from '../ckks/index.js';
import { DataOwner, KEY_ID_BYTES, type KeyPlan, type TrainingBootstrapPreset, encodeEvaluationKeysFile, encodeSecretKeyFile, generateSigningKey, keyIdHex, trainingLayout } from '../mlr/index.js';
import { type OptionValues, UsageError, parseOptions, requireValue } from './args.js';
import { MIN_TRAIN_LEVELS, parseRefreshMode, parseTrainPreset } from './presets.js';
import { DEFAULT_PRESET, KEYGEN_HELP, showHelp } from './help.js';
import { mb, say, writeFilesAtomic } from './io.js';
import { checkOutputs, makeDirectory, removeDirectories } from './outputs.js';

/** The options of `hecnn keygen`. */
export const KEYGEN_OPTIONS = {
  out: { type: 'string' },
  preset: { type: 'string' },
  params: { type: 'string' },
  width: { type: 'string' },
  refresh: { type: 'string' },
  'allow-insecure': { type: 'boolean' },
  force: { type: 'boolean' },
} as const;

/** The usage line of `hecnn keygen`. */
export const KEYGEN_USAGE = 'hecnn keygen --out DIR [--preset NAME | --params JSON] [--width W] [--refresh bootstrap|owner] [--force] [--allow-insecure]';

/**
 * The parameters of --preset or --params (default: the default preset).
 * @param v the parsed options
 * @returns the parameters
 * @throws UsageError if both are given, the JSON does not parse or is not an object, or the preset is unknown; CkksError if the literal is invalid or insecure without --allow-insecure
 */
function keygenParams(v: OptionValues<typeof KEYGEN_OPTIONS>): Parameters {
  if (v.preset !== undefined && v.params !== undefined) throw new UsageError('give --preset or --params, not both');
  let lit: ParametersLiteral;
  if (v.params !== undefined) {
    try {
      lit = JSON.parse(v.params) as ParametersLiteral;
    } catch (e) {
      throw new UsageError(`--params is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof lit !== 'object' || lit === null || Array.isArray(lit)) throw new UsageError('--params must be a JSON object (a parameters literal)');
  } else {
    lit = { ...PRESETS[parseTrainPreset(v.preset ?? DEFAULT_PRESET, v['allow-insecure'] === true)] };
  }
  if (v['allow-insecure'] === true) lit = { ...lit, unsafeAllowInsecure: INSECURE_OPT_IN };
  else if ('unsafeAllowInsecure' in lit) lit = { ...lit, unsafeAllowInsecure: undefined };
  const params = createParameters(lit);
  // The keys are for training: refuse a chain too short for one iteration before any key is made.
  if (params.maxLevel < MIN_TRAIN_LEVELS) throw new UsageError(`--params has ${params.maxLevel} ${params.maxLevel === 1 ? "level" : "levels"}; training needs at least ${MIN_TRAIN_LEVELS} levels`);
  return params;
}

/**
 * Run `hecnn keygen`: writes DIR/secret.key (mode 0600) and DIR/eval.keys,
 * both or neither; an existing key set is replaced only with --force.
 * @param argv the arguments after `keygen`
 * @returns the exit code (0)
 * @throws UsageError on bad arguments, an existing key set without --force, or files that cannot be written; CkksError on invalid parameters
 */
export function runKeygen(argv: readonly string[]): number {
  const v = parseOptions(argv, KEYGEN_OPTIONS, KEYGEN_USAGE);
  if (v === 'help') return showHelp(KEYGEN_HELP);
  const out = requireValue('--out', v.out);
  const params = keygenParams(v);
  const { boot } = parseRefreshMode(v.refresh, v.params === undefined ? (v.preset ?? DEFAULT_PRESET) : undefined);
  const width = v.width === undefined ? Math.min(256, params.slots) : Number(v.width);
  if (!Number.isInteger(width) || width < 2 || width > params.slots || (width & (width - 1)) !== 0) {
    throw new UsageError(`--width must be a power of two in [2, ${params.slots}], got ${v.width}`);
  }
  // The rotation keys depend on the slot count and the width only (rotationStepsFor).
  const layout = trainingLayout(params, { n: 1, d: width, K: 1 }, width);
  // The output is checked (and DIR made) before any key is: an existing key set is replaced only
  // with --force (every upload made with the old key would become undecryptable).
  const skPath = join(out, 'secret.key');
  const evPath = join(out, 'eval.keys');
  const created = makeDirectory(out);
  let written = false;
  try {
    checkOutputs([{ flag: '--out', path: skPath, kind: 'keep' }, { flag: '--out', path: evPath, kind: 'keep' }], { force: v.force === true });
    return generate(params, width, layout, boot, skPath, evPath, () => (written = true));
  } finally {
    if (!written) removeDirectories(created);
  }
}

/**
 * Generate the key set and write it, all or nothing.
 * @param params the parameters
 * @param width the part width
 * @param layout the layout whose rotations the keys serve
 * @param skPath where the secret key goes
 * @param evPath where the evaluation keys go
 * @param onWritten called once both files are in place
 * @returns the exit code (0)
 * @throws UsageError if the files cannot be written (neither is then left)
 */
function generate(params: Parameters, width: number, layout: ReturnType<typeof trainingLayout>, boot: TrainingBootstrapPreset | undefined, skPath: string, evPath: string, onWritten: () => void): number {
  // Bootstrapping needs the sparse secret its EvalMod was sized for.
  const sk = new KeyGenerator(params, boot === undefined ? {} : { hammingWeight: boot.hammingWeight }).genSecretKey();
  const owner = DataOwner.fromSecretKey(params, sk);
  let skFile: Uint8Array | undefined;
  // The owner's Ed25519 signing key: kept in secret.key, signs eval.keys (and, in encrypt, the upload).
  const signingKey = generateSigningKey();
  try {
    // Held compact while written (seed and b_j: the seeded file is the same, and the a_j never all sit in memory).
    const keys = owner.evaluationKeys(layout, boot === undefined ? { compact: true } : { bootstrap: boot.config, compact: true });
    const plan: KeyPlan = { keyId: randomSeed().slice(0, KEY_ID_BYTES), width, signingKey, ...(boot === undefined ? {} : { bootstrap: { config: boot.config, hammingWeight: boot.hammingWeight } }) };
    skFile = encodeSecretKeyFile(params, sk, plan);
    const evFile = encodeEvaluationKeysFile(params, keys, plan);
    writeFilesAtomic([
      { file: skPath, content: skFile, mode: 0o600 },
      { file: evPath, content: evFile },
    ]);
    onWritten();
    say(`hecnn keygen: N = ${params.N}, ${params.maxLevel} levels, part width ${width}, key id ${keyIdHex(plan.keyId)}`);
    say(`  ${skPath}: ${mb(skFile.length)} (owner only)`);
    say(`  ${evPath}: ${mb(evFile.length)} (relinearization + ${keys.galois.size} Galois keys${boot === undefined ? '; the owner refreshes the weights' : `, bootstrapping included: the server refreshes the weights itself (${boot.config.slots} slots, secret of Hamming weight ${boot.hammingWeight})`}; signed by the owner's key in secret.key)`);
    return 0;
  } finally {
    skFile?.fill(0);
    signingKey.fill(0);
    owner.wipe();
  }
}
