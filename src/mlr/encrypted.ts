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

import { type Ciphertext, Encoder, type Evaluator, type Parameters } from '../ckks/index.js';
import { MatrixLayout, MatrixOps, columnMask } from '../encoding/index.js';
import { SIGMOID3_C1, SIGMOID3_C3, nagSchedule } from './plain.js';

/** Error of the encrypted trainer (bad shapes, levels, or data). */
export class TrainerError extends Error {
  constructor(op: string, detail: string) {
    super(`${op}: ${detail}`);
    this.name = 'TrainerError';
  }
}

/** Shape of a training problem and its slot layout. */
export interface ProblemShape {
  /** Samples. */
  n: number;
  /** Columns of X (bias + features). */
  d: number;
  /** Classes. */
  K: number;
}

/**
 * Scales of the uploaded data and of the weights. W and V are kept at 2^40:
 * every rescale adds about N / sqrt(18) of rounding noise, i.e. 2^-16 of a
 * value at scale 2^30 but 2^-26 at 2^40, and W and V go through several
 * rescales per iteration and keep their errors across iterations. X is
 * encoded at 2^20 so that Z = X V^T lands at 2^30 after one rescale (where the
 * sigmoid's plaintext constants keep their precision). E is produced at
 * 2^35 (so the plaintext holding the small cubic coefficient is encoded at
 * about 2^32 and keeps ~20 bits), and X~ at 2^35 so that G = E^T X~ lands
 * back at the weights' scale.
 */
export const TRAINING_SCALES = Object.freeze({ x: 2 ** 20, xt: 2 ** 35, weights: 2 ** 40, labels: 2 ** 30 });

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

