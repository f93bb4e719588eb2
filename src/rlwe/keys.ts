/**
 * Keys and key generation: ternary secret key, public key, relinearization
 * key and Galois (rotation / conjugation) keys, with hybrid key switching
 * (Han and Ki, "Better Bootstrapping for Approximate Homomorphic Encryption",
 * CT-RSA 2020, section 3; the RNS form of Cheon, Han, Kim, Kim and Song,
 * SAC 2018, section 4).
 *
 * A switching key from s' to s has one component per digit j:
 *   (b_j, a_j) over QP,  b_j = -a_j s + e_j + P * [Q/Q_j]_... * s'
 * where, in RNS, the gadget factor is simply P on the limbs of digit j and 0
 * elsewhere (because (Q/Q_j)[(Q/Q_j)^-1]_{Q_j} is 1 modulo the primes of Q_j
 * and 0 modulo the other primes of Q). The a_j are expanded from a 32-byte
 * seed (XofSource: SHAKE256-keyed ChaCha20), so a key can be stored as
 * seed + b_j only, on disk (the seeded form) or in memory (a compact key,
 * src/rlwe/compact.ts).
 *
 * Every key comes from one path: the public key is one secret-key encryption
 * of zero over QP ({@link encryptZeroInto}), and each digit of every switching
 * key (relinearization, Galois, and any s' -> s) is one such encryption plus
 * the gadget term ({@link addGadgetInto}); both live in src/rlwe/core.ts.
 *
 * @module
 */

import {
  RnsPoly,
  automorphismNtt,
  automorphismNttIndex,
  galoisElementForConjugation,
  galoisElementForRotation,
  indexRange,
  polyForwardNtt,
  polySetSmall,
  selectBasis,
  type RnsBasis,
} from '../ntt/index.js';
import { addGadgetInto, encryptZeroInto, squareInto } from './core.js';
import { CkksError, InsecureParametersError, LevelMismatchError } from './errors.js';
import { type RlweParameters as Parameters, checkFingerprint } from './params.js';
import { CsprngSource, type RandomSource, XofSource, randomSeed, wipe } from './random.js';
import { maxLogQPSparse, sampleTernary, sampleTernarySparse, sampleUniform } from './sampling.js';

/** Domain-separation labels of the XOF streams. */
export const XOF_LABEL_SWITCHING_KEY = 'hecnn/ckks switching-key a v1';
export const XOF_LABEL_PUBLIC_KEY = 'hecnn/ckks public-key a v1';

/** The ternary secret s, as small coefficients and in NTT form over every prime of QP. */
export class SecretKey {
  readonly fingerprint: string;
  /** Coefficients in {-1, 0, 1}. */
  readonly coeffs: Int8Array;
  /** s in NTT form over Q then P (|Q| + |P| limbs). */
  readonly poly: RnsPoly;
  private wiped = false;

  /** @internal use {@link KeyGenerator.genSecretKey} */
  constructor(params: Parameters, coeffs: Int8Array, poly: RnsPoly) {
    this.fingerprint = params.fingerprint;
    this.coeffs = coeffs;
    this.poly = poly;
  }

  /** Whether {@link wipe} has been called. */
  get isWiped(): boolean {
    return this.wiped;
  }

  /** Overwrite the key material with zeros. The key is unusable afterwards. */
  wipe(): void {
    wipe(this.coeffs, this.poly.data);
    this.wiped = true;
  }
}

/**
 * Public key (b, a) = (-a s + e, a) over QP (all |Q| + |P| limbs), NTT form.
 * Encryption works over Q_l P and divides by P at the end (as SEAL does), so
 * the public-key noise e u + e_0 + e_1 s is divided by P and only rounding
 * noise remains.
 */
export class PublicKey {
  readonly fingerprint: string;
  readonly b: RnsPoly;
  readonly a: RnsPoly;
  /** Seed of a. */
  readonly seed: Uint8Array;
  /** @internal use {@link KeyGenerator.genPublicKey} */
  constructor(params: Parameters, b: RnsPoly, a: RnsPoly, seed: Uint8Array) {
    this.fingerprint = params.fingerprint;
    this.b = b;
    this.a = a;
    this.seed = seed;
  }
}

