/**
 * CKKS parameters: a plain literal goes through {@link createParameters}, which
 * validates it, generates the primes, checks security and returns a frozen
 * object holding every per-prime table (the design of Lattigo's
 * ParametersLiteral -> Parameters).
 *
 * Modulus chain: Q = q_0 q_1 ... q_L (ciphertext primes; a ciphertext at level
 * l lives modulo q_0 ... q_l, and rescaling divides by q_l), and
 * P = p_0 ... p_{K-1} (special primes, used only inside key switching).
 * Key switching is hybrid (Han and Ki, CT-RSA 2020): the Q primes are cut into
 * digits of `digitSize` consecutive primes, dnum = ceil((L+1)/digitSize)
 * digits, and the switching keys have one component per digit, so their size
 * grows linearly in the chain length for a fixed digit size.
 *
 * @module
 */

import { shake256 } from '@noble/hashes/sha3';
import {
  type RnsBasis,
  MAX_CONVERSION_PRIMES,
  indexRange,
  selectBasis,
  MAX_LOG_N,
  MAX_MODULUS_BITS,
  createRnsBasis,
  generateNttPrimes,
  generateNttPrimesNear,
  invMod,
  reduceBigInt,
  shoupConstant,
  subBasis,
} from '../ntt/index.js';
import { CkksError, type RlweParameters } from '../rlwe/index.js';
import { type SecurityLevel, checkSecurity, securityLevelOf } from './security.js';

/**
 * The value that a caller must pass as `unsafeAllowInsecure` to use parameters
 * above the security bound. It is long on purpose.
 */
export const INSECURE_OPT_IN = 'I understand these parameters are not secure' as const;

/** Plain description of a parameter set. */
export interface ParametersLiteral {
  /** log2 of the ring degree N, in [4, 17]. */
  logN: number;
  /**
   * Sizes of the ciphertext primes q_0, q_1, ..., in bits (each at most 30).
   * Each prime is the NTT-friendly prime nearest to 2^size; repeated sizes
   * alternate below and above 2^size. Alternatively give `Q`.
   */
  logQ?: number[];
  /** Explicit ciphertext primes (instead of logQ). */
  Q?: number[];
  /** Sizes of the special primes, in bits (largest primes below 2^size). Alternatively give `P`. */
  logP?: number[];
  /** Explicit special primes (instead of logP). */
  P?: number[];
  /** Default encoding scale 2^logDefaultScale. */
  logDefaultScale: number;
  /** log2 of the default number of slots, at most logN - 1 (default logN - 1). */
  logSlots?: number;
  /**
   * Number of ciphertext primes per key-switching digit (default: one less than the number of
   * special primes, at least 1, so that P exceeds every digit by a whole prime and the
   * key-switching noise sum_j d_j e_j / P stays far below the rounding noise).
   */
  digitSize?: number;
  /**
   * Primes per level, from level 0 upwards (default: one prime per level).
   * An entry k > 1 makes a high-precision level: a rescale from it divides by
   * the product of its k primes, so with 30-bit words its scale can reach
   * about 30k bits (composite scaling, as OpenFHE offers for 32-bit
   * hardware). Entry 0 is the base (the primes a ciphertext keeps at the
   * bottom). The entries are positive integers summing to the number of
   * ciphertext primes.
   */
  levelPrimes?: number[];
  /** Required classical security level (default 128). */
  securityLevel?: SecurityLevel;
  /**
   * Opt-in for parameters above the HomomorphicEncryption.org bound: must be
   * exactly {@link INSECURE_OPT_IN}. For tests and experiments only.
   */
  unsafeAllowInsecure?: typeof INSECURE_OPT_IN;
}

/**
 * Validated, frozen parameters with all precomputed tables: the RLWE view
 * ({@link RlweParameters}: ring, chain, key-switching digits) plus the CKKS
 * fields (scale, slots, rescaling tables).
 */
