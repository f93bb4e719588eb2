/**
 * Encrypted training of the last layer of a frozen CNN: multiclass logistic
 * regression with the SLE loss, the degree-3 sigmoid, Chiang's quadratic
 * gradient and Nesterov's accelerated gradient (Chiang, "Privacy-Preserving
 * CNN Training with Transfer Learning", 2023; docs/ALGORITHM.md), on CKKS
 * ciphertexts, with the circuit of docs/CIRCUIT.md.
 *
 * Two roles:
 *  - {@link DataOwner} (owner.ts) holds the secret key. From X (bias column first), the
 *    one-hot Y and Bbar it encrypts the upload (X, X~ = X diag(Bbar), Y and the
 *    initial weights: 6 ciphertexts for the paper's 128 x 401 data), makes the
 *    evaluation keys, refreshes weights on request and decrypts the model.
 *  - {@link EncryptedTrainer} (the server) runs iterations with the evaluation
 *    keys and ciphertexts only; it never sees the secret key. When the levels
 *    run out it hands W and V to a {@link Refresher} (a round trip to the owner;
 *    bootstrapping could implement the same interface later).
 *
 * One iteration, classes packed two per ciphertext (c = 2u real, 2u + 1 imaginary):
 *   Z_u = X V_u^T (productABt) -> split -> z_c   (1 level)
 *   t_c = (1+g) c1 mask z_c + (1+g) c3 mask z_c^3                 (2 levels)
 *   E_u = (1+g) mask (Y_u - 1/2) - (t_2u + i t_2u+1)
 *   G_u = E_u^T X~ (productAtB), tiled per column part            (1 level)
 *   V'_u = W_u + G_u ;  W'_u = (1 - eta) V'_u + eta V_u             (W lags one level)
 * which is the mirror's tmp = W + (1+g) Bbar (.) (Y - P)^T X, W <- (1-eta) tmp + eta V,
 * V <- tmp (src/mlr/plain.ts, PlainTrainerState).
 *
 * @module
 */

import { Ciphertext, Encoder, type Evaluator, type Parameters, type Plaintext, levelModulus } from '../ckks/index.js';
import { MatrixLayout, MatrixOps, columnMask, partOf, tileRow } from '../encoding/index.js';
import { TrainerError } from './errors.js';
import { LEVELS_PER_ITERATION, PREDICTION_ROOM_BITS, TRAINING_SCALES, iterationLevels, levelBelow, predictionRoomBits } from './levels.js';
import { SIGMOID3_C1, SIGMOID3_C3, nagSchedule } from './plain.js';

export { TrainerError } from './errors.js';
export * from './levels.js';

/** Shape of a training problem and its slot layout. */
export interface ProblemShape {
  /** Samples. */
  n: number;
  /** Columns of X (bias + features). */
  d: number;
  /** Classes. */
  K: number;
}

/** Default column-part width (two parts for the paper's 401 columns). */
export const DEFAULT_PART_WIDTH = 256;

/**
 * The layout of X for a problem: rows of `width` slots, columns split into parts.
 * @throws TrainerError if the classes do not fit a row or the width does not fit the slots
 */
export function trainingLayout(params: Parameters, shape: ProblemShape, width = Math.min(DEFAULT_PART_WIDTH, params.slots)): MatrixLayout {
  if (shape.K > width) throw new TrainerError('trainingLayout', `${shape.K} classes do not fit rows of width ${width}`);
  return new MatrixLayout(shape.n, shape.d, params.slots, width);
}

/**
 * `value` at column `col` of the rows that team member t holds samples in
 * (the last member may be partly filled), zero elsewhere.
 */
function teamMask(L: MatrixLayout, n: number, t: number, col: number, value: number): Float64Array {
  return columnMask(L.width, L.slots, col, Math.min(L.rowsPerCt, n - t * L.rowsPerCt), value);
}

/** What the data owner uploads to the server. */
export interface Upload {
  shape: ProblemShape;
  /** Part width of the layout. */
  width: number;
  /** X in the layout (parts x teams ciphertexts). */
  X: Ciphertext[];
  /** X~ = X diag(Bbar) in the layout. */
  Xt: Ciphertext[];
  /** Y: y_rc at (row r, column c), one ciphertext per team member. */
  Y: Ciphertext[];
  /** The initial weights w0 (1 + i) in every slot: W0 = V0 for every pair of classes and part. */
  W0: Ciphertext;
}