/**
 * A hybrid switching key from some s' to s: per digit, (b_j, a_j) over Q_l ∪ P
 * in NTT form, l = {@link level}.
 *
 * A key restricted to a level l < L (Q limbs 0..l plus P, and only the
 * ceil((l + 1) / digitSize) digits covering them) switches any ciphertext at a
 * level l' <= l exactly as the full key does: the inner product of hybrid key
 * switching at level l' reads only the limbs Q_0..Q_l' and P of the first
 * ceil((l' + 1) / digitSize) digits (Han and Ki, CT-RSA 2020, section 3;
 * Lattigo sizes its evaluation keys by a maximum level the same way). Keys
 * used only low in the chain (bootstrapping's SlotsToCoeffs, a residual
 * circuit) are then smaller and faster to generate.
 */
export class SwitchingKey {
  readonly fingerprint: string;
  /** b_j, one per digit, level + 1 + |P| limbs each (Q_0..Q_level, then P). */
  readonly b: RnsPoly[];
  /** a_j, one per digit; empty when the key is {@link compact}. */
  readonly a: RnsPoly[];
  /** Seed of the a_j. */
  readonly seed: Uint8Array;
  /** The highest ciphertext level (Q prime index) this key switches at; L = |Q| - 1 for a full key. */
  readonly level: number;
  /**
   * @internal Whether the a_j are known to be the expansion of {@link seed}
   * (keys from KeyGenerator or from a seeded file), so that holding the key
   * compact ({@link compactSwitchingKey}) needs no check.
   */
  readonly aFromSeed: boolean;
  /**
   * @internal
   * @param params parameters
   * @param b b_j per digit
   * @param a a_j per digit, or none for a compact key (regenerated from the seed when used)
   * @param seed seed of the a_j
   * @param level highest level covered (default: the top, |Q| - 1)
   * @param aFromSeed whether the a_j are known to come from the seed (default false)
   * @throws CkksError (INVALID_ARGUMENT) on a level outside [0, |Q| - 1], or a and b of different digit counts
   */
  constructor(params: Parameters, b: RnsPoly[], a: RnsPoly[], seed: Uint8Array, level: number = params.Q.length - 1, aFromSeed = false) {
    if (!Number.isInteger(level) || level < 0 || level > params.Q.length - 1) {
      throw new CkksError('INVALID_ARGUMENT', 'SwitchingKey', `level must be an integer in [0, ${params.Q.length - 1}], got ${String(level)}`);
    }
    if (a.length !== 0 && a.length !== b.length) throw new CkksError('INVALID_ARGUMENT', 'SwitchingKey', `a has ${a.length} digit(s) and b ${b.length}: a must have as many, or none (compact)`);
    if (a.length === 0 && !aFromSeed) throw new CkksError('INVALID_ARGUMENT', 'SwitchingKey', 'a compact key (no a_j) must have its a_j from its seed');
    this.fingerprint = params.fingerprint;
    this.b = b;
    this.a = a;
    this.seed = seed;
    this.level = level;
    this.aFromSeed = aFromSeed;
  }

  /**
   * Whether the key holds only its b_j and seed: key switching regenerates
   * the a_j from the seed each time it takes up the key (`expandSwitchingKeyA`,
   * src/rlwe/compact.ts), so the key takes half the memory.
   */
  get compact(): boolean {
    return this.a.length === 0;
  }

  /** Size in bytes of the key material held (b_j, and the a_j unless compact). */
  get byteLength(): number {
    return [...this.b, ...this.a].reduce((s, p) => s + p.data.byteLength, 0);
  }
}

