/**
 * CKKS bootstrapping: ModRaise, CoeffsToSlots, EvalMod, SlotsToCoeffs
 * (Cheon, Han, Kim, Kim and Song, "Bootstrapping for Approximate Homomorphic
 * Encryption", Eurocrypt 2018; Chen, Chillotti and Song, "Improved
 * Bootstrapping for Approximate Homomorphic Encryption", Eurocrypt 2019;
 * Bossuat, Mouchet, Troncoso-Pastoriza and Hubaux, "Efficient Bootstrapping
 * for Approximate Homomorphic Encryption with Non-Sparse Keys", Eurocrypt
 * 2021), on one ciphertext at the chain's base:
 *
 *  0. the message is multiplied by the integer c = round(q_0 / (2^ratio Delta))
 *     (no level), so that |m| ~ q_0 / 2^ratio whatever the caller's scale;
 *  1. ModRaise (./modraise.ts): decrypts to m + q_0 I modulo the full Q, read
 *     at scale q_0 (slots hold the encodings of I + m / q_0);
 *  2. sparse packing (n < N/2 slots): SubSum, sum of the rotations by n, 2n,
 *     ..., N/4, keeps the coefficients of X^(gap k) (times gap = N/2n; CHKKS
 *     2018, section 4.3);
 *  3. CoeffsToSlots (./dft.ts): BR V^-1 as `ctsLevels` sparse transforms; with
 *     full slots the real and imaginary parts go to two ciphertexts
 *     (u + conj u, -i (u - conj u)), with sparse slots side by side in 2n
 *     slots of one (y + conj y);
 *  4. EvalMod (./evalmod.ts) on each: sin(2 pi x) ~ 2 pi m / q_0 (the scale is
 *     then reinterpreted: values become m / (c Delta), the message's coefficients);
 *  5. SlotsToCoeffs: V BR as `stcLevels` transforms (full: on re + i im;
 *     sparse: on the 2n slots, merged into n), the last one's diagonals
 *     encoded so that the output has exactly the caller's scale.
 *
 * The chain, from the top: ctsLevels levels for CoeffsToSlots, EvalMod's
 * levels (on levels of two 30-bit primes, `levelPrimes`, for the ~60-bit scale
 * the reduction needs), stcLevels for SlotsToCoeffs, then the residual levels
 * the output keeps, down to the base q_0 (which should be about 60 bits).
 *
 * @module
 */

import {
  Ciphertext,
  CkksError,
  type Encoder,
  type Evaluator,
  LevelMismatchError,
  MissingKeyError,
  type Parameters,
  type SwitchingKey,
  levelModulus,
} from '../../ckks/index.js';
import { galoisElementForConjugation, galoisElementForRotation } from '../../ntt/index.js';
import type { CircuitWorkers } from '../workers.js';
import { LinearTransform, centredIndex, planLinearTransform } from '../lintrans.js';
import { releaseSharedScratch } from '../scratch.js';
import { relinearizeOnWorkers } from '../relin-split.js';
import { logicalLevel } from '../poly_eval.js';
import { type DiagonalMatrix, coeffsToSlotsMatrices, slotsToCoeffsMatrices } from './dft.js';
import { EVALMOD_COUNTERS, EvalMod, type EvalModJob, type EvalModOptions } from './evalmod.js';
import { baseModulus, modRaise } from './modraise.js';

