/**
 * Refreshing the trainer's weights by bootstrapping, on the server, without
 * the secret key (Chiang 2023, section 6 names bootstrapping as the way past
 * the refresh round trips; the bootstrapping itself is
 * src/circuits/bootstrap: Cheon, Han, Kim, Kim and Song 2018 with the
 * sparse packing of its section 4.3; Bossuat, Mouchet, Troncoso-Pastoriza and
 * Hubaux 2021).
 *
 * The trainer holds, per pair of classes u and column part p, W_u,p and V_u,p:
 * each a full-slot ciphertext whose rows of `width` slots all hold the same
 * `width` complex weights (tiled). That is 2 x pairs x parts "blocks" of
 * `width` distinct values (20 blocks of 256 for the paper's 10 classes and
 * 401 columns), which fit a sparse packing of n = 8,192 slots: one
 * bootstrapping instead of twenty.
 *
 * Pack (1 level, no rotation): block k of a packed ciphertext is
 * mask_k (.) W_k, mask_k holding 1/B on the slots k*width .. k*width + width - 1
 * of every period of n slots and 0 elsewhere. Because W_k is tiled, its slots
 * there already hold its weights, so no rotation is needed, and the sum is
 * periodic with period n: exactly an n-slot (sparse) message. B bounds
 * |weight| (complex modulus): bootstrapping assumes slot values of modulus at
 * most 1.
 *
 * Bootstrap: one {@link Bootstrapper} call per packed ciphertext, at the
 * chain's base, back at the top of the residual chain.
 *
 * Unpack (1 level, log2(n / width) rotations per block): block k is masked
 * out (B on its slots of every period, so the factor 1/B is undone), read as a
 * full-slot ciphertext (its slots are periodic), and replicated over the
 * period by rotate-and-add by width, 2 width, ..., n / 2: every row holds the
 * block's weights again. These are steps the trainer's own row sums use
 * (`rotationStepsFor`), so no key is added for them. The blocks are
 * independent: with the bootstrapping's worker threads (`workers` in the
 * options), some are replicated there (`replicateAll`, bit-identical).
 *
 * Levels of a refresh: pack 1, bootstrapping (its own levels, on top of the
 * chain), unpack 1. With `PN16QP1530_TRAIN_BOOT_H192` (11 residual levels) the
 * trainer gets 10 levels per bootstrapping: 2 iterations of 4 levels on V, 1
 * for W's lag, 1 for the next pack (docs/CIRCUIT.md).
 *
 * @module
 */

import { BOOTSTRAP_PN16QP1530_H192, type BootstrapCost, type BootstrapOptions, Bootstrapper, type CircuitWorkers, replicateAll } from '../circuits/index.js';
import {
  type Ciphertext,
  CkksError,
  type Encoder,
  type EvaluationKeys,
  type Evaluator,
  MissingKeyError,
  type Parameters,
  type Plaintext,
  compactKeysAbove,
  levelModulus,
} from '../ckks/index.js';
import { galoisElementForConjugation, galoisElementForRotation } from '../ntt/index.js';
import { type MatrixLayout, rotationStepsFor } from '../encoding/index.js';
import { type EncryptedWeights, type Refresher, TRAINING_SCALES, TrainerError } from './encrypted.js';

/**
 * Default bound B on the modulus of a weight slot (V_2u + i V_2u+1): the weights
 * are multiplied by 1/B before bootstrapping, whose sine approximation holds for
 * slot values of modulus <= 1. Measured on the bundled data with the plaintext
 * mirror: max |w| 2.41 after 100 iterations on 256 rows (1.21 after 50 on 128),
 * so a complex slot reaches at most 2.41 sqrt(2) = 3.4 < 4. The bootstrapping's
 * absolute error on a weight is B times its error on a slot value
 * ({@link TRAINING_MESSAGE_RATIO}), so the smallest safe power of two is the
 * default. Owners training longer or on other data pass a larger bound (the
 * command checks decrypted weights against it).
 */