/**
 * The shape of a switching key restricted to `level`: its digit count and the
 * basis of its limbs (Q_0..Q_level, then P), in the order the limbs are held.
 * @param params parameters
 * @param level highest level covered, in [0, |Q| - 1]
 * @returns digits = ceil((level + 1) / digitSize) and the basis Q_0..Q_level ∪ P
 * @throws CkksError (INVALID_ARGUMENT) on a level outside [0, |Q| - 1]
 */
export function switchingKeyShape(params: Parameters, level: number): { digits: number; basis: RnsBasis } {
  const nQ = params.Q.length;
  if (!Number.isInteger(level) || level < 0 || level > nQ - 1) {
    throw new CkksError('INVALID_ARGUMENT', 'switchingKeyShape', `level must be an integer in [0, ${nQ - 1}], got ${String(level)}`);
  }
  const basis = level === nQ - 1 ? params.basisQP : selectBasis(params.basisQP, [...indexRange(0, level + 1), ...indexRange(nQ, nQ + params.P.length)]);
  return { digits: Math.ceil((level + 1) / params.digitSize), basis };
}

/**
 * Refuse key switching at a ciphertext level above the key's (before any work).
 * @param op the operation, for the message
 * @param key the switching key
 * @param level the ciphertext level
 * @param what how the message names the key, e.g. "the Galois key of rotation by 3"
 * @throws LevelMismatchError if level > key.level
 */
export function checkKeyLevel(op: string, key: SwitchingKey, level: number, what = 'the switching key'): void {
  if (level > key.level) {
    throw new LevelMismatchError(op, `${what} was generated for levels up to ${key.level}, the ciphertext is at level ${level}: generate it with a higher level`);
  }
}

/**
 * The keys a server needs to evaluate: relinearization and Galois keys by
 * Galois element.
 *
 * Besides the keys themselves, a server may hold lower copies of some of them
 * ({@link lowGalois}, {@link lowRelin}): the same key restricted to a lower
 * level (`restrictSwitchingKey`, src/rlwe/compact.ts), held whole while the
 * key itself is held compact. Key switching below a copy's level takes the
 * copy ({@link galoisKeyAt}, {@link relinKeyAt}): bit for bit the same result
 * (the restriction is exact, see {@link SwitchingKey}), without regenerating
 * the key's a_j. A bootstrapping trainer holds its bootstrapping keys compact
 * this way and copies at its training level whole. Copies are server-side
 * memory only: serialization writes the keys, not the copies.
 */
export class EvaluationKeys {
  readonly fingerprint: string;
  /** Relinearization key (s^2 -> s), if generated. */
  relin: SwitchingKey | undefined;
  /** Galois keys (sigma_g(s) -> s) by Galois element g. */
  readonly galois: Map<number, SwitchingKey>;
  /** Lower copies of some Galois keys, by Galois element (each at a level below its key's). */
  readonly lowGalois: Map<number, SwitchingKey>;
  /** A lower copy of the relinearization key, if any. */
  lowRelin: SwitchingKey | undefined;
  /**
   * @param params parameters
   * @param relin the relinearization key
   * @param galois the Galois keys by element
   * @param low lower copies of some keys (see the class comment)
   */
  constructor(params: Parameters, relin?: SwitchingKey, galois?: Map<number, SwitchingKey>, low?: { relin?: SwitchingKey; galois?: Map<number, SwitchingKey> }) {
    this.fingerprint = params.fingerprint;
    this.relin = relin;
    this.galois = galois ?? new Map();
    this.lowRelin = low?.relin;
    this.lowGalois = low?.galois ?? new Map();
  }

  /**
   * The key of Galois element g to switch a ciphertext at `level`: its lower
   * copy if there is one covering that level, else the key.
   * @param g the Galois element
   * @param level the ciphertext's level
   * @returns the key, or undefined if there is none for g
   */
  galoisKeyAt(g: number, level: number): SwitchingKey | undefined {
    const low = this.lowGalois.get(g);
    return low !== undefined && level <= low.level ? low : this.galois.get(g);
  }