/** Options of the {@link Bootstrapper}. */
export interface BootstrapOptions extends EvalModOptions {
  /** Number of complex slots n (a power of two <= N/2; default params.slots). */
  slots?: number;
  /** Levels (transforms) of CoeffsToSlots, in [1, log2 n] (default min(3, log2 n)). */
  ctsLevels?: number;
  /** Levels (transforms) of SlotsToCoeffs, in [1, log2 n] (default min(3, log2 n)). */
  stcLevels?: number;
  /**
   * log2 of q_0 / (Delta c) before ModRaise, the ratio of q_0 to a slot value of 1 (default
   * {@link defaultMessageRatio}(n)). The message coefficients are about sqrt(2 / 3n) times
   * the slot values, so a smaller ratio suits more slots: the reduction's
   * errors (approximation, EvalMod noise, CoeffsToSlots rounding) shrink
   * relative to the message as it grows, while the sine's own relative error
   * (2 pi x)^2 / 6, x the coefficient over q_0, grows.
   */
  logMessageRatio?: number;
  /**
   * Hoisting of the CoeffsToSlots and SlotsToCoeffs transforms
   * (LinearTransformOptions.hoisting): 'double' keeps their baby steps over
   * Q_l ∪ P (faster, diagonals |P| limbs longer), 'single' one ModDown per
   * baby step. Default: each transform's own default ('double' where it saves
   * ModDowns).
   */
  hoisting?: 'double' | 'single';
  /**
   * The transforms' giant-rotation cost in baby rotations
   * (LinearTransformPlanOptions.giantCost; default 1: fewest key switchings
   * and Galois keys). With double hoisting a giant rotation costs several
   * baby ones, so a higher value is faster but needs more Galois keys.
   */
  giantCost?: number;
  /**
   * How CoeffsToSlots and SlotsToCoeffs hold their diagonals
   * (LinearTransformOptions.diagonalForm; 'coefficients' needs at most N/8
   * slots, so that the transforms act on 2n < N/2 values): 'ntt' (the
   * default) ready to multiply; 'coefficients' as their 2n rounded
   * coefficients, brought to NTT form at each use. At N = 2^16 with 2^13
   * slots, SlotsToCoeffs' diagonals take 2,134 MiB in NTT form and 159 MiB as
   * coefficients, for one NTT of 2^15 points per limb of each of its 637
   * diagonals per bootstrapping.
   */
  diagonalForm?: { cts?: 'ntt' | 'coefficients'; stc?: 'ntt' | 'coefficients' };
  /**
   * Worker threads sharing the transforms' key switchings (double hoisting
   * only) and, with full slots, reducing the imaginary part while the caller
   * reduces the real part (the Node adapter's `NodeTransformWorkers`, built
   * over the same keys). Results are bit-identical to one thread.
   */
  workers?: CircuitWorkers;
}

/** Levels and key switchings of one bootstrapping, known before running. */
export interface BootstrapCost {
  /** Levels (rescales) of CoeffsToSlots, EvalMod and SlotsToCoeffs. */
  readonly ctsLevels: number;
  readonly evalModLevels: number;
  readonly stcLevels: number;
  /** Their sum. */
  readonly levels: number;
  /** Levels left above the base after bootstrapping (the residual circuit's depth). */
  readonly residualLevels: number;
  /** Rotations (key switchings by Galois keys, conjugations included). */
  readonly rotations: number;
  /** Ciphertext products (relinearized). */
  readonly ctMultiplications: number;
}

/**
 * The default message ratio for n slots: round(14 - log2(n) / 2) clamped to
 * [6, 12], so that the largest message coefficient over q_0 stays near 2^-12
 * (coefficients of values in [-1, 1] are about 4.5 sqrt(2 / 3n) at most):
 * 12 for 32 slots, 10 for 512, 9 for 2^11, 8 for 2^12 to 2^13, 7 for 2^14 to 2^15.
 * @param n number of complex slots
 * @returns log2 of the ratio
 * @throws nothing
 */
export function defaultMessageRatio(n: number): number {
  return Math.min(12, Math.max(6, Math.round(14 - Math.log2(n) / 2)));
}

/** The highest level each evaluation key of a bootstrapping is used at ({@link Bootstrapper.keyLevels}). */
export interface BootstrapKeyLevels {
  /** Rotation step -> highest level (Q prime index) it is used at. */
  readonly rotations: ReadonlyMap<number, number>;
  /** Highest level of the conjugation (the end of CoeffsToSlots). */
  readonly conjugation: number;
  /** Highest level of a relinearization (EvalMod's first level). */
  readonly relin: number;
}

interface Layout {
  n: number;
  sparse: boolean;
  size: number;
  cts: DiagonalMatrix[];
  stc: DiagonalMatrix[];
  subSumSteps: number[];
  evalMod: EvalMod;
  cost: BootstrapCost;
  steps: number[];
  ratio: number;
  keyLevels: BootstrapKeyLevels;
}

