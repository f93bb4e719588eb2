/**
 * The data owner's side of encrypted training (docs/ALGORITHM.md, Chiang 2023):
 * the secret key, the upload, the evaluation keys, refresh round trips and
 * decryption of the model. The server's side is {@link EncryptedTrainer}
 * (encrypted.ts), which never sees the secret key.
 *
 * @module
 */

import {
  type Ciphertext,
  Decryptor,
  Encoder,
  Encryptor,
  type EvaluationKeys,
  KeyGenerator,
  type KeyGeneratorOptions,
  type Parameters,
  SecretKey,
} from '../ckks/index.js';
import { type MatrixLayout, rotationStepsFor } from '../encoding/index.js';
import { type EncryptedWeights, type ProblemShape, type Refresher, TRAINING_SCALES, TrainerError, type Upload, trainingLayout, trainingXScale } from './encrypted.js';
import { type Matrix, computeBbar } from './plain.js';
import { type WeightBootstrapConfig, weightBootstrapKeyLevels } from './bootstrap.js';

/**
 * Default precision of {@link roundForSharing}: 16 bits after the binary
 * point (multiples of 2^-16, about 1.5e-5). The trainer's weights are
 * decrypted at scale 2^40 and one decryption adds an error of about 2^-26;
 * 2^-16 lies ten bits above it, and far below what the model's accuracy
 * depends on (the weights differ from the plaintext mirror's by 1e-7 to 1e-3).
 */
export const DEFAULT_SHARE_BITS = 16;

/**
 * Round decrypted values to multiples of 2^-bits before they leave the key
 * owner (Lattigo's `DecodePublic` idea): the low-order bits of a CKKS
 * decryption carry its error, which depends on the secret key (Li and
 * Micciancio, EUROCRYPT 2021); rounding to a precision well above the error
 * removes most of them. A heuristic, not a proof: a value near a rounding
 * boundary still reveals on which side its error fell, and an error larger
 * than 2^-bits survives. The proven route is `Decryptor.decryptForSharing`
 * (noise flooding).
 * @param values decrypted values
 * @param bits bits kept after the binary point, an integer in [1, 52] (default {@link DEFAULT_SHARE_BITS})
 * @returns a new array: round(x 2^bits) / 2^bits for every x
 * @throws TrainerError if bits is not an integer in [1, 52] or a value is not finite
 */
export function roundForSharing(values: Float64Array, bits: number = DEFAULT_SHARE_BITS): Float64Array {
  const op = 'roundForSharing';
  if (!Number.isInteger(bits) || bits < 1 || bits > 52) throw new TrainerError(op, `bits must be an integer in [1, 52], got ${String(bits)}`);
  const q = 2 ** bits;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isFinite(x)) throw new TrainerError(op, `value ${i} is not finite: ${x}`);
    out[i] = Math.round(x * q) / q + 0; // + 0: no -0 in the output
  }
  return out;
}

/**
 * The data owner: secret key, upload, evaluation keys, refresh and decryption.
 */
export class DataOwner implements Refresher {
  readonly params: Parameters;
  private readonly sk: SecretKey;
  private readonly kg: KeyGenerator;
  private readonly encoder: Encoder;
  private readonly encryptor: Encryptor;
  private readonly decryptor: Decryptor;
  /** Number of refresh round trips served. */
  refreshes = 0;
  private layoutOf: MatrixLayout | undefined;
  private shapeOf: ProblemShape | undefined;
  /**
   * The level the owner encrypts at (the upload, refreshed weights, features): the
   * top of the chain, or the top of the residual chain when the server bootstraps
   * ({@link trainingDataLevel}).
   */
  readonly dataLevel: number;