  /**
   * The relinearization key for a ciphertext at `level`: its lower copy if it covers that level, else the key.
   * @param level the ciphertext's level
   * @returns the key, or undefined if there is none
   */
  relinKeyAt(level: number): SwitchingKey | undefined {
    const low = this.lowRelin;
    return low !== undefined && level <= low.level ? low : this.relin;
  }
}

/** Options of the key generator. */
export interface KeyGeneratorOptions {
  /** Source of secret randomness (default: the platform CSPRNG). Tests may pass a seeded XofSource. */
  source?: RandomSource;
  /** Allocate key material on SharedArrayBuffers (default false). */
  shared?: boolean;
  /**
   * Sample secret keys with exactly this many nonzero coefficients (a sparse
   * ternary secret of fixed Hamming weight h, {@link sampleTernarySparse}), as
   * bootstrapping parameters do (h = 192 at N = 2^16 in Lattigo's and the 2024
   * guidelines' sparse-secret sets); default: the dense uniform ternary secret.
   * Security: a sparse secret is easier to find than a dense one, so the
   * parameters must also meet the sparse-secret bound
   * ({@link SPARSE_SECRET_MAX_LOG_QP_128}, 128 bits): the generator refuses
   * them (InsecureParametersError) unless they were created with the insecure
   * opt-in.
   */
  hammingWeight?: number;
}

/**
 * Generates secret, public, relinearization and Galois keys.
 * Pipeline position: KeyGenerator -> Encoder -> Encryptor -> Evaluator -> Decryptor.
 */
export class KeyGenerator {
  readonly params: Parameters;
  private readonly source: RandomSource;
  private readonly shared: boolean;
  /** Hamming weight of the secret keys (undefined: dense uniform ternary). */
  readonly hammingWeight: number | undefined;

  /**
   * @param params parameters
   * @param options randomness source, memory placement, Hamming weight of the secret
   * @throws CkksError (INVALID_ARGUMENT) on a Hamming weight outside [1, N]; InsecureParametersError
   *   if log2(QP) exceeds the sparse-secret bound for that weight (or none is known) and the
   *   parameters were not created with the insecure opt-in
   */
  constructor(params: Parameters, options: KeyGeneratorOptions = {}) {
    this.params = params;
    this.source = options.source ?? new CsprngSource();
    this.shared = options.shared ?? false;
    const h = options.hammingWeight;
    if (h !== undefined && (typeof h !== 'number' || !Number.isInteger(h) || h < 1 || h > params.N)) {
      throw new CkksError('INVALID_ARGUMENT', 'KeyGenerator', `hammingWeight must be an integer in [1, N = ${params.N}], got ${String(h)}`);
    }
    this.hammingWeight = h;
    if (h !== undefined) {
      const logQP = params.basisQP.moduli.reduce((acc, q) => acc + Math.log2(q), 0);
      const bound = maxLogQPSparse(params.logN, h);
      const optIn = (params as { literal?: { unsafeAllowInsecure?: unknown } }).literal?.unsafeAllowInsecure !== undefined;
      if ((bound === undefined || logQP > bound) && !optIn) {
        throw new InsecureParametersError(
          'KeyGenerator',
          (bound === undefined ? `no 128-bit bound is known for a sparse secret of Hamming weight ${h} at logN = ${params.logN}` : `log2(QP) = ${logQP.toFixed(2)} exceeds the 128-bit bound ${bound} for a sparse secret of Hamming weight ${h} at logN = ${params.logN}`) +
            '; create the parameters with unsafeAllowInsecure to use it anyway',
        );
      }
    }
  }

  private alloc(limbs: number): RnsPoly {
    const p = RnsPoly.alloc(this.params.N, limbs, this.shared);
    return p;
  }

  /** Scratch polynomials reused from key to key (never shared; secret-derived ones are wiped after each use). */
  private readonly scratchBufs = new Map<string, Uint32Array>();