export interface Parameters extends RlweParameters {
  /** Maximal number of complex slots, N/2. */
  readonly maxSlots: number;
  readonly logSlots: number;
  /** Default number of slots, 2^logSlots. */
  readonly slots: number;
  /** Default scale (a float64, exactly 2^logDefaultScale). */
  readonly defaultScale: number;
  /** log2 of Q, of P, and of QP (real, not rounded). */
  readonly logQ: number;
  readonly logP: number;
  readonly logQP: number;
  /** Highest standard security level reached (0 when below 128 bits, only possible with the opt-in). */
  readonly securityLevel: 0 | SecurityLevel;
  /** Whether the parameters were accepted through the insecure opt-in. */
  readonly insecure: boolean;
  /**
   * Primes per level from level 0 upwards (all 1 unless the literal grouped
   * them). Ciphertext levels count primes: a ciphertext at level l holds
   * q_0..q_l, and only the top prime of a group is a level a rescale lands on
   * or starts from.
   */
  readonly levelPrimes: readonly number[];
  /**
   * rescalePrimes[l]: how many primes a rescale from level l divides away
   * (the size of the group whose top prime is q_l), 0 when q_l is not the top
   * of a group. A rescale from level l lands on level l - rescalePrimes[l].
   */
  readonly rescalePrimes: readonly number[];
  /**
   * levelTops[k]: the ciphertext level (top prime index) of the k-th level of
   * the chain counted in rescales from the base (levelTops[0] is the base's
   * top prime, levelTops[depth] = maxLevel). The identity with one prime per level.
   */
  readonly levelTops: readonly number[];
  /** Number of rescales from the top level to the base: levelPrimes.length - 1. */
  readonly depth: number;
  /**
   * Rescale tables: rescaleInv[l][i] = q_l^-1 mod q_i for i < l (index 0 unused),
   * with Shoup constants in rescaleInvShoup.
   */
  readonly rescaleInv: readonly Uint32Array[];
  readonly rescaleInvShoup: readonly Float64Array[];
  /**
   * Tables of the one-pass rescale by the two primes of a high-precision
   * level: rescaleTwo[l] for every l with rescalePrimes[l] === 2 (q_l and
   * q_{l-1} divided away together), undefined at the other levels.
   */
  readonly rescaleTwo: readonly (RescaleTwoTables | undefined)[];
  /** The literal the parameters were made from (frozen copy). */
  readonly literal: Readonly<ParametersLiteral>;
}

/**
 * Constants of a rescale by Q' = q_a q_b, the two primes of a high-precision
 * level (q_b = q_l its top prime, q_a = q_{l-1}): the Garner reconstruction of
 * the remainder modulo Q' from its two residues, and the per-prime constants
 * of its reduction and of the division for the primes q_i, i < l - 1, that
 * remain. Every Shoup constant is {@link shoupConstant} of the value beside it.
 */
export interface RescaleTwoTables {
  /** q_a^-1 mod q_b. */
  readonly garnerInv: number;
  /** Shoup constant of garnerInv modulo q_b. */
  readonly garnerInvShoup: number;
  /** ceil(q_a / q_b) q_b: the smallest multiple of q_b that is at least q_a, in [q_a, q_a + q_b) (below 2^31). */
  readonly garnerShift: number;
  /** (q_a q_b)^-1 mod q_i for i < l - 1. */
  readonly inv: Uint32Array;
  /** Shoup constants of inv. */
  readonly invShoup: Float64Array;
  /** q_a mod q_i for i < l - 1. */
  readonly qaMod: Uint32Array;
  /** Shoup constants of qaMod. */
  readonly qaModShoup: Float64Array;
  /** q_i - (q_a q_b mod q_i), in [1, q_i), for i < l - 1 (-Q' mod q_i, kept positive). */
  readonly prodNeg: Uint32Array;
}

/**
 * The tables of a rescale by q_{l-1} q_l, see {@link RescaleTwoTables}.
 * @param Q the ciphertext primes
 * @param l the top prime of the level, l >= 1
 * @returns the tables
 */
function rescaleTwoTables(Q: readonly number[], l: number): RescaleTwoTables {
  const qa = Q[l - 1];
  const qb = Q[l];
  const garnerInv = invMod(qa % qb, qb);
  const prod = BigInt(qa) * BigInt(qb);
  const m = l - 1;
  const inv = new Uint32Array(m);
  const invShoup = new Float64Array(m);
  const qaMod = new Uint32Array(m);
  const qaModShoup = new Float64Array(m);
  const prodNeg = new Uint32Array(m);
  for (let i = 0; i < m; i++) {
    const q = Q[i];
    const pm = reduceBigInt(prod, q);
    inv[i] = invMod(pm, q);
    invShoup[i] = shoupConstant(inv[i], q);
    qaMod[i] = qa % q;
    qaModShoup[i] = shoupConstant(qaMod[i], q);
    prodNeg[i] = q - pm;
  }
  return Object.freeze({
    garnerInv,
    garnerInvShoup: shoupConstant(garnerInv, qb),
    garnerShift: qa - (qa % qb) + qb, // qa % qb > 0: distinct primes
    inv,
    invShoup,
    qaMod,
    qaModShoup,
    prodNeg,
  });
}