function centred(m: DiagonalMatrix, size: number): Map<number, { re: Float64Array; im: Float64Array }> {
  const out = new Map<number, { re: Float64Array; im: Float64Array }>();
  for (const [k, v] of m) out.set(centredIndex(k, size), v);
  return out;
}

function layout(params: Parameters, opts: BootstrapOptions, op: string): Layout {
  const n = opts.slots ?? params.slots;
  if (!Number.isInteger(n) || n < 2 || n > params.maxSlots || (n & (n - 1)) !== 0) {
    throw new CkksError('INVALID_ARGUMENT', op, `slots must be a power of two in [2, ${params.maxSlots}], got ${String(n)}`);
  }
  const logn = Math.round(Math.log2(n));
  const ctsLevels = opts.ctsLevels ?? Math.min(3, logn);
  const stcLevels = opts.stcLevels ?? Math.min(3, logn);
  const ratio = opts.logMessageRatio ?? defaultMessageRatio(n);
  if (!Number.isFinite(ratio) || ratio < 1 || ratio > 40) throw new CkksError('INVALID_ARGUMENT', op, `logMessageRatio must be in [1, 40], got ${String(ratio)}`);
  const sparse = n < params.maxSlots;
  const size = sparse ? 2 * n : n;
  const gap = params.maxSlots / n;
  const evalMod = new EvalMod(opts);
  const cts = coeffsToSlotsMatrices(n, ctsLevels, sparse ? 1 / gap : 1 / 2, sparse);
  const stc = slotsToCoeffsMatrices(n, stcLevels, sparse);
  const subSumSteps: number[] = [];
  for (let s = n; s < params.maxSlots; s *= 2) subSumSteps.push(s);
  const steps = new Set<number>(subSumSteps);
  const evalModLevels = evalMod.levels;
  const levels = ctsLevels + evalModLevels + stcLevels;
  const residualLevels = params.depth - levels;
  // The level (Q prime index) each transform runs at: CoeffsToSlots from the top down,
  // SlotsToCoeffs below EvalMod (as the constructor places them); clamped into the chain so
  // that a chain too short (refused by the constructor) still gets a plan.
  const top = params.depth;
  const levelAt = (logical: number): number => params.levelTops[Math.min(top, Math.max(0, logical))];
  const stepLevel = new Map<number, number>();
  const use = (s: number, l: number): void => {
    stepLevel.set(s, Math.max(stepLevel.get(s) ?? -1, l));
  };
  for (const s of subSumSteps) use(s, params.maxLevel); // SubSum runs on ModRaise's output, at the top
  let rotations = subSumSteps.length + 1; // SubSum, and one conjugation (shared by both parts with full slots)
  const transforms = [...cts.map((m, i) => [m, levelAt(top - i)] as const), ...stc.map((m, i) => [m, levelAt(top - ctsLevels - evalModLevels - i)] as const)];
  for (const [m, level] of transforms) {
    const p = planLinearTransform(centred(m, size).keys(), size, opts.giantCost === undefined ? {} : { giantCost: opts.giantCost });
    for (const s of [...p.babySteps, ...p.giantSteps]) {
      steps.add(s);
      use(s, level);
    }
    rotations += p.rotations;
  }
  const afterCts = levelAt(top - ctsLevels);
  const keyLevels: BootstrapKeyLevels = { rotations: stepLevel, conjugation: afterCts, relin: afterCts };
  const cost: BootstrapCost = {
    ctsLevels,
    evalModLevels,
    stcLevels,
    levels,
    residualLevels,
    rotations,
    ctMultiplications: evalMod.ctMultiplications * (sparse ? 1 : 2),
  };
  return { n, sparse, size, cts, stc, subSumSteps, evalMod, cost, steps: [...steps].sort((a, b) => a - b), ratio, keyLevels };
}

/**
 * Bootstraps ciphertexts at the chain's base back to the top of the residual
 * chain (CHKKS 2018; CCS 2019; BMTH 2021: see the module comment).
 */