  /** A scratch polynomial of `limbs` limbs (at most |Q| + |P|) for the role `name`, on one buffer of |Q| + |P| limbs per role. */
  private scratch(name: string, limbs: number): RnsPoly {
    const N = this.params.N;
    let buf = this.scratchBufs.get(name);
    if (buf === undefined) {
      buf = new Uint32Array(this.params.basisQP.moduli.length * N);
      this.scratchBufs.set(name, buf);
    }
    return new RnsPoly(N, limbs, buf.subarray(0, limbs * N));
  }

  /** Small signed coefficients to NTT form over all QP primes. */
  private smallToQP(coeffs: ArrayLike<number>): RnsPoly {
    const prm = this.params;
    const p = this.alloc(prm.basisQP.moduli.length);
    polySetSmall(coeffs, p, prm.basisQP);
    polyForwardNtt(p, prm.basisQP);
    return p;
  }

  /**
   * Sample a secret key with coefficients uniform in {-1, 0, 1}, or, with the
   * `hammingWeight` option, exactly h coefficients in {-1, 1} at uniform positions.
   * @returns the secret key (NTT form over QP, plus its coefficients)
   */
  genSecretKey(): SecretKey {
    const h = this.hammingWeight;
    const s = h === undefined ? sampleTernary(this.source, this.params.N) : sampleTernarySparse(this.source, this.params.N, h);
    return new SecretKey(this.params, s, this.smallToQP(s));
  }

  /**
   * Public key (b, a) = (-a s + e, a) over QP.
   * @param sk the secret key
   * @throws CkksError if the key is wiped or from other parameters
   */
  genPublicKey(sk: SecretKey): PublicKey {
    checkSecret('KeyGenerator.genPublicKey', this.params, sk);
    const prm = this.params;
    const L = prm.basisQP.moduli.length;
    const seed = randomSeed();
    const a = this.alloc(L);
    sampleUniform(new XofSource(seed, XOF_LABEL_PUBLIC_KEY), a, prm.basisQP.moduli);
    a.isNtt = true;
    const b = this.alloc(L);
    encryptZeroInto(this.source, sk.poly, a, b, prm.basisQP);
    return new PublicKey(prm, b, a, seed);
  }

  /**
   * Switching key from sPrime to sk over Q_0..Q_level ∪ P (Han and Ki, CT-RSA
   * 2020, section 3): per digit j < ceil((level + 1) / digitSize), one
   * secret-key encryption of zero plus the gadget term P s' on the digit's primes.
   * The a_j come from one XOF stream, digit after digit, each over the key's
   * level + 1 + |P| limbs in order (for the top level: exactly the full key).
   * @param sPrime the source secret (NTT form, |Q|+|P| limbs)
   * @param sk the target secret key
   * @param level highest level covered
   */
  private genSwitchingKey(sPrime: RnsPoly, sk: SecretKey, level: number, compact = false): SwitchingKey {
    const prm = this.params;
    const { digits, basis } = switchingKeyShape(prm, level);
    const total = basis.moduli.length;
    const moduli = basis.moduli;
    const restricted = total !== prm.basisQP.moduli.length;
    // The secrets on the key's limbs (the full polynomials when the key is full).
    const s = restricted ? restrictToKeyLimbs(prm, sk.poly, level, this.scratch('s', total)) : sk.poly;
    const sp = restricted ? restrictToKeyLimbs(prm, sPrime, level, this.scratch('sPrime', total)) : sPrime;
    const seed = randomSeed();
    const xof = new XofSource(seed, XOF_LABEL_SWITCHING_KEY);
    const bs: RnsPoly[] = [];
    const as: RnsPoly[] = [];
    // A compact key's a_j pass through one scratch polynomial and are not kept.
    const scratch = compact ? this.scratch('a', total) : undefined;
    for (let j = 0; j < digits; j++) {
      const a = scratch ?? this.alloc(total);
      sampleUniform(xof, a, moduli);
      a.isNtt = true;
      const b = this.alloc(total);
      encryptZeroInto(this.source, s, a, b, basis);
      addGadgetInto(prm, b, sp, j, level + 1);
      bs.push(b);
      if (scratch === undefined) as.push(a);
    }
    xof.destroy();
    if (restricted) wipe(s.data, sp.data);
    return new SwitchingKey(prm, bs, as, seed, level, true);
  }

