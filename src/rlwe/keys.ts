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
 * seed by SHAKE256, so a key can later be stored as seed + b_j only.
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
  polyForwardNtt,
  polySetSmall,
} from '../ntt/index.js';
import { addGadgetInto, encryptZeroInto, squareInto } from './core.js';
import { CkksError, InsecureParametersError } from './errors.js';
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

/** A hybrid switching key from some s' to s: per digit, (b_j, a_j) over QP in NTT form. */
export class SwitchingKey {
  readonly fingerprint: string;
  /** b_j, one per digit, |Q| + |P| limbs each. */
  readonly b: RnsPoly[];
  /** a_j, one per digit. */
  readonly a: RnsPoly[];
  /** Seed of the a_j. */
  readonly seed: Uint8Array;
  /** @internal */
  constructor(params: Parameters, b: RnsPoly[], a: RnsPoly[], seed: Uint8Array) {
    this.fingerprint = params.fingerprint;
    this.b = b;
    this.a = a;
    this.seed = seed;
  }

  /** Size in bytes of the key material held. */
  get byteLength(): number {
    return this.b.reduce((s, p) => s + p.data.byteLength, 0) * 2;
  }
}

/** The keys a server needs to evaluate: relinearization and Galois keys by Galois element. */
export class EvaluationKeys {
  readonly fingerprint: string;
  /** Relinearization key (s^2 -> s), if generated. */
  relin: SwitchingKey | undefined;
  /** Galois keys (sigma_g(s) -> s) by Galois element g. */
  readonly galois: Map<number, SwitchingKey>;
  /** @param params parameters */
  constructor(params: Parameters, relin?: SwitchingKey, galois?: Map<number, SwitchingKey>) {
    this.fingerprint = params.fingerprint;
    this.relin = relin;
    this.galois = galois ?? new Map();
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
   * Switching key from sPrime to sk: sPrime given in NTT form over QP.
   * @param sPrime the source secret (NTT form, |Q|+|P| limbs)
   * @param sk the target secret key
   */
  private genSwitchingKey(sPrime: RnsPoly, sk: SecretKey): SwitchingKey {
    const prm = this.params;
    const nQ = prm.Q.length;
    const total = nQ + prm.P.length;
    const moduli = prm.basisQP.moduli;
    const seed = randomSeed();
    const xof = new XofSource(seed, XOF_LABEL_SWITCHING_KEY);
    const bs: RnsPoly[] = [];
    const as: RnsPoly[] = [];
    for (let j = 0; j < prm.dnum; j++) {
      const a = this.alloc(total);
      sampleUniform(xof, a, moduli);
      a.isNtt = true;
      const b = this.alloc(total);
      encryptZeroInto(this.source, sk.poly, a, b, prm.basisQP);
      addGadgetInto(prm, b, sPrime, j);
      bs.push(b);
      as.push(a);
    }
    return new SwitchingKey(prm, bs, as, seed);
  }

  /**
   * Relinearization key: switches s^2 to s.
   * @param sk the secret key
   */
  genRelinKey(sk: SecretKey): SwitchingKey {
    checkSecret('KeyGenerator.genRelinKey', this.params, sk);
    const prm = this.params;
    const s2 = this.alloc(prm.basisQP.moduli.length);
    squareInto(sk.poly, s2, prm.basisQP);
    const key = this.genSwitchingKey(s2, sk);
    wipe(s2.data);
    return key;
  }

  /**
   * Galois key for sigma_g: switches s(X^g) to s.
   * @param sk the secret key
   * @param g odd Galois element in [1, 2N)
   */
  genGaloisKey(sk: SecretKey, g: number): SwitchingKey {
    checkSecret('KeyGenerator.genGaloisKey', this.params, sk);
    const prm = this.params;
    const perm = automorphismNttIndex(prm.logN, g);
    const sg = this.alloc(prm.basisQP.moduli.length);
    sg.isNtt = true;
    const N = prm.N;
    for (let i = 0; i < prm.basisQP.moduli.length; i++) {
      automorphismNtt(sk.poly.data.subarray(i * N, (i + 1) * N), sg.data.subarray(i * N, (i + 1) * N), perm);
    }
    const key = this.genSwitchingKey(sg, sk);
    wipe(sg.data);
    return key;
  }

  /**
   * Evaluation keys for a server: relinearization key (optional) and the
   * Galois keys of the given rotation steps (and conjugation).
   * @param sk the secret key
   * @param opts relin (default true), rotation steps (left rotations; negative = right), conjugate
   * @returns evaluation keys; steps mapping to the same Galois element share one key, step 0 needs none
   */
  genEvaluationKeys(sk: SecretKey, opts: { relin?: boolean; steps?: readonly number[]; conjugate?: boolean } = {}): EvaluationKeys {
    const keys = new EvaluationKeys(this.params, opts.relin === false ? undefined : this.genRelinKey(sk));
    for (const g of galoisElementsFor(this.params, opts.steps ?? [], opts.conjugate ?? false)) {
      keys.galois.set(g, this.genGaloisKey(sk, g));
    }
    return keys;
  }
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