export class Bootstrapper {
  /** The parameters. */
  readonly params: Parameters;
  /** Number of complex slots bootstrapped. */
  readonly slots: number;
  /** Whether the sparse packing (n < N/2) is used. */
  readonly sparse: boolean;
  /** The cost of one bootstrapping. */
  readonly cost: BootstrapCost;
  /** The reduction. */
  readonly evalMod: EvalMod;
  /** log2 of q_0 over the message before ModRaise. */
  readonly logMessageRatio: number;
  private readonly ev: Evaluator;
  private readonly encoder: Encoder;
  /** The layout without its matrices (encoded by the constructor, then dropped). */
  private readonly lay: Omit<Layout, 'cts' | 'stc'>;
  /** The last SlotsToCoeffs matrix (centred), encoded again for each new diagonal scale. */
  private readonly stcLastMatrix: Map<number, { re: Float64Array; im: Float64Array }>;
  private readonly ctsTransforms: LinearTransform[];
  /** StC transforms but the last, and the last one per diagonal scale. */
  private readonly stcTransforms: LinearTransform[];
  private readonly stcLast = new Map<number, LinearTransform>();
  private readonly hoisting: { hoisting?: 'double' | 'single'; giantCost?: number; workers?: CircuitWorkers };
  private readonly stcForm: { diagonalForm?: 'ntt' | 'coefficients' };
  private readonly workers: CircuitWorkers | undefined;

  /**
   * The rotation steps a bootstrapper with these options uses; generate them
   * with `KeyGenerator.genEvaluationKeys(sk, { relin: true, conjugate: true, steps })`.
   * @param params the parameters
   * @param opts the bootstrapper's options
   * @returns distinct steps, sorted (conjugation and relinearization are needed as well)
   * @throws CkksError (INVALID_ARGUMENT) on bad options
   */
  static rotationSteps(params: Parameters, opts: BootstrapOptions = {}): number[] {
    return layout(params, opts, 'Bootstrapper.rotationSteps').steps;
  }

  /**
   * The highest level each rotation step is used at: SubSum's and CoeffsToSlots'
   * steps at the top levels, SlotsToCoeffs' only below EvalMod. Galois keys
   * restricted to these levels (`KeyGenerator.genEvaluationKeys(sk, { steps,
   * stepLevels })`, see SwitchingKey) hold only the limbs and digits used, so
   * SlotsToCoeffs' keys are several times smaller and faster to generate
   * (Bossuat et al., Eurocrypt 2021, section 6, size the keys of each phase
   * by its level the same way).
   * @param params the parameters
   * @param opts the bootstrapper's options
   * @returns rotation step -> highest level (Q prime index); its keys are {@link rotationSteps}
   * @throws CkksError (INVALID_ARGUMENT) on bad options
   */
  static rotationKeyLevels(params: Parameters, opts: BootstrapOptions = {}): Map<number, number> {
    return new Map(layout(params, opts, 'Bootstrapper.rotationKeyLevels').keyLevels.rotations);
  }

  /**
   * The highest level of every evaluation key a bootstrapping uses: per
   * rotation step ({@link rotationKeyLevels}), the conjugation (at the end of
   * CoeffsToSlots) and the relinearization key (EvalMod's first level; a
   * residual circuit that relinearizes higher needs a higher key). Pass them to
   * `genEvaluationKeys(sk, { relin: true, conjugate: true, steps, stepLevels:
   * levels.rotations, conjugateLevel: levels.conjugation, relinLevel: levels.relin })`.
   * @param params the parameters
   * @param opts the bootstrapper's options
   * @returns the levels
   * @throws CkksError (INVALID_ARGUMENT) on bad options
   */
  static keyLevels(params: Parameters, opts: BootstrapOptions = {}): BootstrapKeyLevels {
    const k = layout(params, opts, 'Bootstrapper.keyLevels').keyLevels;
    return { rotations: new Map(k.rotations), conjugation: k.conjugation, relin: k.relin };
  }

  /**
   * The cost of one bootstrapping with these options, without keys.
   * @param params the parameters
   * @param opts the bootstrapper's options
   * @returns levels per phase, residual levels, rotations, products
   * @throws CkksError (INVALID_ARGUMENT) on bad options
   */
  static cost(params: Parameters, opts: BootstrapOptions = {}): BootstrapCost {
    return layout(params, opts, 'Bootstrapper.cost').cost;
  }