function invalid(detail: string): never {
  throw new CkksError('INVALID_PARAMETERS', 'createParameters', detail);
}

function checkIntIn(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    invalid(`${name} must be an integer in [${lo}, ${hi}], got ${String(v)}`);
  }
  return v;
}

/** The literal's levelPrimes, checked (default: one prime per level). */
function checkLevelPrimes(v: unknown, count: number): number[] {
  if (v === undefined) return new Array<number>(count).fill(1);
  if (!Array.isArray(v) || v.length === 0) invalid(`levelPrimes must be a non-empty array of positive integers, got ${String(v)}`);
  let sum = 0;
  v.forEach((k, i) => {
    sum += checkIntIn(`levelPrimes[${i}]`, k, 1, count);
  });
  if (sum !== count) invalid(`levelPrimes must sum to the number of ciphertext primes ${count}, got ${sum}`);
  return v.slice() as number[];
}

/** Primes for the chain from sizes: alternating around 2^b for each run of equal sizes. */
function primesFromSizes(logN: number, sizes: number[], exclude: number[]): number[] {
  const taken = new Set(exclude);
  const out: number[] = [];
  let i = 0;
  while (i < sizes.length) {
    let j = i;
    while (j < sizes.length && sizes[j] === sizes[i]) j++;
    const ps = generateNttPrimesNear(logN, sizes[i], j - i, taken);
    for (const p of ps) {
      taken.add(p);
      out.push(p);
    }
    i = j;
  }
  return out;
}

/**
 * Validate a literal and build the parameters.
 * @param lit the literal
 * @returns frozen parameters
 * @throws InsecureParametersError if log2(QP) exceeds the HomomorphicEncryption.org bound for
 *   the requested security level and `unsafeAllowInsecure` is not {@link INSECURE_OPT_IN}
 * @throws CkksError (INVALID_PARAMETERS) on any malformed field
 */