  /**
   * @param params parameters (N/2 slots must hold rows of the layout)
   * @param options randomness source for the keys (default: the platform CSPRNG), `hammingWeight` for
   *   a sparse secret (bootstrapping needs one: h = 192 at N = 2^16);
   *   `secretKey` to use an existing key instead of generating one (see {@link DataOwner.fromSecretKey});
   *   `dataLevel`, the level to encrypt at (default the top; {@link trainingDataLevel} when the server bootstraps)
   * @throws TrainerError if the given secret key is wiped or belongs to other parameters, or dataLevel is not a level
   */
  constructor(params: Parameters, options: KeyGeneratorOptions & { secretKey?: SecretKey; dataLevel?: number } = {}) {
    const op = 'DataOwner';
    this.params = params;
    const dl = options.dataLevel ?? params.maxLevel;
    if (!Number.isInteger(dl) || !params.levelTops.includes(dl)) throw new TrainerError(op, `dataLevel must be a level of the chain (${params.levelTops.join(', ')}), got ${String(dl)}`);
    this.dataLevel = dl;
    this.kg = new KeyGenerator(params, options);
    const sk = options.secretKey;
    if (sk !== undefined) {
      if (!(sk instanceof SecretKey)) throw new TrainerError(op, 'secretKey must be a SecretKey');
      if (sk.fingerprint !== params.fingerprint) throw new TrainerError(op, 'the secret key belongs to other parameters');
      if (sk.isWiped) throw new TrainerError(op, 'the secret key has been wiped');
    }
    this.sk = sk ?? this.kg.genSecretKey();
    this.encoder = new Encoder(params);
    this.encryptor = new Encryptor(params, this.sk);
    this.decryptor = new Decryptor(params, this.sk);
  }

  /**
   * A data owner around an existing secret key (e.g. loaded from the owner's
   * key file). The owner shares the key object: {@link wipe} wipes it.
   * @param params the key's parameters
   * @param sk the secret key
   * @param dataLevel the level to encrypt at (default the top)
   * @returns the owner
   * @throws TrainerError if the key is wiped or belongs to other parameters
   */
  static fromSecretKey(params: Parameters, sk: SecretKey, dataLevel?: number): DataOwner {
    return new DataOwner(params, dataLevel === undefined ? { secretKey: sk } : { secretKey: sk, dataLevel });
  }

  /** The secret key (for the owner's own storage; never give it to a server). */
  get secretKey(): SecretKey {
    return this.sk;
  }

  /** Whether {@link wipe} has been called (the owner can then no longer decrypt or refresh). */
  get isWiped(): boolean {
    return this.sk.isWiped;
  }

  /**
   * Record the shape and part width of the problem (as {@link encryptDataset}
   * does), so that an owner who did not encrypt the upload in this process can
   * decrypt weights.
   * @param shape the problem shape
   * @param width the part width of the upload
   * @throws TrainerError if the shape does not fit the parameters
   */
  setProblem(shape: ProblemShape, width: number): void {
    this.layoutOf = trainingLayout(this.params, shape, width);
    this.shapeOf = { ...shape };
  }

  /**
   * The evaluation keys the training circuit needs: relinearization, the
   * rotations of {@link rotationStepsFor} plus the small steps that extract
   * label columns (1 .. K-1, made from powers of two), and conjugation; with
   * `bootstrap`, also the keys of the server's {@link BootstrapRefresher}
   * ({@link weightBootstrapKeyLevels}, each key restricted to its level).
   * @param layout the layout of X (its width and slot count fix the rotations)
   * @param opts `bootstrap`: the weights' bootstrapping (the secret must then be sparse, see the constructor),
   *   `pairs`: pairs of classes it serves (default 5, the paper's 10 classes; the keys do not depend on it
   *   unless the weights need more than one bootstrapped ciphertext); `compact`: every key held compact
   *   (seed and b_j, `KeyGenerator.genEvaluationKeys`): half the memory to generate and hold them, the same
   *   file; a trainer then takes whole copies of those it uses every iteration ({@link compactBootstrapKeys})
   * @returns relinearization and Galois keys
   * @throws TrainerError / CkksError from {@link weightBootstrapKeyLevels} on a chain that cannot bootstrap
   */
  evaluationKeys(layout: MatrixLayout, opts: { bootstrap?: WeightBootstrapConfig; pairs?: number; compact?: boolean } = {}): EvaluationKeys {
    const { steps, conjugate } = rotationStepsFor(layout);
    const compact = opts.compact === true;
    if (opts.bootstrap === undefined) return this.kg.genEvaluationKeys(this.sk, { steps, conjugate, compact });
    // Every key restricted to the highest level it is used at (weightBootstrapKeyLevels).
    const levels = weightBootstrapKeyLevels(this.params, layout, opts.pairs ?? 5, opts.bootstrap, steps);
    const all = [...levels.steps.keys()].sort((a, b) => a - b);
    return this.kg.genEvaluationKeys(this.sk, { steps: all, stepLevels: levels.steps, conjugate: true, conjugateLevel: levels.conjugation, relin: true, relinLevel: levels.relin, compact });
  }