export const DEFAULT_WEIGHT_BOUND = 4;

/**
 * log2 of q_0 over a slot value of 1 in the trainer's bootstrapping of 8,192
 * slots at N = 2^16 (`BootstrapOptions.logMessageRatio`; the bootstrapper's
 * default for that slot count is 8). A bootstrapping's error on a slot has
 * two parts: the noise of CoeffsToSlots and EvalMod, fixed in units of q_0
 * and so proportional to 2^ratio once read in slot units; and the sine's own
 * relative error (2 pi x)^2 / 6 on a coefficient x (in units of q_0), which
 * falls as 2^-2 ratio and grows with the cube of the message. Measured at
 * N = 2^16, H = 192, one bootstrapping per ratio and input (the experiment of
 * `npm run bench -- bootratio`, which writes bench/results/bootratio.json),
 * rms and max error in weight units (slot error times B = 4):
 *
 * | ratio | the mirror's W and V after 100 iterations on 256 rows (slots: rms 0.053, max 0.65) | 0.7 sin, 0.7 cos on every slot (rms 0.5) |
 * |---|---|---|
 * | 8 | 1.78e-6, 7.3e-6 | 1.81e-6, 7.6e-6 |
 * | 7 | 8.9e-7, 3.8e-6 | 9.1e-7, 4.1e-6 |
 * | 6 | 4.5e-7, 1.8e-6 | 6.3e-7, 2.5e-6 |
 * | 5 | 2.2e-7, 1.1e-6 | 1.75e-6, 4.6e-6 |
 *
 * The noise dominates down to 6 (the error halves per step); from 5 on the
 * sine does, on large slots. 6 is 4 times more precise than 8 on the weights,
 * and still 3 times on slots of modulus 0.7. The weights' bootstrapping error
 * is the main cause of the trainer's drift from the plaintext mirror
 * (docs/CIRCUIT.md, "Drift from the mirror").
 */
export const TRAINING_MESSAGE_RATIO = 6;

/**
 * How a {@link BootstrapRefresher} holds its transforms' diagonals when it
 * bootstraps at most N/8 slots (its transforms then act on 2n < N/2 values)
 * and its config does not say
 * (`BootstrapOptions.diagonalForm`): both CoeffsToSlots and SlotsToCoeffs as
 * coefficients, brought to NTT form at each use. At `PN16QP1530_TRAIN_BOOT_H192`
 * their diagonals take 190 MiB instead of 2,908 (the trainer bench's
 * `diagonalMiB`; docs/CIRCUIT.md, "Memory"), for one NTT of 2^15 points per
 * limb of each of the 762 diagonals per bootstrapping (0.6 ms a limb). A
 * server choice: key files do not carry it.
 */
export const TRAINING_DIAGONAL_FORM: Readonly<{ cts: 'coefficients'; stc: 'coefficients' }> = Object.freeze({ cts: 'coefficients', stc: 'coefficients' });

/**
 * How the trainer's weights are bootstrapped: the bootstrapper's options and the bound.
 * `slots` (the bootstrapped slot count n) defaults to the smallest power of two
 * holding all blocks; fix it when the keys are made before the class count is
 * known (the Galois keys depend on n, not on the class count: more blocks than
 * n / width take more bootstrappings).
 */
export interface WeightBootstrapConfig extends BootstrapOptions {
  /** Bound B on the modulus of a weight slot (default {@link DEFAULT_WEIGHT_BOUND}). */
  bound?: number;
}

/** A parameter preset's bootstrapping for training: the bootstrapper's options and the secret's Hamming weight. */
export interface TrainingBootstrapPreset {
  /** The weights' bootstrapping (slots fixed, so that the keys do not depend on the class count). */
  readonly config: Readonly<WeightBootstrapConfig>;
  /** Hamming weight of the sparse secret the bootstrapping assumes. */
  readonly hammingWeight: number;
}