export function createParameters(lit: ParametersLiteral): Parameters {
  if (typeof lit !== 'object' || lit === null) invalid(`the literal must be an object, got ${String(lit)}`);
  const logN = checkIntIn('logN', lit.logN, 4, MAX_LOG_N);
  const N = 2 ** logN;
  const logSlots = lit.logSlots === undefined ? logN - 1 : checkIntIn('logSlots', lit.logSlots, 0, logN - 1);
  if ((lit.Q === undefined) === (lit.logQ === undefined)) invalid('give exactly one of Q (primes) and logQ (sizes)');
  if ((lit.P === undefined) === (lit.logP === undefined)) invalid('give exactly one of P (primes) and logP (sizes)');
  const lo = logN + 2;
  let Q: number[] = [];
  let P: number[] = [];
  try {
    if (lit.logQ !== undefined) {
      if (!Array.isArray(lit.logQ) || lit.logQ.length === 0) invalid('logQ must be a non-empty array of sizes');
      lit.logQ.forEach((b, i) => checkIntIn(`logQ[${i}]`, b, lo, MAX_MODULUS_BITS));
    }
    if (lit.logP !== undefined) {
      if (!Array.isArray(lit.logP) || lit.logP.length === 0) invalid('logP must be a non-empty array of sizes');
      lit.logP.forEach((b, i) => checkIntIn(`logP[${i}]`, b, lo, MAX_MODULUS_BITS));
    }
    // Special primes first, as the largest primes of their sizes, so that P exceeds every digit of Q.
    if (lit.P !== undefined) {
      if (!Array.isArray(lit.P) || lit.P.length === 0) invalid('P must be a non-empty array of primes');
      P = lit.P.slice();
    } else {
      P = generateNttPrimes(logN, lit.logP as number[], lit.Q ?? []);
    }
    if (lit.Q !== undefined) {
      if (!Array.isArray(lit.Q) || lit.Q.length === 0) invalid('Q must be a non-empty array of primes');
      Q = lit.Q.slice();
    } else {
      Q = primesFromSizes(logN, lit.logQ as number[], P);
    }
  } catch (e) {
    if (e instanceof CkksError) throw e;
    invalid((e as Error).message);
  }
  const all = [...Q, ...P];
  if (new Set(all).size !== all.length) invalid('the primes of Q and P must all be distinct');
  // Cheap checks first (issue: a crafted literal must not make the loader build
  // tables): the primes are integers of the supported size, the count fits the
  // basis conversion, and the security bound holds, before any NTT table exists.
  all.forEach((q, i) => {
    if (typeof q !== 'number' || !Number.isSafeInteger(q) || q < 3 || q >= 2 ** MAX_MODULUS_BITS) {
      invalid(`${i < Q.length ? `Q[${i}]` : `P[${i - Q.length}]`} must be an integer in [3, 2^${MAX_MODULUS_BITS}), got ${String(q)}`);
    }
  });
  if (P.length > MAX_CONVERSION_PRIMES) invalid(`at most ${MAX_CONVERSION_PRIMES} special primes are supported (the fast basis conversion sums at most ${MAX_CONVERSION_PRIMES} limbs exactly), got ${P.length}`);
  const log2 = (xs: number[]): number => xs.reduce((s, x) => s + Math.log2(x), 0);
  const logQ = log2(Q);
  const logP = log2(P);
  const logQP = logQ + logP;
  const required: SecurityLevel = lit.securityLevel ?? 128;
  if (required !== 128 && required !== 192 && required !== 256) invalid(`securityLevel must be 128, 192 or 256, got ${String(required)}`);
  const optIn = lit.unsafeAllowInsecure;
  if (optIn !== undefined && optIn !== INSECURE_OPT_IN) {
    invalid(`unsafeAllowInsecure must be exactly "${INSECURE_OPT_IN}" when given`);
  }
  const secure = checkSecurity('createParameters', logN, logQP, required, optIn === INSECURE_OPT_IN, {
    citeStandard: true,
    remedy: `pass unsafeAllowInsecure: "${INSECURE_OPT_IN}" to use it anyway`,
  });
  let basisQP: RnsBasis;
  try {
    basisQP = createRnsBasis(all, logN);
  } catch (e) {
    invalid((e as Error).message);
  }
  const logDefaultScale = lit.logDefaultScale;
  if (typeof logDefaultScale !== 'number' || !Number.isFinite(logDefaultScale) || logDefaultScale <= 0 || logDefaultScale >= logQ) {
    invalid(`logDefaultScale must be a positive number below log2(Q) = ${logQ.toFixed(2)}, got ${String(logDefaultScale)}`);
  }
  const digitSize = lit.digitSize === undefined ? Math.min(Q.length, Math.max(1, P.length - 1)) : checkIntIn('digitSize', lit.digitSize, 1, Q.length);
  if (digitSize > MAX_CONVERSION_PRIMES) invalid(`digitSize must be at most ${MAX_CONVERSION_PRIMES} (the fast basis conversion sums at most ${MAX_CONVERSION_PRIMES} limbs exactly), got ${digitSize}`);
  // P must exceed every digit's product, or key switching noise is not reduced.
  for (let d = 0; d < Q.length; d += digitSize) {
    const digitBits = log2(Q.slice(d, d + digitSize));
    if (digitBits > logP) {
      invalid(`the special modulus P (${logP.toFixed(1)} bits) must exceed each key-switching digit; digit ${d / digitSize} has ${digitBits.toFixed(1)} bits (lower digitSize or add special primes)`);
    }
  }
  const levelPrimes = checkLevelPrimes(lit.levelPrimes, Q.length);
  const grouped = levelPrimes.some((k) => k !== 1);
  const rescalePrimes = new Array<number>(Q.length).fill(0);
  const levelTops: number[] = [];
  for (let g = 0, top = -1; g < levelPrimes.length; g++) {
    top += levelPrimes[g];
    rescalePrimes[top] = levelPrimes[g];
    levelTops.push(top);
  }
  const basisQ = subBasis(basisQP, Q.length);
  const basisP = selectBasis(basisQP, indexRange(Q.length, Q.length + P.length)); // shares basisQP's tables
  const rescaleInv: Uint32Array[] = [new Uint32Array(0)];
  const rescaleInvShoup: Float64Array[] = [new Float64Array(0)];
  for (let l = 1; l < Q.length; l++) {
    const inv = new Uint32Array(l);
    const sh = new Float64Array(l);
    for (let i = 0; i < l; i++) {
      inv[i] = invMod(Q[l] % Q[i], Q[i]);
      sh[i] = shoupConstant(inv[i], Q[i]);
    }
    rescaleInv.push(inv);
    rescaleInvShoup.push(sh);
  }
  const rescaleTwo = rescalePrimes.map((k, l) => (k === 2 ? rescaleTwoTables(Q, l) : undefined));
  const Pbig = basisP.product;
  const pInvModQ = new Uint32Array(Q.length);
  const pInvModQShoup = new Float64Array(Q.length);
  const pModQ = new Uint32Array(Q.length);
  const pModQShoup = new Float64Array(Q.length);
  for (let i = 0; i < Q.length; i++) {
    pModQ[i] = reduceBigInt(Pbig, Q[i]);
    pModQShoup[i] = shoupConstant(pModQ[i], Q[i]);
    pInvModQ[i] = invMod(pModQ[i], Q[i]);
    pInvModQShoup[i] = shoupConstant(pInvModQ[i], Q[i]);
  }
  const literal: ParametersLiteral = Object.freeze({
    logN,
    Q: Object.freeze(Q.slice()) as number[],
    P: Object.freeze(P.slice()) as number[],
    logDefaultScale,
    logSlots,
    digitSize,
    ...(grouped ? { levelPrimes: Object.freeze(levelPrimes.slice()) as number[] } : {}),
    securityLevel: required,
    ...(optIn ? { unsafeAllowInsecure: optIn } : {}),
  });
  const fingerprint = parametersFingerprint({ logN, Q, P, logDefaultScale, logSlots, digitSize, levelPrimes: grouped ? levelPrimes : undefined });
  return Object.freeze({
    logN,
    N,
    maxSlots: N / 2,
    logSlots,
    slots: 2 ** logSlots,
    Q: Object.freeze(Q.slice()),
    P: Object.freeze(P.slice()),
    maxLevel: Q.length - 1,
    defaultScale: 2 ** logDefaultScale,
    logQ,
    logP,
    logQP,
    securityLevel: securityLevelOf(logN, logQP),
    insecure: !secure,
    digitSize,
    dnum: Math.ceil(Q.length / digitSize),
    basisQ,
    basisP,
    basisQP,
    levelPrimes: Object.freeze(levelPrimes),
    rescalePrimes: Object.freeze(rescalePrimes),
    levelTops: Object.freeze(levelTops),
    depth: levelPrimes.length - 1,
    rescaleInv: Object.freeze(rescaleInv),
    rescaleInvShoup: Object.freeze(rescaleInvShoup),
    rescaleTwo: Object.freeze(rescaleTwo),
    pInvModQ,
    pInvModQShoup,
    pModQ,
    pModQShoup,
    fingerprint,
    literal,
  });
}