  /**
   * Plan the transforms and encode their diagonals at their levels.
   * @param ev an evaluator holding the relinearization key, the conjugation key
   *   and the Galois keys of {@link rotationSteps} (checked here, before any work)
   * @param encoder an encoder for the same parameters
   * @param opts slots, levels per transform, K, double angles, degree, message ratio
   * @throws CkksError (INVALID_PARAMETERS) if the chain is too short for the
   *   bootstrapping circuit; MissingKeyError if a key is missing; LevelMismatchError if a key
   *   was generated for a level below its use ({@link keyLevels}); CkksError
   *   (INVALID_ARGUMENT) on bad options
   */
  constructor(ev: Evaluator, encoder: Encoder, opts: BootstrapOptions = {}) {
    const op = 'Bootstrapper';
    const params = ev.params;
    const lay = layout(params, opts, op);
    if (lay.cost.residualLevels < 0) {
      throw new CkksError(
        'INVALID_PARAMETERS',
        op,
        `the chain has ${params.depth} levels above its base, bootstrapping needs ${lay.cost.levels} (CoeffsToSlots ${lay.cost.ctsLevels}, EvalMod ${lay.cost.evalModLevels}, SlotsToCoeffs ${lay.cost.stcLevels})`,
      );
    }
    const q0 = baseModulus(params);
    if (q0 < 2 ** 40) throw new CkksError('INVALID_PARAMETERS', op, `the chain's base q_0 must have at least 40 bits for the message ratio and EvalMod, got 2^${Math.log2(q0).toFixed(1)}`);
    Bootstrapper.checkKeys(ev, lay, op);
    this.params = params;
    this.slots = lay.n;
    this.sparse = lay.sparse;
    this.cost = lay.cost;
    this.evalMod = lay.evalMod;
    this.logMessageRatio = lay.ratio;
    this.ev = ev;
    this.encoder = encoder;
    const { cts: _cts, stc: _stc, ...kept } = lay;
    this.lay = kept;
    this.stcLastMatrix = centred(lay.stc[lay.stc.length - 1], lay.size);
    const top = params.depth;
    const hoisting = {
      ...(opts.hoisting === undefined ? {} : { hoisting: opts.hoisting }),
      ...(opts.giantCost === undefined ? {} : { giantCost: opts.giantCost }),
      ...(opts.workers === undefined ? {} : { workers: opts.workers }),
    };
    this.hoisting = hoisting;
    const form = (f: 'ntt' | 'coefficients' | undefined): { diagonalForm?: 'ntt' | 'coefficients' } => (f === undefined ? {} : { diagonalForm: f });
    const ctsForm = form(opts.diagonalForm?.cts);
    this.stcForm = form(opts.diagonalForm?.stc);
    this.workers = opts.workers !== undefined && opts.workers.threads > 0 ? opts.workers : undefined;
    this.ctsTransforms = lay.cts.map((m, i) => {
      const level = params.levelTops[top - i];
      let scale: number | undefined;
      if (i === lay.cts.length - 1) {
        // land at scale q_E / K, q_E the modulus of EvalMod's first level
        const qE = levelModulus(params, params.levelTops[top - i - 1]);
        scale = (levelModulus(params, level) * qE) / lay.evalMod.K / q0;
      }
      return new LinearTransform(encoder, centred(m, lay.size), lay.size, level, { ...hoisting, ...ctsForm, ...(scale === undefined ? {} : { scale }) });
    });
    const stcTop = top - lay.cost.ctsLevels - lay.cost.evalModLevels;
    this.stcTransforms = lay.stc.slice(0, -1).map((m, i) => new LinearTransform(encoder, centred(m, lay.size), lay.size, params.levelTops[stcTop - i], { ...hoisting, ...this.stcForm }));
  }