/**
 * The presets of src/ckks/presets.ts on which the trainer can bootstrap, by
 * name: `PN16QP1530_TRAIN_BOOT_H192` (n = 8,192 slots: 32 blocks of 256, the
 * paper's 20 in one bootstrapping) and the small insecure test chain
 * `PN11_TRAIN_BOOT_INSECURE` (n = 512).
 */
export const TRAINING_BOOTSTRAP_PRESETS: Readonly<Record<string, TrainingBootstrapPreset>> = Object.freeze({
  PN16QP1530_TRAIN_BOOT_H192: Object.freeze({
    config: Object.freeze({ ...BOOTSTRAP_PN16QP1530_H192, stcLevels: 2, slots: 8192, bound: DEFAULT_WEIGHT_BOUND, logMessageRatio: TRAINING_MESSAGE_RATIO }),
    hammingWeight: 192,
  }),
  PN11_TRAIN_BOOT_INSECURE: Object.freeze({ config: Object.freeze({ ctsLevels: 2, stcLevels: 2, K: 12, doubleAngles: 3, degree: 31, slots: 512, bound: DEFAULT_WEIGHT_BOUND }), hammingWeight: 64 }),
});

/**
 * The level the owner encrypts the upload at when the server bootstraps: one
 * below the bootstrapping's output level, where the unpacked weights land
 * ({@link BootstrapRefresher.outputLevel}), so that every cycle of iterations
 * starts at the same level (the chain's 2-prime levels for Z = X V^T sit
 * where the iterations need them) and the trainer's keys serve the residual
 * chain only.
 * @param params the parameters
 * @param config the weights' bootstrapping
 * @returns a level (top limb index) of the chain
 * @throws CkksError (INVALID_PARAMETERS) if the chain is too short to bootstrap; (INVALID_ARGUMENT) on bad options
 */
export function trainingDataLevel(params: Parameters, config: WeightBootstrapConfig = {}): number {
  const { bound: _b, ...rest } = config;
  const cost = Bootstrapper.cost(params, { ...rest, slots: config.slots ?? params.maxSlots });
  if (cost.residualLevels < 3) throw new CkksError('INVALID_PARAMETERS', 'trainingDataLevel', `the chain leaves ${cost.residualLevels} levels after bootstrapping; the trainer needs at least 3`);
  return params.levelTops[cost.residualLevels - 1];
}

/**
 * How close decrypted weights come to the bound B of their bootstrapping: the
 * largest modulus of a slot (w_2u,j + i w_2u+1,j, the pairs the trainer packs)
 * over B. Above 1 the bootstrapping's sine approximation no longer holds and
 * the model is wrong; the owner checks it after decrypting (the command warns
 * from 0.8 on), since the server cannot see the weights.
 * @param W K x d weights, row-major (DataOwner.decryptWeights)
 * @param bound B
 * @returns max |w_2u,j + i w_2u+1,j| / B
 * @throws TrainerError if the bound is not positive and finite
 */
export function weightBoundRatio(W: { rows: number; cols: number; data: Float64Array }, bound: number): number {
  if (!(Number.isFinite(bound) && bound > 0)) throw new TrainerError('weightBoundRatio', `the bound must be positive and finite, got ${String(bound)}`);
  let m = 0;
  for (let c = 0; c < W.rows; c += 2) {
    for (let j = 0; j < W.cols; j++) {
      const re = W.data[c * W.cols + j];
      const im = c + 1 < W.rows ? W.data[(c + 1) * W.cols + j] : 0;
      m = Math.max(m, Math.hypot(re, im));
    }
  }
  return m / bound;
}