  /**
   * Encrypt the training data: X (bias column first, n x d), its
   * preconditioned copy X~ = X diag(Bbar), the one-hot labels and the initial weights.
   * @param X design matrix n x d
   * @param Y one-hot labels n x K
   * @param opts w0 (initial value of every weight, default 0.0128 as in the paper), part width
   * @throws TrainerError on mismatched shapes or data that does not fit the slots
   */
  encryptDataset(X: Matrix, Y: Matrix, opts: { w0?: number; width?: number } = {}): Upload {
    const op = 'DataOwner.encryptDataset';
    if (X.rows !== Y.rows) throw new TrainerError(op, `X has ${X.rows} rows but Y has ${Y.rows}`);
    const shape: ProblemShape = { n: X.rows, d: X.cols, K: Y.cols };
    const layout = trainingLayout(this.params, shape, opts.width);
    this.layoutOf = layout;
    this.shapeOf = shape;
    const level = this.dataLevel;
    const enc = (v: Float64Array | { re: Float64Array; im: Float64Array }, scale: number): Ciphertext =>
      this.encryptor.encrypt(this.encoder.encode(v, level, scale));
    const bbar = computeBbar(X);
    const Xt = new Float64Array(X.data.length);
    for (let r = 0; r < X.rows; r++) for (let c = 0; c < X.cols; c++) Xt[r * X.cols + c] = X.data[r * X.cols + c] * bbar[c];
    const S = this.params.slots;
    const Yct: Ciphertext[] = [];
    for (let t = 0; t < layout.teams; t++) {
      const v = new Float64Array(S);
      for (let r = t * layout.rowsPerCt; r < Math.min(shape.n, (t + 1) * layout.rowsPerCt); r++) {
        for (let c = 0; c < shape.K; c++) v[(r % layout.rowsPerCt) * layout.width + c] = Y.data[r * shape.K + c];
      }
      Yct.push(enc(v, TRAINING_SCALES.labels));
    }
    const w0 = opts.w0 ?? 0.0128;
    const W0 = enc({ re: new Float64Array(S).fill(w0), im: new Float64Array(S).fill(w0) }, TRAINING_SCALES.weights);
    return {
      shape,
      width: layout.width,
      X: layout.pack(X.data).map((v) => enc(v, trainingXScale(this.params, level))),
      Xt: layout.pack(Xt).map((v) => enc(v, TRAINING_SCALES.xt)),
      Y: Yct,
      W0,
    };
  }

  /**
   * Refresh round trip: decrypt W and V and encrypt them again at the top level.
   * @param weights the server's weights
   * @returns fresh encryptions of the same values
   */
  refresh(weights: EncryptedWeights): EncryptedWeights {
    if (this.sk.isWiped) throw new TrainerError('DataOwner.refresh', 'the secret key has been wiped');
    const level = this.dataLevel;
    const again = (ct: Ciphertext): Ciphertext => {
      const z = this.encoder.decodeComplex(this.decryptor.decrypt(ct));
      return this.encryptor.encrypt(this.encoder.encode(z, level, TRAINING_SCALES.weights));
    };
    const out = { W: weights.W.map((parts) => parts.map(again)), V: weights.V.map((parts) => parts.map(again)) };
    this.refreshes++;
    return out;
  }

  /**
   * Decrypt the weights to a K x d matrix (row 0 of each tiled part).
   * @param W the server's W (per pair, per part)
   * @returns K x d weights, row-major
   * @throws TrainerError before a dataset was encrypted or {@link setProblem} called, or after {@link wipe}
   */
  decryptWeights(W: readonly (readonly Ciphertext[])[]): Matrix {
    const shape = this.shapeOf;
    const layout = this.layoutOf;
    if (shape === undefined || layout === undefined) throw new TrainerError('DataOwner.decryptWeights', 'encrypt a dataset (or call setProblem) first');
    if (this.sk.isWiped) throw new TrainerError('DataOwner.decryptWeights', 'the secret key has been wiped');
    const out = new Float64Array(shape.K * shape.d);
    W.forEach((parts, u) => {
      parts.forEach((ct, p) => {
        const z = this.encoder.decodeComplex(this.decryptor.decrypt(ct));
        for (let j = 0; j < layout.width && p * layout.width + j < shape.d; j++) {
          const col = p * layout.width + j;
          if (2 * u < shape.K) out[2 * u * shape.d + col] = z.re[j];
          if (2 * u + 1 < shape.K) out[(2 * u + 1) * shape.d + col] = z.im[j];
        }
      });
    });
    return { rows: shape.K, cols: shape.d, data: out };
  }