  /**
   * Start EvalMod of x on worker thread 0 (an EvalModJob on SharedArrayBuffers).
   * @returns a function that waits for it and returns its result (the
   *   worker's counters added to the evaluator's)
   */
  private postEvalMod(x: Ciphertext): () => Ciphertext {
    const params = this.params;
    const ev = this.ev;
    const workers = this.workers as CircuitWorkers;
    const words = (x.level + 1) * params.N;
    const shared = (n: number): Uint32Array => new Uint32Array(new SharedArrayBuffer(n * 4));
    const c0 = shared(words);
    const c1 = shared(words);
    c0.set(x.c[0].data.subarray(0, words));
    c1.set(x.c[1].data.subarray(0, words));
    const out0 = shared(words);
    const out1 = shared(words);
    const meta = new Float64Array(new SharedArrayBuffer(8 * (3 + EVALMOD_COUNTERS.length)));
    const em = this.evalMod;
    const job: EvalModJob = { type: 'evalmod', K: em.K, doubleAngles: em.doubleAngles, degree: em.interpolationDegree, level: x.level, scale: x.scale, slots: x.slots, c0, c1, out0, out1, meta };
    workers.post(0, job);
    return () => {
      workers.wait();
      const y = new Ciphertext(params, 1, meta[0], meta[1], meta[2]);
      const n = (meta[0] + 1) * params.N;
      y.c[0].data.set(out0.subarray(0, n));
      y.c[1].data.set(out1.subarray(0, n));
      EVALMOD_COUNTERS.forEach((k, i) => {
        ev.counters[k] += meta[3 + i];
      });
      return y;
    };
  }

  /**
   * Bytes held by the encoded diagonals of CoeffsToSlots and SlotsToCoeffs
   * (the last SlotsToCoeffs transform counted once per input scale it was
   * encoded for); sparse slots keep one word per run of N/2n
   * (src/circuits/kernels.ts, CompactPlaintext), or 8 bytes per coefficient
   * with `diagonalForm` 'coefficients' (CoefficientPlaintext).
   * @returns the size in bytes
   */
  get diagonalBytes(): number {
    let bytes = 0;
    for (const t of [...this.ctsTransforms, ...this.stcTransforms, ...this.stcLast.values()]) bytes += t.byteLength;
    return bytes;
  }

  private static checkKeys(ev: Evaluator, lay: Omit<Layout, 'cts' | 'stc'>, op: string): void {
    const logN = ev.params.logN;
    const steps = lay.steps;
    const rlk = ev.keys.relin;
    if (rlk === undefined) throw new MissingKeyError(op, 'bootstrapping needs a relinearization key');
    const conj = ev.keys.galois.get(galoisElementForConjugation(logN));
    if (conj === undefined) throw new MissingKeyError(op, 'bootstrapping needs the conjugation key (genEvaluationKeys(sk, { conjugate: true }))');
    const missing = steps.filter((s) => !ev.keys.galois.has(galoisElementForRotation(s, logN)));
    if (missing.length > 0) throw new MissingKeyError(op, `no Galois keys for rotations ${missing.join(', ')}; generate them with genEvaluationKeys(sk, { steps: Bootstrapper.rotationSteps(params, opts) })`);
    const kl = lay.keyLevels;
    const low: string[] = [];
    if (rlk.level < kl.relin) low.push(`the relinearization key (level ${rlk.level}, needed ${kl.relin})`);
    if (conj.level < kl.conjugation) low.push(`the conjugation key (level ${conj.level}, needed ${kl.conjugation})`);
    for (const [s, l] of kl.rotations) {
      const key = ev.keys.galois.get(galoisElementForRotation(s, logN)) as SwitchingKey;
      if (key.level < l) low.push(`rotation ${s} (level ${key.level}, needed ${l})`);
    }
    if (low.length > 0) throw new LevelMismatchError(op, `keys generated for levels below their use: ${low.join('; ')} (see Bootstrapper.keyLevels)`);
  }