/** How the weights are packed for bootstrapping, and what one refresh costs; known before any key exists. */
export interface WeightBootstrapPlan {
  /** Blocks: W and V of every pair of classes and column part. */
  readonly blocks: number;
  /** Part width: the distinct weights of a block. */
  readonly width: number;
  /** Complex slots n of a bootstrapped ciphertext (a power of two). */
  readonly slots: number;
  /** Blocks per bootstrapped ciphertext (n / width). */
  readonly blocksPerCiphertext: number;
  /** Bootstrappings per refresh. */
  readonly bootstraps: number;
  /** Rotation steps of the unpacking (width, 2 width, ..., n / 2). */
  readonly unpackSteps: readonly number[];
  /** Rotations of the unpacking per refresh (blocks x log2(n / width)). */
  readonly unpackRotations: number;
  /** Levels below the bootstrapping's output a refresh uses (pack 1 + unpack 1). */
  readonly levels: number;
  /** The bootstrapping's options, slots included. */
  readonly options: BootstrapOptions;
  /** The bound B. */
  readonly bound: number;
  /** The cost of one bootstrapping. */
  readonly bootstrapCost: BootstrapCost;
}

/**
 * Plan the bootstrapping of a trainer's weights: n is the smallest power of two
 * holding all blocks (at most N/2; more blocks take more ciphertexts).
 * @param params the parameters (with a bootstrapping chain)
 * @param layout the training layout (its width and part count)
 * @param pairs pairs of classes (ceil(K / 2))
 * @param config the bootstrapper's options and the bound
 * @returns the plan
 * @throws TrainerError if the width exceeds N/2 slots or the bound is not a positive finite number;
 *   CkksError (INVALID_ARGUMENT) on bad bootstrapping options
 */
export function planWeightBootstrap(params: Parameters, layout: MatrixLayout, pairs: number, config: WeightBootstrapConfig = {}): WeightBootstrapPlan {
  const op = 'planWeightBootstrap';
  const bound = config.bound ?? DEFAULT_WEIGHT_BOUND;
  if (!(Number.isFinite(bound) && bound > 0)) throw new TrainerError(op, `the weight bound must be positive and finite, got ${String(bound)}`);
  if (!Number.isInteger(pairs) || pairs < 1) throw new TrainerError(op, `pairs must be a positive integer, got ${String(pairs)}`);
  const width = layout.width;
  const maxSlots = params.maxSlots;
  if (width > maxSlots) throw new TrainerError(op, `the part width ${width} exceeds the ${maxSlots} slots a ciphertext can bootstrap`);
  const blocks = 2 * pairs * layout.parts;
  let slots = width;
  while (slots < blocks * width && slots < maxSlots) slots *= 2;
  // The bootstrapper needs at least 2 slots.
  slots = Math.max(2, slots);
  if (config.slots !== undefined) {
    const n = config.slots;
    if (!Number.isInteger(n) || n < Math.max(2, width) || n > maxSlots || (n & (n - 1)) !== 0) {
      throw new TrainerError(op, `slots must be a power of two in [${Math.max(2, width)}, ${maxSlots}] (at least one block of ${width}), got ${String(n)}`);
    }
    slots = n;
  }
  const blocksPerCiphertext = slots / width;
  const unpackSteps: number[] = [];
  for (let s = width; s < slots; s *= 2) unpackSteps.push(s);
  const { bound: _b, ...rest } = config;
  const options: BootstrapOptions = { ...rest, slots };
  return {
    blocks,
    width,
    slots,
    blocksPerCiphertext,
    bootstraps: Math.ceil(blocks / blocksPerCiphertext),
    unpackSteps,
    unpackRotations: blocks * unpackSteps.length,
    levels: 2,
    options,
    bound,
    bootstrapCost: Bootstrapper.cost(params, options),
  };
}