/** Weights in the server's form: per pair of classes, per column part, tiled and paired. */
export interface EncryptedWeights {
  W: Ciphertext[][];
  V: Ciphertext[][];
}

/** Swappable refresh: returns W and V re-encrypted at a higher level (a round trip, or bootstrapping). */
export interface Refresher {
  refresh(weights: EncryptedWeights): EncryptedWeights;
}

/** Where a training run stands: enough to resume it (see {@link EncryptedTrainer.state}). */
export interface TrainerState {
  /** Iterations completed. */
  iteration: number;
  /** Refresh round trips so far. */
  refreshes: number;
  /** Current weights. */
  weights: EncryptedWeights;
}

/** Options of {@link EncryptedTrainer}. */
export interface TrainerOptions {
  /** Length of the NAG schedule (default 1000). */
  maxIterations?: number;
  /** The n in the step gamma_t = 1 / ((t + 1) n) of the schedule (default: the sample count). */
  gammaN?: number;
  /** Lowest level W may reach before a refresh (default 1). */
  minLevel?: number;
  /** Continue from a saved state. */
  resume?: TrainerState;
}

/** Statistics of one encrypted iteration. */
export interface IterationStats {
  iteration: number;
  seconds: number;
  rotations: number;
  ctMultiplications: number;
  keySwitches: number;
  /** Level of V after the iteration (W is one lower). */
  level: number;
  refreshed: boolean;
}

/**
 * The server side: iterations on ciphertexts with the evaluation keys only.
 */
export class EncryptedTrainer {
  readonly params: Parameters;
  readonly ev: Evaluator;
  readonly layout: MatrixLayout;
  readonly shape: ProblemShape;
  private readonly ops: MatrixOps;
  private readonly encoder: Encoder;
  private readonly upload: Upload;
  private readonly refresher: Refresher;
  private readonly schedule: { eta: Float64Array; gamma: Float64Array };
  private readonly kernel: PairKernel;
  /** Mask-selected labels minus one half, per pair, per team: mask (.) (Y_2u - 1/2) + i mask (.) (Y_2u+1 - 1/2). */
  private readonly Ym: Ciphertext[][];
  weights: EncryptedWeights;
  /** Iterations done. */
  iteration = 0;
  /** Refresh round trips requested. */
  refreshes = 0;
  /** Lowest level W may reach before a refresh (decryption needs headroom above level 0). */
  readonly minLevel: number;

  /**
   * @param ev an evaluator with the owner's evaluation keys
   * @param upload the owner's upload
   * @param refresher the refresh round trip
   * @param opts maxIterations (for the NAG schedule, default 1000), gammaN (default n), minLevel (default 1),
   *   resume (continue from a {@link TrainerState}: the iteration counter, refresh count and weights of a checkpoint)
   * @throws TrainerError if the upload or the resumed weights do not match the layout
   */
  constructor(ev: Evaluator, upload: Upload, refresher: Refresher, opts: TrainerOptions = {}) {
    this.ev = ev;
    this.params = ev.params;
    this.upload = upload;
    this.shape = upload.shape;
    this.layout = trainingLayout(this.params, this.shape, upload.width);
    this.ops = new MatrixOps(ev);
    this.encoder = new Encoder(this.params);
    this.refresher = refresher;
    this.minLevel = opts.minLevel ?? 1;
    if (!Number.isInteger(this.minLevel) || this.minLevel < 1 || this.params.maxLevel < LEVELS_PER_ITERATION + 1 + this.minLevel) {
      throw new TrainerError('EncryptedTrainer', `the parameters have ${this.params.maxLevel} levels; one iteration needs ${this.minLevel + LEVELS_PER_ITERATION + 1} (${LEVELS_PER_ITERATION} for V, 1 more for W, and minLevel ${this.minLevel} >= 1 left for decryption)`);
    }
    const s = nagSchedule(opts.maxIterations ?? 1000, opts.gammaN ?? this.shape.n);
    this.schedule = { eta: s.eta, gamma: s.gamma };
    if (upload.X.length !== this.layout.ciphertexts || upload.Xt.length !== this.layout.ciphertexts || upload.Y.length !== this.layout.teams) {
      throw new TrainerError('EncryptedTrainer', `the upload does not match the layout ${this.layout}`);
    }
    const pairs = Math.ceil(this.shape.K / 2);
    const resume = opts.resume;
    if (resume !== undefined) {
      const ok = (w: readonly (readonly Ciphertext[])[]): boolean =>
        w.length === pairs && w.every((parts) => parts.length === this.layout.parts);
      if (!ok(resume.weights.W) || !ok(resume.weights.V)) {
        throw new TrainerError('EncryptedTrainer', `resumed weights must hold ${pairs} pair(s) x ${this.layout.parts} part(s)`);
      }
      if (!Number.isSafeInteger(resume.iteration) || resume.iteration < 0 || resume.iteration >= this.schedule.eta.length) {
        throw new TrainerError('EncryptedTrainer', `resumed iteration ${resume.iteration} is outside 0..${this.schedule.eta.length - 1}`);
      }
      this.weights = { W: resume.weights.W.map((p) => [...p]), V: resume.weights.V.map((p) => [...p]) };
      this.iteration = resume.iteration;
      this.refreshes = resume.refreshes;
    } else {
      const copy = (): Ciphertext => ev.addConstNew(upload.W0, 0);
      this.weights = {
        W: Array.from({ length: pairs }, () => Array.from({ length: this.layout.parts }, copy)),
        V: Array.from({ length: pairs }, () => Array.from({ length: this.layout.parts }, copy)),
      };
    }
    this.Ym = this.labelColumns();
    this.kernel = new PairKernel(ev, { shape: this.shape, width: this.layout.width, X: upload.X, Xt: upload.Xt });
  }