/**
 * The modulus a rescale from `level` divides by, as a float64: q_level, or
 * the product of the primes of the high-precision level whose top is `level`
 * (rounded to float64 when it exceeds 2^53). The natural scale of constants
 * and plaintexts multiplied into a ciphertext at `level`.
 * @param params the parameters
 * @param level a level of the chain
 * @returns the divisor (q_level where the level is not the top of a group)
 * @throws nothing
 */
export function levelModulus(params: Parameters, level: number): number {
  const k = Math.max(1, params.rescalePrimes[level] ?? 1);
  let m = 1;
  for (let j = 0; j < k && level - j >= 0; j++) m *= params.Q[level - j];
  return m;
}

/** The fields a parameter set's fingerprint covers. */
export interface FingerprintFields {
  readonly logN: number;
  readonly Q: readonly number[];
  readonly P: readonly number[];
  readonly logDefaultScale: number;
  readonly logSlots: number;
  readonly digitSize: number;
  /** Only when some level has more than one prime. */
  readonly levelPrimes?: readonly number[];
}

/**
 * The fingerprint of a parameter set: SHAKE256 (16 bytes, hex) of its defining
 * fields, computed without building any table, so that a loader can check a
 * stored fingerprint before it spends memory on the parameters. The grouping
 * enters only when it is not the default, so that parameter sets of one prime
 * per level keep their fingerprints.
 * @param f the fields (as createParameters normalizes them)
 * @returns 32 hex digits
 */
export function parametersFingerprint(f: FingerprintFields): string {
  const { logN, Q, P, logDefaultScale, logSlots, digitSize } = f;
  const input = new TextEncoder().encode(JSON.stringify({ v: 1, logN, Q, P, logDefaultScale, logSlots, digitSize, ...(f.levelPrimes ? { levelPrimes: f.levelPrimes } : {}) }));
  return Array.from(shake256(input, { dkLen: 16 }), (b) => b.toString(16).padStart(2, '0')).join('');
}