  private keyLevel(op: string, level: number | undefined): number {
    const top = this.params.Q.length - 1;
    if (level === undefined) return top;
    if (!Number.isInteger(level) || level < 0 || level > top) throw new CkksError('INVALID_ARGUMENT', op, `the key level must be an integer in [0, ${top}], got ${String(level)}`);
    return level;
  }

  /**
   * Relinearization key: switches s^2 to s.
   * @param sk the secret key
   * @param level highest ciphertext level it will relinearize at (default: the top; a lower
   *   level gives a smaller key, see {@link SwitchingKey})
   * @param compact hold the key compact (`SwitchingKey.compact`: its a_j are not kept; default false)
   * @returns the key
   * @throws CkksError on a wiped or foreign secret key, or a level outside [0, |Q| - 1]
   */
  genRelinKey(sk: SecretKey, level?: number, compact = false): SwitchingKey {
    const op = 'KeyGenerator.genRelinKey';
    checkSecret(op, this.params, sk);
    const l = this.keyLevel(op, level);
    const prm = this.params;
    const s2 = this.scratch('sPrimeFull', prm.basisQP.moduli.length);
    squareInto(sk.poly, s2, prm.basisQP);
    const key = this.genSwitchingKey(s2, sk, l, compact);
    wipe(s2.data);
    return key;
  }

  /**
   * Galois key for sigma_g: switches s(X^g) to s.
   * @param sk the secret key
   * @param g odd Galois element in [1, 2N)
   * @param level highest ciphertext level it will be used at (default: the top)
   * @param compact hold the key compact (`SwitchingKey.compact`: its a_j are not kept; default false)
   * @returns the key
   * @throws CkksError on a wiped or foreign secret key, or a level outside [0, |Q| - 1]
   */
  genGaloisKey(sk: SecretKey, g: number, level?: number, compact = false): SwitchingKey {
    const op = 'KeyGenerator.genGaloisKey';
    checkSecret(op, this.params, sk);
    const l = this.keyLevel(op, level);
    const prm = this.params;
    const perm = automorphismNttIndex(prm.logN, g);
    const sg = this.scratch('sPrimeFull', prm.basisQP.moduli.length);
    sg.isNtt = true;
    const N = prm.N;
    for (let i = 0; i < prm.basisQP.moduli.length; i++) {
      automorphismNtt(sk.poly.data.subarray(i * N, (i + 1) * N), sg.data.subarray(i * N, (i + 1) * N), perm);
    }
    const key = this.genSwitchingKey(sg, sk, l, compact);
    wipe(sg.data);
    return key;
  }