  /**
   * The server's state after the last completed iteration: what a checkpoint
   * must hold to resume (with the same upload, keys and options).
   * @returns the iteration counter, the refresh count and the current weights (not copied)
   */
  state(): TrainerState {
    return { iteration: this.iteration, refreshes: this.refreshes, weights: this.weights };
  }

  /** Pairs of classes. */
  get pairs(): number {
    return Math.ceil(this.shape.K / 2);
  }

  /** Rotate left by k >= 0 with the power-of-two keys (binary decomposition). */
  private rotateBy(ct: Ciphertext, k: number): Ciphertext {
    let out = ct;
    for (let b = 1; b <= k; b *= 2) if (k & b) out = this.ev.rotateNew(out, b);
    return out === ct ? this.ev.addConstNew(ct, 0) : out;
  }

  /**
   * Setup (once): Ym_u = mask (.) (Y_2u - 1/2) + i mask (.) (Y_2u+1 - 1/2) at
   * column 0, from Y's columns (one plaintext mask, rotations by c).
   */
  private labelColumns(): Ciphertext[][] {
    const ev = this.ev;
    const L = this.layout;
    const out: Ciphertext[][] = [];
    for (let u = 0; u < this.pairs; u++) {
      const perTeam: Ciphertext[] = [];
      for (let t = 0; t < L.teams; t++) {
        const y = this.upload.Y[t];
        const col = (c: number): Ciphertext => {
          // mask column c (scale q_l, so the rescale keeps y's scale), rotate it to column 0, subtract 1/2.
          const lvl = y.level;
          const mask = teamMask(L, this.shape.n, t, c, 1);
          const m = ev.rescaleNew(ev.mulPlainNew(y, this.encoder.encode(mask, lvl, levelModulus(this.params, lvl))));
          const shifted = this.rotateBy(m, c); // only column 0 is non-zero now
          const halfConst = this.encoder.encode(teamMask(L, this.shape.n, t, 0, 0.5), shifted.level, shifted.scale);
          return ev.subPlainNew(shifted, halfConst);
        };
        const re = col(2 * u);
        perTeam.push(2 * u + 1 < this.shape.K ? this.ops.pack(re, col(2 * u + 1)) : re);
      }
      out.push(perTeam);
    }
    return out;
  }

  /** Whether another iteration fits the remaining levels (else a refresh is due). */
  canIterate(): boolean {
    const after = iterationLevels(this.params, this.weights.V[0][0].level);
    return after !== undefined && after.W >= this.minLevel;
  }

  /** Refresh if the levels ran out. @returns whether a refresh happened */
  private refreshIfNeeded(): boolean {
    if (this.canIterate()) return false;
    this.weights = this.refresher.refresh(this.weights);
    this.refreshes++;
    if (!this.canIterate()) {
      throw new TrainerError('EncryptedTrainer.step', `not enough levels for one iteration after a refresh (V at level ${this.weights.V[0][0].level}, need ${LEVELS_PER_ITERATION + 1 + this.minLevel})`);
    }
    return true;
  }