/**
 * The highest level every evaluation key of a bootstrapping trainer is used
 * at, so that each key holds only the limbs it needs (a key restricted to
 * level l has l + 1 ciphertext limbs and the digits covering them: the
 * trainer's rotation keys at N = 2^16 are about 7 times smaller than at the
 * top). The training circuit's keys (`trainingSteps`, its relinearization and
 * conjugation) serve the residual chain up to the bootstrapping's output
 * level, where the unpacking rotates; the bootstrapper's own are
 * `Bootstrapper.keyLevels`. A key serving both gets the higher level.
 * @param params the parameters
 * @param layout the training layout
 * @param pairs pairs of classes
 * @param config the weights' bootstrapping
 * @param trainingSteps the training circuit's rotation steps (`rotationStepsFor(layout).steps`)
 * @returns levels per rotation step, and of the relinearization and conjugation keys
 * @throws as {@link planWeightBootstrap}
 */
export function weightBootstrapKeyLevels(
  params: Parameters,
  layout: MatrixLayout,
  pairs: number,
  config: WeightBootstrapConfig,
  trainingSteps: readonly number[],
): { steps: Map<number, number>; relin: number; conjugation: number } {
  const plan = planWeightBootstrap(params, layout, pairs, config);
  const boot = Bootstrapper.keyLevels(params, plan.options);
  const out = params.levelTops[plan.bootstrapCost.residualLevels];
  const steps = new Map<number, number>();
  for (const s of [...trainingSteps, ...plan.unpackSteps]) steps.set(s, out);
  for (const [s, l] of boot.rotations) steps.set(s, Math.max(l, steps.get(s) ?? 0));
  return { steps, relin: Math.max(out, boot.relin), conjugation: Math.max(out, boot.conjugation) };
}

/**
 * The evaluation keys as a bootstrapping trainer holds them
 * (`compactKeysAbove`, src/rlwe/compact.ts): every key generated above the
 * training level (the level the bootstrapping leaves) is held compact, its
 * seed and b_j only, the a_j regenerated from the seed when the
 * bootstrapping takes it up; the keys the training circuit and the unpacking
 * use (its rotations, conjugation and relinearization) also get whole copies
 * restricted to the training level, so that an iteration never regenerates a
 * key. At `PN16QP1530_TRAIN_BOOT_H192` the trainer's keys take 3,921 MiB
 * instead of 6,714 whole (4,740 when only the bootstrapping's own keys were
 * compact; the trainer bench): the bootstrapping's keys at half their size,
 * plus 22 whole copies at the training level. The price is about one
 * expansion of each bootstrapping key per use (16 ns per word:
 * src/rlwe/compact.ts). Every result is bit for bit the same.
 * @param params the parameters
 * @param keys the trainer's evaluation keys (not modified; whole keys at or below the training level are shared, not copied)
 * @param layout the training layout
 * @param pairs pairs of classes
 * @param config the weights' bootstrapping
 * @returns the keys, held as described
 * @throws as {@link planWeightBootstrap}; CkksError (INVALID_ARGUMENT) if a key's a_j are not
 *   its seed's expansion (a full-form key file from elsewhere), or a key is missing
 */
export function compactBootstrapKeys(params: Parameters, keys: EvaluationKeys, layout: MatrixLayout, pairs: number, config: WeightBootstrapConfig): EvaluationKeys {
  const plan = planWeightBootstrap(params, layout, pairs, config);
  const { steps, conjugate } = rotationStepsFor(layout);
  const logN = params.logN;
  const serving = new Set([...steps, ...plan.unpackSteps].map((s) => galoisElementForRotation(s, logN)));
  if (conjugate) serving.add(galoisElementForConjugation(logN));
  serving.delete(1);
  const level = params.levelTops[plan.bootstrapCost.residualLevels];
  return compactKeysAbove(params, keys, level, { lowElements: [...serving].filter((g) => keys.galois.has(g)), lowRelin: keys.relin !== undefined });
}