  /**
   * Decrypt the weights for someone other than the key owner: {@link decryptWeights}
   * rounded to multiples of 2^-bits ({@link roundForSharing}, a heuristic; see there).
   * @param W the server's W (per pair, per part)
   * @param bits bits kept after the binary point (default {@link DEFAULT_SHARE_BITS})
   * @returns K x d weights, row-major, rounded
   * @throws TrainerError as {@link decryptWeights}, or for bits outside [1, 52]
   */
  decryptWeightsForSharing(W: readonly (readonly Ciphertext[])[], bits: number = DEFAULT_SHARE_BITS): Matrix {
    const exact = this.decryptWeights(W);
    try {
      return { ...exact, data: roundForSharing(exact.data, bits) };
    } finally {
      exact.data.fill(0);
    }
  }

  /**
   * Encrypt the features of new samples for {@link predictScores}: X (bias
   * column first, n x d, d as in training) in the training layout's width, at
   * the top level and the trainer's X scale.
   * @param X design matrix n x d
   * @returns the ciphertexts and the shape to pass to predictScores (K from the trained problem)
   * @throws TrainerError before a dataset or problem is set, on a column count other than training's, or after a wipe
   */
  encryptFeatures(X: Matrix): { X: Ciphertext[]; shape: ProblemShape; width: number } {
    const op = 'DataOwner.encryptFeatures';
    const trained = this.shapeOf;
    const layoutOf = this.layoutOf;
    if (trained === undefined || layoutOf === undefined) throw new TrainerError(op, 'encrypt a dataset (or call setProblem) first');
    if (this.sk.isWiped) throw new TrainerError(op, 'the secret key has been wiped');
    if (X.cols !== trained.d) throw new TrainerError(op, `X has ${X.cols} columns, the model ${trained.d}`);
    const shape: ProblemShape = { n: X.rows, d: X.cols, K: trained.K };
    const layout = trainingLayout(this.params, shape, layoutOf.width);
    const level = this.dataLevel;
    const cts = layout.pack(X.data).map((v) => this.encryptor.encrypt(this.encoder.encode(v, level, trainingXScale(this.params, level))));
    return { X: cts, shape, width: layout.width };
  }

  /**
   * Decrypt class scores from {@link predictScores}.
   * @param scores result[u][t] of predictScores
   * @param shape the shape returned by {@link encryptFeatures}
   * @param width the part width
   * @returns the n x K scores (Z = X W^T), row-major
   * @throws TrainerError on mismatched counts or after a wipe
   */
  decryptScores(scores: readonly (readonly Ciphertext[])[], shape: ProblemShape, width: number): Matrix {
    const op = 'DataOwner.decryptScores';
    if (this.sk.isWiped) throw new TrainerError(op, 'the secret key has been wiped');
    const layout = trainingLayout(this.params, shape, width);
    const pairs = Math.ceil(shape.K / 2);
    if (scores.length !== pairs || scores.some((t) => t.length !== layout.teams)) {
      throw new TrainerError(op, `expected ${pairs} pair(s) x ${layout.teams} team member(s) of scores`);
    }
    const out = new Float64Array(shape.n * shape.K);
    scores.forEach((teams, u) => {
      teams.forEach((ct, t) => {
        const z = this.encoder.decodeComplex(this.decryptor.decrypt(ct));
        for (let r = 0; r < layout.rowsPerCt && t * layout.rowsPerCt + r < shape.n; r++) {
          const row = t * layout.rowsPerCt + r;
          if (2 * u < shape.K) out[row * shape.K + 2 * u] = z.re[r * layout.width];
          if (2 * u + 1 < shape.K) out[row * shape.K + 2 * u + 1] = z.im[r * layout.width];
        }
      });
    });
    return { rows: shape.n, cols: shape.K, data: out };
  }

  /** Zero the secret key (the key object itself, shared with {@link DataOwner.fromSecretKey}'s caller). The owner can no longer decrypt or refresh. */
  wipe(): void {
    this.sk.wipe();
  }
}