  /** The jobs of the next iteration: one per pair of classes. */
  private jobs(): PairJob[] {
    const it = this.iteration;
    const constants: IterationConstants = { iteration: it, eta: this.schedule.eta[it], g1: 1 + this.schedule.gamma[it] };
    return this.weights.W.map((W, u) => ({ pair: u, W, V: this.weights.V[u], constants }));
  }

  private finish(results: PairResult[], t0: number, refreshed: boolean): IterationStats {
    const counters = { rotations: 0, ctMultiplications: 0, keySwitches: 0 };
    for (const r of results) {
      counters.rotations += r.counters.rotations;
      counters.ctMultiplications += r.counters.ctMultiplications;
      counters.keySwitches += r.counters.keySwitches;
    }
    this.weights = { W: results.map((r) => r.W), V: results.map((r) => r.V) };
    this.iteration++;
    return {
      iteration: this.iteration,
      seconds: (performance.now() - t0) / 1000,
      ...counters,
      level: this.weights.V[0][0].level,
      refreshed,
    };
  }

  /**
   * One iteration on this thread (refreshing first when the levels run out).
   * @returns statistics of the iteration
   * @throws TrainerError if the schedule is exhausted or a refresh leaves too few levels
   */
  step(): IterationStats {
    this.checkScheduleLeft();
    const refreshed = this.refreshIfNeeded();
    const t0 = performance.now();
    const results = this.jobs().map((job) => this.kernel.run(job, this.Ym[job.pair]));
    return this.finish(results, t0, refreshed);
  }

  /**
   * One iteration with the pairs of classes spread over an executor's threads
   * (the pairs are independent: each reads X, X~, its labels and its own W, V).
   * The result is the same as {@link step}'s: the same operations on the same inputs.
   * @param executor a pool prepared with {@link PairExecutor.prepare} for this trainer's {@link context}
   * @returns statistics of the iteration (operation counts summed over the pairs)
   * @throws TrainerError as {@link step}; whatever the executor rejects with
   */
  async stepWith(executor: PairExecutor): Promise<IterationStats> {
    this.checkScheduleLeft();
    const refreshed = this.refreshIfNeeded();
    const t0 = performance.now();
    const results = await executor.run(this.jobs());
    if (results.length !== this.pairs) throw new TrainerError('EncryptedTrainer.stepWith', `the executor returned ${results.length} result(s) for ${this.pairs} pair(s)`);
    return this.finish(results, t0, refreshed);
  }

  private checkScheduleLeft(): void {
    if (this.iteration >= this.schedule.eta.length) {
      throw new TrainerError('EncryptedTrainer.step', `the NAG schedule has ${this.schedule.eta.length} iterations; raise maxIterations`);
    }
  }

  /**
   * What a worker needs to run pairs of this trainer: the parameters, the
   * uploaded X and X~, the per-pair label columns and the layout (the keys come
   * from the caller, who holds them).
   */
  context(): PairContext {
    return { params: this.params, shape: this.shape, width: this.layout.width, X: this.upload.X, Xt: this.upload.Xt, Ym: this.Ym };
  }

  /**
   * Encrypted prediction with the current model ({@link predictScores} with
   * {@link weights}.W): when W's level leaves the scores too little room
   * (after an iteration that ended at {@link minLevel}), W and V are refreshed
   * first through the trainer's {@link Refresher} (counted in {@link refreshes},
   * and the next iteration starts from the fresh weights).
   * @param shape the new samples' shape (from `DataOwner.encryptFeatures`)
   * @param width the part width used in training
   * @param X the encrypted features
   * @returns the scores, result[u][t] as {@link predictScores} returns them
   * @throws TrainerError when the model must be refreshed and the refresher refuses (a server without the owner),
   *   when even a refreshed model leaves too little room, or on mismatched counts; CkksError from the products
   */
  predictScores(shape: ProblemShape, width: number, X: readonly Ciphertext[]): Ciphertext[][] {
    const xLevel = Math.min(...X.map((c) => c.level));
    const xScale = Math.max(...X.map((c) => c.scale));
    const room = (): number => {
      const W = this.weights.W.flat();
      return predictionRoomBits(this.params, Math.min(xLevel, ...W.map((c) => c.level)), xScale, Math.max(...W.map((c) => c.scale)));
    };
    if (room() < PREDICTION_ROOM_BITS) {
      this.weights = this.refresher.refresh(this.weights);
      this.refreshes++;
    }
    return predictScores(this.ev, shape, width, X, this.weights.W);
  }
}