/** Levels one iteration consumes on V (W lags one more level). */
export const LEVELS_PER_ITERATION = 4;

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

  /** Column-0 mask over the rows of team member t (ones for the samples present). */
  private maskValues(t: number, value: number): Float64Array {
    const L = this.layout;
    const rows = Math.min(L.rowsPerCt, this.shape.n - t * L.rowsPerCt);
    return columnMask(L.width, L.slots, 0, rows, value);
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
          const mask = new Float64Array(L.slots);
          const rows = Math.min(L.rowsPerCt, this.shape.n - t * L.rowsPerCt);
          for (let r = 0; r < rows; r++) mask[r * L.width + c] = 1;
          const m = ev.rescaleNew(ev.mulPlainNew(y, this.encoder.encode(mask, lvl, this.params.Q[lvl])));
          const shifted = this.rotateBy(m, c); // only column 0 is non-zero now
          const halfConst = this.encoder.encode(this.maskValues(t, 0.5), shifted.level, shifted.scale);
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
    const v = this.weights.V[0][0].level;
    return v - LEVELS_PER_ITERATION - 1 >= this.minLevel;
  }

  /**
   * One iteration (refreshing first when the levels run out).
   * @returns statistics of the iteration
   */
  step(): IterationStats {
    const ev = this.ev;
    let refreshed = false;
    if (!this.canIterate()) {
      this.weights = this.refresher.refresh(this.weights);
      this.refreshes++;
      refreshed = true;
      if (!this.canIterate()) {
        throw new TrainerError('EncryptedTrainer.step', `not enough levels for one iteration after a refresh (V at level ${this.weights.V[0][0].level}, need ${LEVELS_PER_ITERATION + 1 + this.minLevel})`);
      }
    }
    const t0 = performance.now();
    ev.resetCounters();
    const it = this.iteration;
    const eta = this.schedule.eta[it];
    const g1 = 1 + this.schedule.gamma[it];
    const L = this.layout;
    const Q = this.params.Q;
    const { W, V } = this.weights;
    const l = V[0][0].level;

    // Z_u = X V_u^T, split into the two classes of the pair.
    const Xl = this.upload.X.map((c) => ev.dropLevelNew(c, c.level - l));
    const Zp = this.ops.productABt(L, Xl, V); // [u][t], packed pairs
    const zs: Ciphertext[][][] = Zp.map((teams) => teams.map((zt) => this.ops.split(zt))); // [u][t][0|1]
    // Scale of E such that G = E^T X~ (one rescale by q_{l-3}) lands exactly on the weights'
    // scale: the scales of V, W and G then stay put from one iteration to the next.
    const xt = this.upload.Xt[0];
    const eScale = (TRAINING_SCALES.weights * Q[l - 3]) / xt.scale;

    // t_c = (1+g) c1 mask z + (1+g) c3 mask z^3 per class, then E_u = (1+g) Ym_u - (t_2u + i t_2u+1).
    const E: Ciphertext[][] = [];
    for (let u = 0; u < this.pairs; u++) {
      const perTeam: Ciphertext[] = [];
      for (let t = 0; t < L.teams; t++) {
        const terms: Ciphertext[] = [];
        for (let h = 0; h < 2 && 2 * u + h < this.shape.K; h++) terms.push(this.sigmoidTerms(zs[u][t][h], g1, t, eScale));
        const T = terms.length === 2 ? this.ops.pack(terms[0], terms[1]) : terms[0];
        const ym = this.Ym[u][t];
        const yl = ev.dropLevelNew(ym, ym.level - (T.level + 1));
        const ycon = ev.rescaleNew(ev.mulConstNew(yl, g1, (T.scale * Q[yl.level]) / yl.scale));
        perTeam.push(ev.subNew(ycon, T));
      }
      E.push(perTeam);
    }

    // G_u = E_u^T X~ per column part, tiled.
    const eLevel = E[0][0].level;
    const Xtl = this.upload.Xt.map((c) => ev.dropLevelNew(c, c.level - eLevel));
    const G = E.map((e) => this.ops.productAtB(L, e, Xtl));

    // NAG: V' = W + G; W' = (1 - eta) V' + eta V.
    const newW: Ciphertext[][] = [];
    const newV: Ciphertext[][] = [];
    for (let u = 0; u < this.pairs; u++) {
      newW.push([]);
      newV.push([]);
      for (let p = 0; p < L.parts; p++) {
        const g = G[u][p];
        const w = W[u][p];
        const wAligned = ev.rescaleNew(ev.mulConstNew(w, 1, (g.scale * Q[w.level]) / w.scale));
        ev.dropLevel(wAligned, wAligned.level - g.level, wAligned);
        const vNew = ev.addNew(wAligned, g);
        const a1 = ev.rescaleNew(ev.mulConstNew(vNew, 1 - eta));
        const v = V[u][p];
        const a2 = ev.rescaleNew(ev.mulConstNew(v, eta, (a1.scale * Q[v.level]) / v.scale));
        ev.dropLevel(a2, a2.level - a1.level, a2);
        newW[u].push(ev.addNew(a1, a2));
        newV[u].push(vNew);
      }
    }
    this.weights = { W: newW, V: newV };
    this.iteration++;
    return {
      iteration: this.iteration,
      seconds: (performance.now() - t0) / 1000,
      rotations: ev.counters.rotations,
      ctMultiplications: ev.counters.ctMultiplications,
      keySwitches: ev.counters.keySwitches,
      level: newV[0][0].level,
      refreshed,
    };
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
    const Q = this.params.Q;
    const lz = z.level;
    const z2 = ev.rescaleNew(ev.relinearizeNew(ev.mulNew(z, z)));
    const m3Scale = (target * Q[lz] * Q[lz - 1]) / (z.scale * z2.scale);
    const m3 = this.encoder.encode(this.maskValues(team, g1 * SIGMOID3_C3), lz, m3Scale);
    const a = ev.rescaleNew(ev.mulPlainNew(z, m3));
    const b = ev.rescaleNew(ev.relinearizeNew(ev.mulNew(a, z2)));
    const m1 = this.encoder.encode(this.maskValues(team, g1 * SIGMOID3_C1), lz, (target * Q[lz]) / z.scale);
    const lin = ev.rescaleNew(ev.mulPlainNew(z, m1));
    ev.dropLevel(lin, lin.level - b.level, lin);
    return ev.addNew(lin, b);
  }
}