  /**
   * Bootstrap: a ciphertext at the base (level params.levelTops[0]) comes back
   * at logical level cost.residualLevels with the requested scale, holding the
   * same slots (up to the approximation; values assumed |z| <= 1).
   * @param ct a degree-1 ciphertext at the chain's base, with this.slots slots
   * @param targetScale the output's scale (default ct.scale)
   * @returns a new ciphertext
   * @throws LevelMismatchError unless ct is at the base; CkksError (OUT_OF_RANGE) if its scale
   *   leaves no room below q_0; CkksError (INVALID_ARGUMENT) on another slot count;
   *   MissingKeyError if keys were removed since construction
   */
  bootstrap(ct: Ciphertext, targetScale?: number): Ciphertext {
    const op = 'Bootstrapper.bootstrap';
    const params = this.params;
    const ev = this.ev;
    const lay = this.lay;
    if (!(ct instanceof Ciphertext) || ct.degree !== 1) throw new CkksError('INVALID_ARGUMENT', op, 'the input must be a Ciphertext of degree 1');
    if (ct.level !== params.levelTops[0]) {
      throw new LevelMismatchError(op, `the input must be at the chain's base (level ${params.levelTops[0]}); got level ${ct.level}: drop it with Evaluator.dropLevel first`);
    }
    if (ct.slots !== this.slots) throw new CkksError('INVALID_ARGUMENT', op, `the bootstrapper was built for ${this.slots} slots, got a ciphertext of ${ct.slots}`);
    const target = targetScale ?? ct.scale;
    if (!(Number.isFinite(target) && target > 0)) throw new CkksError('INVALID_ARGUMENT', op, `targetScale must be finite and positive, got ${String(target)}`);
    Bootstrapper.checkKeys(ev, lay, op);
    const q0 = baseModulus(params);
    if (ct.scale > q0 / 16) throw new CkksError('OUT_OF_RANGE', op, `the input's scale 2^${Math.log2(ct.scale).toFixed(1)} leaves no room below q_0 = 2^${Math.log2(q0).toFixed(1)}`);
    // 0. |m| ~ q_0 / 2^ratio
    const c = Math.max(1, Math.round(q0 / 2 ** this.logMessageRatio / ct.scale));
    const scaled = ev.mulConstNew(ct, c, 1);
    // 1. ModRaise
    let x = modRaise(params, scaled);
    // 2. SubSum
    ev.rotateAddChain(x, lay.subSumSteps, x);
    // 3. CoeffsToSlots
    for (const t of this.ctsTransforms) x = t.evaluate(ev, x);
    // 4. EvalMod on the real and imaginary parts
    let y: Ciphertext;
    const conj = ev.conjugateNew(x);
    if (lay.sparse) {
      ev.add(x, conj, x);
      x.slots = lay.size;
      // One ciphertext to reduce: its relinearizations are shared with the workers (../relin-split.ts).
      const workers = this.workers;
      y = this.evalMod.evaluate(ev, x, workers === undefined ? undefined : (ct) => relinearizeOnWorkers(ev, ct, workers));
    } else {
      const re = ev.addNew(x, conj);
      const im = ev.mulByI(ev.sub(conj, x, conj), conj);
      // With a worker thread, the imaginary part is reduced there meanwhile (bit-identical).
      const away = this.workers === undefined ? undefined : this.postEvalMod(im);
      const r = this.evalMod.evaluate(ev, re);
      const i = away === undefined ? this.evalMod.evaluate(ev, im) : away();
      y = ev.add(r, ev.mulByI(i, i), r);
    }
    // values: sin(2 pi (I + c m / q0)) ~ 2 pi c m / q0; read them as m / Delta
    y.scale = (y.scale * 2 * Math.PI * c * ct.scale) / q0;
    // 5. SlotsToCoeffs
    for (const t of this.stcTransforms) y = t.evaluate(ev, y);
    const level = y.level;
    const diagScale = (levelModulus(params, level) * target) / y.scale;
    // The last transform's diagonals depend on the input's scale (through c): encoded on first
    // use for each scale and kept (a few scales at most).
    let last = this.stcLast.get(diagScale);
    if (last === undefined) {
      if (this.stcLast.size >= 4) this.stcLast.clear();
      last = new LinearTransform(this.encoder, this.stcLastMatrix, lay.size, level, { ...this.hoisting, ...this.stcForm, scale: diagScale });
      this.stcLast.set(diagScale, last);
    }
    const out = last.evaluate(ev, y);
    if (!(Math.abs(out.scale / target - 1) < 2 ** -30)) throw new CkksError('OUT_OF_RANGE', op, `internal: output scale ${out.scale} differs from the target ${target}`);
    out.scale = target;
    out.slots = this.slots;
    if (this.workers !== undefined) releaseSharedScratch(this.workers);
    return out;
  }

  /**
   * The logical level (rescales above the base) of a bootstrapped ciphertext.
   * @returns cost.residualLevels
   */
  get outputLogicalLevel(): number {
    return logicalLevel(this.params, this.params.levelTops[this.cost.residualLevels]);
  }
}