/** The constants of one iteration (from the NAG schedule). */
export interface IterationConstants {
  /** Index of the iteration (0-based). */
  iteration: number;
  /** eta_t of the schedule. */
  eta: number;
  /** 1 + gamma_t. */
  g1: number;
}

/** One pair of classes' share of an iteration. */
export interface PairJob {
  /** Index u of the pair (classes 2u and 2u + 1). */
  pair: number;
  /** W_u per column part. */
  W: Ciphertext[];
  /** V_u per column part. */
  V: Ciphertext[];
  constants: IterationConstants;
}

/** The new weights of one pair and what computing them cost. */
export interface PairResult {
  W: Ciphertext[];
  V: Ciphertext[];
  counters: { rotations: number; ctMultiplications: number; keySwitches: number };
}

/**
 * Add one stage's operation counts to a pair's (the stages of {@link PairKernel.run}
 * sum to the whole pair's).
 * @param into the running counts (modified)
 * @param c the stage's counts
 */
export function addPairCounters(into: PairResult['counters'], c: PairResult['counters']): void {
  into.rotations += c.rotations;
  into.ctMultiplications += c.ctMultiplications;
  into.keySwitches += c.keySwitches;
}

/** The counts a stage reports: a copy of the evaluator's (reset when the stage began). */
function stageCounters(ev: Evaluator): PairResult['counters'] {
  const c = ev.counters;
  return { rotations: c.rotations, ctMultiplications: c.ctMultiplications, keySwitches: c.keySwitches };
}

/** Diagnostics of {@link PairKernel.run}: the intermediate ciphertexts, for a key owner to decrypt in tests. */
export type PairProbe = (stage: 'Z' | 'E' | 'G', index: number, ct: Ciphertext) => void;

/** The first stage of a pair's iteration ({@link PairKernel.runErrors}). */
export interface PairErrors {
  /** E_u's columns replicated over their rows, per team member. */
  rows: Ciphertext[];
  counters: PairResult['counters'];
}

/** One column part's second stage ({@link PairKernel.runPart}). */
export interface PairPartResult {
  W: Ciphertext;
  V: Ciphertext;
  counters: PairResult['counters'];
}

/** Everything but the keys that a thread needs to run {@link PairJob}s (see {@link EncryptedTrainer.context}). */
export interface PairContext {
  params: Parameters;
  shape: ProblemShape;
  width: number;
  X: Ciphertext[];
  Xt: Ciphertext[];
  /** Label columns per pair, per team member. */
  Ym: Ciphertext[][];
}

/**
 * Runs pairs of classes, possibly on other threads (a Node worker pool lives in
 * `@hecnn/ckks/node`; a browser pool would implement the same interface with
 * Web Workers). The trainer calls {@link run} once per iteration.
 */
export interface PairExecutor {
  /**
   * Run the jobs; resolve with their results in job order.
   * @param jobs one per pair
   */
  run(jobs: readonly PairJob[]): Promise<PairResult[]>;
}

/**
 * The circuit of one iteration for one pair of classes (module documentation):
 * Z = X V^T, the sigmoid terms, E, G = E^T X~ and the NAG update. Used by the
 * trainer on its own thread and by workers (which build one from a
 * {@link PairContext} and their own evaluator over the shared keys).
 */
export class PairKernel {
  readonly ev: Evaluator;
  readonly params: Parameters;
  readonly layout: MatrixLayout;
  readonly shape: ProblemShape;
  private readonly ops: MatrixOps;
  private readonly encoder: Encoder;
  private readonly X: readonly Ciphertext[];
  private readonly Xt: readonly Ciphertext[];