  /**
   * Evaluation keys for a server: relinearization key (optional) and the
   * Galois keys of the given rotation steps (and conjugation), each restricted
   * to the highest level it will be used at when one is given ({@link SwitchingKey}).
   * @param sk the secret key
   * @param opts relin (default true), rotation steps (left rotations; negative = right),
   *   conjugate; `level`: the highest level of every key (default: the top);
   *   `relinLevel`, `conjugateLevel`: override `level` for those keys; `stepLevels`: the
   *   highest level per rotation step (overrides `level`; steps sharing a Galois element
   *   get the highest of their levels; a step present only here is generated too); `compact`:
   *   hold every key compact (`SwitchingKey.compact`: seed and b_j only, half the memory; the
   *   a_j are never kept, so generating them needs half the memory too)
   * @returns evaluation keys; steps mapping to the same Galois element share one key, step 0 needs none
   * @throws CkksError (INVALID_ARGUMENT) on a step that is not a safe integer or a level outside [0, |Q| - 1]
   */
  genEvaluationKeys(
    sk: SecretKey,
    opts: {
      relin?: boolean;
      steps?: readonly number[];
      conjugate?: boolean;
      level?: number;
      relinLevel?: number;
      conjugateLevel?: number;
      stepLevels?: ReadonlyMap<number, number>;
      compact?: boolean;
    } = {},
  ): EvaluationKeys {
    const op = 'KeyGenerator.genEvaluationKeys';
    checkSecret(op, this.params, sk);
    const level = this.keyLevel(op, opts.level);
    const relinLevel = this.keyLevel(op, opts.relinLevel ?? level);
    const conjLevel = this.keyLevel(op, opts.conjugateLevel ?? level);
    // Highest level per Galois element, decided before any key is generated.
    const levels = new Map<number, number>();
    const need = (g: number, l: number): void => {
      levels.set(g, Math.max(levels.get(g) ?? -1, l));
    };
    const stepLevels = opts.stepLevels ?? new Map<number, number>();
    for (const [k, l] of stepLevels) {
      const lk = this.keyLevel(op, l);
      for (const g of galoisElementsFor(this.params, [k])) need(g, lk);
    }
    for (const k of opts.steps ?? []) {
      const l = stepLevels.get(k);
      for (const g of galoisElementsFor(this.params, [k])) need(g, l === undefined ? level : this.keyLevel(op, l));
    }
    if (opts.conjugate ?? false) need(galoisElementForConjugation(this.params.logN), conjLevel);
    const compact = opts.compact === true;
    const keys = new EvaluationKeys(this.params, opts.relin === false ? undefined : this.genRelinKey(sk, relinLevel, compact));
    for (const g of [...levels.keys()].sort((x, y) => x - y)) keys.galois.set(g, this.genGaloisKey(sk, g, levels.get(g), compact));
    return keys;
  }
}

/**
 * The limbs Q_0..Q_level and P of a polynomial over Q ∪ P, copied into out.
 * @param params parameters
 * @param p a polynomial over Q ∪ P
 * @param level the last Q limb kept
 * @param out a polynomial of level + 1 + |P| limbs (overwritten)
 * @returns out
 */
function restrictToKeyLimbs(params: Parameters, p: RnsPoly, level: number, out: RnsPoly): RnsPoly {
  const N = params.N;
  const nQ = params.Q.length;
  const K = params.P.length;
  out.data.set(p.data.subarray(0, (level + 1) * N));
  out.data.set(p.data.subarray(nQ * N, (nQ + K) * N), (level + 1) * N);
  out.isNtt = p.isNtt;
  return out;
}

/**
 * The distinct Galois elements needed for the given rotation steps (and conjugation).
 *
 * Steps are reduced modulo N/2: with sparse packing (n < N/2 slots) the N/2
 * ring slots hold the n-slot vector repeated with period n, so a ring rotation
 * by k mod N/2 rotates every copy by k, and keys do not depend on the slot count.
 *
 * @param params parameters
 * @param steps left rotation steps (negative = right); steps equal to 0 modulo N/2 need no key
 * @param conjugate include the conjugation element
 * @returns sorted distinct Galois elements
 * @throws CkksError on a step that is not a safe integer
 */
export function galoisElementsFor(params: Parameters, steps: readonly number[], conjugate = false): number[] {
  const set = new Set<number>();
  for (const k of steps) {
    if (!Number.isSafeInteger(k)) throw new CkksError('INVALID_ARGUMENT', 'galoisElementsFor', `rotation steps must be safe integers, got ${String(k)}`);
    const g = galoisElementForRotation(k, params.logN); // reduces k modulo N/2
    if (g !== 1) set.add(g);
  }
  if (conjugate) set.add(galoisElementForConjugation(params.logN));
  return [...set].sort((x, y) => x - y);
}

function checkSecret(op: string, params: Parameters, sk: SecretKey): void {
  if (!(sk instanceof SecretKey)) throw new CkksError('INVALID_ARGUMENT', op, 'expected a SecretKey');
  checkFingerprint(op, params, sk, 'the secret key');
  if (sk.isWiped) throw new CkksError('INVALID_ARGUMENT', op, 'the secret key has been wiped');
}