/** Slots k*width .. k*width + width - 1 of every period of n, set to `value`, among S slots. */
function blockMask(S: number, n: number, width: number, k: number, value: number): Float64Array {
  const m = new Float64Array(S);
  for (let base = k * width; base < S; base += n) m.fill(value, base, base + width);
  return m;
}

/**
 * A {@link Refresher} that bootstraps: the server refreshes W and V itself,
 * with the evaluation keys only (pack, bootstrap, unpack: see the module comment).
 */
export class BootstrapRefresher implements Refresher {
  /** The plan (slots, blocks, costs). */
  readonly plan: WeightBootstrapPlan;
  /** Bootstrappings run. */
  bootstraps = 0;
  /** Seconds spent in refreshes (pack, bootstrap, unpack). */
  seconds = 0;
  private readonly ev: Evaluator;
  private readonly encoder: Encoder;
  private readonly bootstrapper: Bootstrapper;
  private readonly layout: MatrixLayout;
  private readonly pairs: number;
  private readonly masks = new Map<string, Plaintext>();
  /** The bootstrapping's worker threads, which also replicate some of the unpacked blocks. */
  private readonly workers: CircuitWorkers | undefined;

  /** Bytes held by the bootstrapping's transform diagonals (`Bootstrapper.diagonalBytes`). */
  get diagonalBytes(): number {
    return this.bootstrapper.diagonalBytes;
  }

  /**
   * @param ev an evaluator holding the bootstrapper's keys (see {@link weightBootstrapKeyLevels}) and the trainer's
   * @param encoder an encoder for the same parameters
   * @param layout the training layout
   * @param pairs pairs of classes
   * @param config the bootstrapper's options and the bound
   * @throws TrainerError / CkksError as {@link planWeightBootstrap}; MissingKeyError if a key is missing;
   *   CkksError (INVALID_PARAMETERS) if the chain cannot bootstrap or leaves fewer than
   *   2 levels for packing and unpacking
   */
  constructor(ev: Evaluator, encoder: Encoder, layout: MatrixLayout, pairs: number, config: WeightBootstrapConfig = {}) {
    const op = 'BootstrapRefresher';
    this.plan = planWeightBootstrap(ev.params, layout, pairs, config);
    if (this.plan.bootstrapCost.residualLevels < this.plan.levels + 1) {
      throw new CkksError('INVALID_PARAMETERS', op, `bootstrapping leaves ${this.plan.bootstrapCost.residualLevels} levels; packing and unpacking the weights need ${this.plan.levels} and the trainer at least 1 more`);
    }
    // Transforms on fewer than N/2 values (2n of them for n sparse slots): their diagonals held as
    // coefficients unless the config says otherwise.
    const sparse = this.plan.options.slots !== undefined && 2 * this.plan.options.slots < ev.params.maxSlots;
    this.bootstrapper = new Bootstrapper(ev, encoder, { ...(sparse ? { diagonalForm: TRAINING_DIAGONAL_FORM } : {}), ...this.plan.options });
    this.workers = config.workers;
    this.ev = ev;
    this.encoder = encoder;
    this.layout = layout;
    this.pairs = pairs;
    const missing = this.plan.unpackSteps.filter((s) => !ev.keys.galois.has(galoisElementForRotation(s, ev.params.logN)));
    if (missing.length > 0) throw new MissingKeyError(op, `no Galois keys for the unpacking rotations ${missing.join(', ')} (weightBootstrapKeyLevels lists them)`);
  }

  /** The level (top limb index) of the weights after a refresh: one below the bootstrapping's output. */
  get outputLevel(): number {
    return this.ev.params.levelTops[this.plan.bootstrapCost.residualLevels - 1];
  }

  /** The lowest level W may reach so that the next refresh can still pack it: one above the base. */
  get minWeightLevel(): number {
    return this.ev.params.levelTops[1];
  }