  /**
   * @param ev an evaluator with the training keys
   * @param context shape, layout width and the uploaded X and X~
   * @throws TrainerError if X or X~ do not match the layout
   */
  constructor(ev: Evaluator, context: Omit<PairContext, 'Ym' | 'params'>) {
    this.ev = ev;
    this.params = ev.params;
    this.shape = context.shape;
    this.layout = trainingLayout(this.params, this.shape, context.width);
    if (context.X.length !== this.layout.ciphertexts || context.Xt.length !== this.layout.ciphertexts) {
      throw new TrainerError('PairKernel', `X and X~ must hold ${this.layout.ciphertexts} ciphertext(s) each for the layout ${this.layout}`);
    }
    this.ops = new MatrixOps(ev);
    this.encoder = new Encoder(this.params);
    this.X = context.X;
    this.Xt = context.Xt;
  }

  /**
   * One pair's iteration: {@link runErrors}, then {@link runPart} for each column part.
   * @param job the pair's weights and the iteration's constants
   * @param Ym the pair's label columns, per team member
   * @param probe diagnostics: called with the intermediate ciphertexts (Z per team, packed;
   *   E per team, packed; G per column part, packed), for a key owner to decrypt in tests
   * @returns the new W_u and V_u (W one level below V) and the operation counts
   */
  run(job: PairJob, Ym: readonly Ciphertext[], probe?: PairProbe): PairResult {
    const first = this.runErrors(job, Ym, probe);
    const counters = { ...first.counters };
    const W: Ciphertext[] = [];
    const V: Ciphertext[] = [];
    for (let p = 0; p < this.layout.parts; p++) {
      const r = this.runPart(job.W[p], job.V[p], job.constants, first.rows, p, probe);
      W.push(r.W);
      V.push(r.V);
      addPairCounters(counters, r.counters);
    }
    return { W, V, counters };
  }

  /**
   * The first stage of {@link run}, shared by the column parts: Z = X V_u^T,
   * the sigmoid terms, E_u, and E_u's columns replicated over their rows (the
   * first half of productAtB). The evaluator's counters are reset and reported.
   * @param job the pair's weights (V is read) and the iteration's constants
   * @param Ym the pair's label columns, per team member
   * @param probe diagnostics (stages Z and E)
   * @returns the replicated rows, per team member, and the stage's operation counts
   * @throws TrainerError if Z lands at a scale the sigmoid was not planned for; CkksError from the evaluator
   */
  runErrors(job: PairJob, Ym: readonly Ciphertext[], probe?: PairProbe): PairErrors {
    const ev = this.ev;
    ev.resetCounters();
    const { g1 } = job.constants;
    const L = this.layout;
    const V = job.V;
    const u = job.pair;
    const l = V[0].level;
    const classes = Math.min(2, this.shape.K - 2 * u);
    // Z_u = X V_u^T, split into the two classes of the pair.
    const Xl = this.X.map((c) => ev.dropLevelNew(c, c.level - l));
    const Zp = this.ops.productABt(L, Xl, [V])[0]; // per team, packed pair
    if (probe !== undefined) Zp.forEach((z, t) => probe('Z', t, z));
    // Z's scale must be where the sigmoid's constants were planned (2^30): X's scale at upload is
    // chosen for the prime count of the levels Z is rescaled at (trainingXScale).
    const zLog = Math.log2(Zp[0].scale);
    if (!(zLog > 25 && zLog < 35)) {
      throw new TrainerError('PairKernel.run', `Z = X V^T landed at scale 2^${zLog.toFixed(1)} (level ${l}), not near 2^30: X was encrypted for levels of another prime count (trainingXScale)`);
    }
    // Scale of E such that G = E^T X~ (one rescale at E's level, two below Z's) lands exactly on
    // the weights' scale: the scales of V, W and G then stay put from one iteration to the next.
    const eLevel0 = levelBelow(this.params, levelBelow(this.params, Zp[0].level));
    const eScale = (TRAINING_SCALES.weights * levelModulus(this.params, eLevel0)) / this.Xt[0].scale;

    // t_c = (1+g) c1 mask z + (1+g) c3 mask z^3 per class, then E_u = (1+g) Ym_u - (t_2u + i t_2u+1).
    const E: Ciphertext[] = [];
    for (let t = 0; t < L.teams; t++) {
      const zs = this.ops.split(Zp[t]);
      const terms: Ciphertext[] = [];
      for (let h = 0; h < classes; h++) terms.push(this.sigmoidTerms(zs[h], g1, t, eScale));
      const T = terms.length === 2 ? this.ops.pack(terms[0], terms[1]) : terms[0];
      const ym = Ym[t];
      const yl = ev.dropLevelNew(ym, ym.level - (T.level + 1));
      const ycon = ev.rescaleNew(ev.mulConstNew(yl, g1, (T.scale * levelModulus(this.params, yl.level)) / yl.scale));
      E.push(ev.subNew(ycon, T));
    }
    if (probe !== undefined) E.forEach((e, t) => probe('E', t, e));

    const rows = this.ops.replicatedColumns(L, E);
    return { rows, counters: stageCounters(ev) };
  }

  /**
   * The second stage of {@link run} for column part p: G_u,p = E_u^T X~_p (the
   * second half of productAtB) and the NAG update of the part. The parts are
   * independent, so a pool may run them on different threads.
   * @param w W_u,p
   * @param v V_u,p
   * @param constants the iteration's constants
   * @param rows {@link runErrors}' rows
   * @param p the column part
   * @param probe diagnostics (stage G)
   * @returns the part's new W (one level below V) and V, and the stage's operation counts
   * @throws TrainerError on a part outside the layout; CkksError from the evaluator
   */
  runPart(w: Ciphertext, v: Ciphertext, constants: IterationConstants, rows: readonly Ciphertext[], p: number, probe?: PairProbe): PairPartResult {
    const ev = this.ev;
    const L = this.layout;
    if (!Number.isInteger(p) || p < 0 || p >= L.parts) throw new TrainerError('PairKernel.runPart', `part ${String(p)} is outside 0..${L.parts - 1}`);
    ev.resetCounters();
    const { eta } = constants;
    // G_u,p = E_u^T X~_p, tiled.
    const eLevel = rows[0].level;
    const Xtl = partOf(L, this.Xt, p).map((c) => ev.dropLevelNew(c, c.level - eLevel));
    const g = this.ops.productAtBPart(L, rows, Xtl);
    if (probe !== undefined) probe('G', p, g);
    // NAG: V' = W + G; W' = (1 - eta) V' + eta V.
    const wAligned = ev.rescaleNew(ev.mulConstNew(w, 1, (g.scale * levelModulus(this.params, w.level)) / w.scale));
    ev.dropLevel(wAligned, wAligned.level - g.level, wAligned);
    const vNew = ev.addNew(wAligned, g);
    const a1 = ev.rescaleNew(ev.mulConstNew(vNew, 1 - eta));
    const a2 = ev.rescaleNew(ev.mulConstNew(v, eta, (a1.scale * levelModulus(this.params, v.level)) / v.scale));
    ev.dropLevel(a2, a2.level - a1.level, a2);
    return { W: ev.addNew(a1, a2), V: vNew, counters: stageCounters(ev) };
  }

  /**
   * (1+g) c1 mask z + (1+g) c3 mask z^3 for one class, two levels below z, at
   * scale `target`, zero outside column 0 (the masks are plaintexts; no
   * encrypted masks). The plaintext scales are chosen so that both terms land
   * exactly on `target`: b = rescale(rescale(z (.) M3) * z^2) has scale
   * s_z m3 s_z2 / (q_{l} q_{l-1}), and lin = z (.) M1 has s_z m1 / q_l.
   */
  private sigmoidTerms(z: Ciphertext, g1: number, team: number, target: number): Ciphertext {
    const ev = this.ev;
    const lz = z.level;
    const z2 = ev.rescaleNew(ev.relinearizeNew(ev.mulNew(z, z)));
    const m3Scale = (target * levelModulus(this.params, lz) * levelModulus(this.params, z2.level)) / (z.scale * z2.scale);
    const m3 = this.encoder.encode(teamMask(this.layout, this.shape.n, team, 0, g1 * SIGMOID3_C3), lz, m3Scale);
    const a = ev.rescaleNew(ev.mulPlainNew(z, m3));
    const b = ev.rescaleNew(ev.relinearizeNew(ev.mulNew(a, z2)));
    const m1 = this.encoder.encode(teamMask(this.layout, this.shape.n, team, 0, g1 * SIGMOID3_C1), lz, (target * levelModulus(this.params, lz)) / z.scale);
    const lin = ev.rescaleNew(ev.mulPlainNew(z, m1));
    ev.dropLevel(lin, lin.level - b.level, lin);
    return ev.addNew(lin, b);
  }
}