  private mask(k: number, value: number, level: number, scale: number): Plaintext {
    const key = `${k}/${value}/${level}/${scale}`;
    let pt = this.masks.get(key);
    if (pt === undefined) {
      if (this.masks.size >= 8 * this.plan.blocks) this.masks.clear();
      const p = this.ev.params;
      pt = this.encoder.encode(blockMask(p.slots, this.plan.slots, this.plan.width, k, value), level, scale);
      this.masks.set(key, pt);
    }
    return pt;
  }

  /**
   * Pack, bootstrap and unpack W and V.
   * @param weights the trainer's W and V (per pair, per part), W at least one level above the base
   * @returns W and V at {@link outputLevel}, scale TRAINING_SCALES.weights, tiled as before
   * @throws TrainerError on a shape other than the plan's or weights at the base; CkksError from the evaluator
   */
  refresh(weights: EncryptedWeights): EncryptedWeights {
    const op = 'BootstrapRefresher.refresh';
    const t0 = performance.now();
    const ev = this.ev;
    const params = ev.params;
    const parts = this.layout.parts;
    const ok = (w: readonly (readonly Ciphertext[])[]): boolean => w.length === this.pairs && w.every((p) => p.length === parts);
    if (!ok(weights.W) || !ok(weights.V)) throw new TrainerError(op, `the weights must hold ${this.pairs} pair(s) x ${parts} part(s)`);
    // Blocks in a fixed order: W then V, pair by pair, part by part.
    const blocks: Ciphertext[] = [...weights.W.flat(), ...weights.V.flat()];
    const level = Math.min(...blocks.map((c) => c.level));
    const base = params.levelTops[0];
    if (level <= base) throw new TrainerError(op, `the weights are at level ${level}; packing them needs one level above the base (${base})`);
    const q = levelModulus(params, level);
    const scale = TRAINING_SCALES.weights;
    const { blocksPerCiphertext: per, bootstraps, slots: n, bound } = this.plan;
    const out: Ciphertext[] = new Array<Ciphertext>(blocks.length);
    for (let b = 0; b < bootstraps; b++) {
      // Pack: sum of mask_k (.) block_k, at scale `scale` after the rescale.
      let packed: Ciphertext | undefined;
      for (let k = 0; k < per && b * per + k < blocks.length; k++) {
        const src = blocks[b * per + k];
        const aligned = src.level === level ? src : ev.dropLevelNew(src, src.level - level);
        const term = ev.mulPlainNew(aligned, this.mask(k, 1 / bound, level, (scale * q) / src.scale));
        if (packed === undefined) packed = term;
        else ev.add(packed, term, packed);
      }
      if (packed === undefined) break;
      ev.rescale(packed, packed);
      packed.scale = scale;
      ev.dropLevel(packed, packed.level - base, packed);
      packed.slots = n;
      // Bootstrap to the top of the residual chain, at the weights' scale.
      const fresh = this.bootstrapper.bootstrap(packed, scale);
      this.bootstraps++;
      // Unpack: mask block k (times B), read as full slots, replicate over the period
      // (the blocks are independent: with workers, some are replicated on the other threads).
      const top = fresh.level;
      const qTop = levelModulus(params, top);
      const masked: Ciphertext[] = [];
      for (let k = 0; k < per && b * per + k < blocks.length; k++) {
        const x = ev.rescaleNew(ev.mulPlainNew(fresh, this.mask(k, bound, top, (scale * qTop) / fresh.scale)));
        x.scale = scale;
        x.slots = params.slots;
        masked.push(x);
      }
      replicateAll(ev, masked, this.plan.unpackSteps, this.workers).forEach((x, k) => {
        out[b * per + k] = x;
      });
    }
    const half = this.pairs * parts;
    const regroup = (from: number): Ciphertext[][] => Array.from({ length: this.pairs }, (_, u) => out.slice(from + u * parts, from + (u + 1) * parts));
    this.seconds += (performance.now() - t0) / 1000;
    return { W: regroup(0), V: regroup(half) };
  }
}