/**
 * Encrypted prediction (the server's side): class scores Z = X W^T for new
 * samples whose features the owner encrypted ({@link DataOwner.encryptFeatures}),
 * with the model either encrypted (the trainer's W: per pair of classes, per
 * column part, tiled and paired) or in the clear ({@link encodeModel}).
 * Slot (r, 0) of result[u][t] holds Z[r, 2u] + i Z[r, 2u+1] for the rows of
 * team member t; only the holder of the secret key can read them
 * ({@link DataOwner.decryptScores}). Costs log2(width) rotations and one level
 * per pair and team member (the Z step of a training iteration).
 *
 * @param ev an evaluator with the training keys (the rotations of {@link rotationStepsFor})
 * @param shape the new samples' shape (n samples, d columns as in training, K classes)
 * @param width the part width used in training
 * @param X the encrypted features, in the layout of `trainingLayout(params, shape, width)`
 * @param W the model per pair, per part (ciphertexts: the trainer's `weights.W`; or plaintexts)
 * @returns result[u][t], one level below the lower of X and W
 * @throws TrainerError on mismatched counts, or when the inputs' level leaves the scores less than
 *   {@link PREDICTION_ROOM_BITS} bits of room above their scale (the model at the trainer's minLevel 1:
 *   use {@link EncryptedTrainer.predictScores}, which refreshes it first); LayoutError / CkksError from the products
 */
export function predictScores(
  ev: Evaluator,
  shape: ProblemShape,
  width: number,
  X: readonly Ciphertext[],
  W: readonly (readonly (Ciphertext | Plaintext)[])[],
): Ciphertext[][] {
  const op = 'predictScores';
  const layout = trainingLayout(ev.params, shape, width);
  const pairs = Math.ceil(shape.K / 2);
  if (X.length !== layout.ciphertexts) throw new TrainerError(op, `X has ${X.length} ciphertext(s), the layout ${layout} has ${layout.ciphertexts}`);
  if (W.length !== pairs || W.some((p) => p.length !== layout.parts)) {
    throw new TrainerError(op, `the model must hold ${pairs} pair(s) x ${layout.parts} part(s)`);
  }
  const level = Math.min(...X.map((c) => c.level), ...W.flat().map((c) => c.level));
  const room = predictionRoomBits(ev.params, level, Math.max(...X.map((c) => c.scale)), Math.max(...W.flat().map((w) => w.scale)));
  if (room < PREDICTION_ROOM_BITS) {
    throw new TrainerError(
      op,
      `the model or the features are at level ${level}: the scores would have ${Math.max(0, room).toFixed(1)} bits of room above their scale, ${PREDICTION_ROOM_BITS} needed (refresh the model first, as EncryptedTrainer.predictScores does)`,
    );
  }
  const Xl = X.map((c) => ev.dropLevelNew(c, c.level - level));
  const Wl = W.map((parts) => parts.map((w) => (w instanceof Ciphertext && w.level > level ? ev.dropLevelNew(w, w.level - level) : w)));
  return new MatrixOps(ev).productABt(layout, Xl, Wl);
}

/**
 * A model in the clear as plaintexts for {@link predictScores}: per pair of
 * classes, per column part, the rows of W tiled and paired (W_2u + i W_2u+1).
 * @param encoder an encoder
 * @param W the model, K x d (bias first)
 * @param width the part width used in training
 * @param level the level of the encrypted features it will multiply
 * @param scale the plaintexts' scale (default 2^40, the trainer's weights scale)
 * @returns plaintexts[u][p]
 * @throws TrainerError if the width does not fit the slots
 */
export function encodeModel(encoder: Encoder, W: { rows: number; cols: number; data: Float64Array }, width: number, level: number, scale = TRAINING_SCALES.weights): Plaintext[][] {
  const params = encoder.params;
  const layout = trainingLayout(params, { n: 1, d: W.cols, K: W.rows }, width);
  const out: Plaintext[][] = [];
  for (let u = 0; u < Math.ceil(W.rows / 2); u++) {
    const parts: Plaintext[] = [];
    for (let p = 0; p < layout.parts; p++) {
      const row = (c: number): Float64Array => {
        const v = new Float64Array(width);
        if (c < W.rows) for (let j = 0; j < width && p * width + j < W.cols; j++) v[j] = W.data[c * W.cols + p * width + j];
        return tileRow(v, width, params.slots);
      };
      parts.push(encoder.encode({ re: row(2 * u), im: row(2 * u + 1) }, level, scale));
    }
    out.push(parts);
  }
  return out;
}
