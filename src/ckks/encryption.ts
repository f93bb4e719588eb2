/**
 * Encryption and decryption (Cheon, Kim, Kim and Song, ASIACRYPT 2017,
 * section 3.4, in the RNS form of Cheon, Han, Kim, Kim and Song, SAC 2018).
 *
 * Symmetric: ct = (-a s + e + m, a) with a uniform, expanded from a fresh
 * 32-byte seed by SHAKE256 (so the ciphertext can be stored as c_0 + seed),
 * e from the discrete Gaussian. Public key: ct = (b u + e_0 + m, a u + e_1)
 * with u ternary. The symmetric form has less noise (one Gaussian instead of
 * e u + e_0 + e_1 s) and is what a data owner who holds the secret key uses.
 *
 * @module
 */

import { RnsPoly, createRnsBasis, polyForwardNtt, polySetSmall } from '../ntt/index.js';
import { KeySwitcher } from './keyswitch.js';
import { CkksError } from './errors.js';
import { SecretKey, PublicKey } from './keys.js';
import type { Parameters } from './params.js';
import { CsprngSource, type RandomSource, WordReader, XofSource, randomSeed, sampleGaussian, sampleTernary, sampleUniform, wipe } from './sampling.js';
import { Ciphertext, Plaintext, checkFingerprint } from './types.js';

/** Domain-separation label of the XOF stream of symmetric ciphertexts' c_1. */
export const XOF_LABEL_CIPHERTEXT = 'hecnn/ckks ciphertext c1 v1';

/** Inline modular product, bounds as mulMod in src/ntt/modular.ts: result in [0, q). */
// A module-local copy of mulMod (src/ntt/modular.ts) on purpose: calling the imported one from
// these loops measured 8x slower (an imported binding is not inlined under every loader).
function mulModI(a: number, b: number, q: number, qInv: number): number {
  const t = (a * b * qInv) | 0; // floor(ab/q) +- 1, < 2^30
  let r = (Math.imul(a, b) - Math.imul(t, q)) | 0; // [-q, 2q)
  r += (r >> 31) & q;
  r = (r - q) | 0;
  return r + ((r >> 31) & q);
}

/**
 * Encrypts plaintexts under a secret key (symmetric) or a public key.
 */
export class Encryptor {
  readonly params: Parameters;
  private readonly key: SecretKey | PublicKey;
  private readonly source: RandomSource;

  /**
   * @param params parameters
   * @param key a SecretKey (symmetric encryption) or a PublicKey
   * @param source randomness for the errors (default: the platform CSPRNG)
   * @throws CkksError if the key is of another parameter set or wiped
   */
  constructor(params: Parameters, key: SecretKey | PublicKey, source?: RandomSource) {
    if (!(key instanceof SecretKey) && !(key instanceof PublicKey)) {
      throw new CkksError('INVALID_ARGUMENT', 'Encryptor', 'key must be a SecretKey or a PublicKey');
    }
    checkFingerprint('Encryptor', params, key, 'the key');
    this.params = params;
    this.key = key;
    this.source = source ?? new CsprngSource();
  }

  private switcher: KeySwitcher | undefined;

  private keySwitcher(): KeySwitcher {
    if (this.switcher === undefined) this.switcher = new KeySwitcher(this.params);
    return this.switcher;
  }

  /** Whether this encryptor uses the secret key. */
  get isSymmetric(): boolean {
    return this.key instanceof SecretKey;
  }

  /**
   * Encrypt a plaintext at its level, scale and slot count.
   * @param pt the plaintext
   * @param out optional destination (reshaped to the plaintext's level)
   * @returns the ciphertext (degree 1, NTT form)
   * @throws CkksError on a plaintext of other parameters or a wiped key
   */
  encrypt(pt: Plaintext, out?: Ciphertext): Ciphertext {
    const op = 'Encryptor.encrypt';
    if (!(pt instanceof Plaintext)) throw new CkksError('INVALID_ARGUMENT', op, 'expected a Plaintext');
    checkFingerprint(op, this.params, pt, 'the plaintext');
    const ct = this.encryptZero(pt.level, pt.scale, pt.slots, out);
    const N = this.params.N;
    const c0 = ct.c[0].data;
    const m = pt.poly.data;
    for (let i = 0; i <= pt.level; i++) {
      const q = this.params.Q[i];
      for (let c = i * N, e = c + N; c < e; c++) {
        const s = (c0[c] + m[c] - q) | 0;
        c0[c] = s + ((s >> 31) & q);
      }
    }
    return ct;
  }

  /**
   * An encryption of zero.
   * @param level level in [0, maxLevel]
   * @param scale scale to record
   * @param slots slot count to record
   * @param out optional destination
   */
  encryptZero(level: number, scale: number, slots: number, out?: Ciphertext): Ciphertext {
    const op = 'Encryptor.encryptZero';
    const prm = this.params;
    const ct = out ?? new Ciphertext(prm, 1, level, scale, slots);
    reshape(prm, ct, 1, level);
    ct.scale = scale;
    ct.slots = slots;
    const N = prm.N;
    const moduli = prm.Q;
    if (this.key instanceof SecretKey) {
      if (this.key.isWiped) throw new CkksError('INVALID_ARGUMENT', op, 'the secret key has been wiped');
      const seed = randomSeed();
      sampleUniform(new XofSource(seed, XOF_LABEL_CIPHERTEXT), ct.c[1], moduli);
      ct.c[1].isNtt = true;
      const e = sampleGaussian(this.source, N);
      polySetSmall(e, ct.c[0], prm.basisQ);
      wipe(e);
      polyForwardNtt(ct.c[0], prm.basisQ);
      const s = this.key.poly.data;
      const a = ct.c[1].data;
      const c0 = ct.c[0].data;
      for (let i = 0; i <= level; i++) {
        const q = moduli[i];
        const qInv = 1 / q;
        for (let c = i * N, end = c + N; c < end; c++) {
          const d = (c0[c] - mulModI(a[c], s[c], q, qInv)) | 0;
          c0[c] = d + ((d >> 31) & q);
        }
      }
      ct.seed = seed;
    } else {
      // Over Q_l P: (b u + e_0, a u + e_1), then divide by P (ModDown).
      const pk = this.key;
      const nL = level + 1;
      const nQ = prm.Q.length;
      const K = prm.P.length;
      const ext = nL + K;
      // Limb t of the extended polynomials is prime Q_t for t < nL, P_{t - nL} otherwise.
      const limbOf = (t: number): number => (t < nL ? t : nQ + (t - nL));
      const moduliExt = Array.from({ length: ext }, (_, t) => prm.basisQP.moduli[limbOf(t)]);
      const basisExt = createRnsBasis(moduliExt, prm.logN);
      const u = sampleTernary(this.source, N);
      const uP = new RnsPoly(N, ext);
      polySetSmall(u, uP, basisExt);
      wipe(u);
      polyForwardNtt(uP, basisExt);
      const switcher = this.keySwitcher();
      for (let k = 0; k < 2; k++) {
        const acc = new RnsPoly(N, ext);
        const e = sampleGaussian(this.source, N);
        polySetSmall(e, acc, basisExt);
        wipe(e);
        polyForwardNtt(acc, basisExt);
        const key = (k === 0 ? pk.b : pk.a).data;
        const dst = acc.data;
        for (let t = 0; t < ext; t++) {
          const q = moduliExt[t];
          const qInv = 1 / q;
          const kOff = limbOf(t) * N;
          for (let c = t * N, end = c + N, j = kOff; c < end; c++, j++) {
            const s = (dst[c] + mulModI(key[j], uP.data[c], q, qInv) - q) | 0;
            dst[c] = s + ((s >> 31) & q);
          }
        }
        switcher.modDownInto(acc, level, ct.c[k]);
        wipe(acc.data);
      }
      wipe(uP.data);
      ct.seed = undefined;
    }
    return ct;
  }
}

// ---------------------------------------------------------------------------
// Noise flooding for shared decryptions (IND-CPA-D)
// ---------------------------------------------------------------------------

/** Default statistical security of {@link Decryptor.decryptForSharing}, in bits. */
export const FLOODING_DEFAULT_SECURITY_BITS = 30;

/** Smallest statistical security {@link Decryptor.decryptForSharing} accepts, in bits. */
export const FLOODING_MIN_SECURITY_BITS = 30;

/** Default query budget of {@link Decryptor.decryptForSharing}: shared decryptions under one key. */
export const FLOODING_DEFAULT_QUERIES = 1;

/**
 * Largest flooding standard deviation, in bits: samples stay below 2^53
 * (exact float64 integers) with the sampler's tail cut at 8.6 sigma.
 */
export const FLOODING_MAX_SIGMA_BITS = 49;

/** Options of {@link Decryptor.decryptForSharing} and {@link floodingNoiseBits}. */
export interface SharingOptions {
  /**
   * log2 of a worst-case bound E on the error of the ciphertext: every
   * coefficient of (decryption - scale * message), in the coefficient domain,
   * has absolute value at most 2^noiseBoundBits. The caller must know it (from
   * a noise analysis of the circuit or a noise-estimation run on dummy data,
   * as OpenFHE's EXEC_NOISE_ESTIMATION mode); a fresh symmetric encryption has
   * E = 41 (the Gaussian's tail cut), i.e. 5.36 bits. A finite number in [0, 48].
   */
  noiseBoundBits: number;
  /**
   * Statistical security s: all shared decryptions of the query budget together
   * are within statistical distance 2^-s of decryptions that carry no
   * ciphertext error. An integer in [30, 128]; default 30.
   */
  securityBits?: number;
  /**
   * Query budget t: how many shared decryptions under this key the bound
   * covers (each one gets 2^-(s + log2 t)). An integer in [1, 2^40]; default 1
   * (then s bits per decryption; state your budget to get s bits over all of them).
   */
  queries?: number;
}

interface CheckedSharingOptions {
  noiseBoundBits: number;
  securityBits: number;
  queries: number;
}

function checkSharingOptions(op: string, opts: unknown): CheckedSharingOptions {
  if (typeof opts !== 'object' || opts === null) throw new CkksError('INVALID_ARGUMENT', op, 'opts must be an object with noiseBoundBits');
  const o = opts as Partial<SharingOptions>;
  const e = o.noiseBoundBits;
  if (typeof e !== 'number' || !Number.isFinite(e) || e < 0 || e > 48) {
    throw new CkksError('INVALID_ARGUMENT', op, `opts.noiseBoundBits must be a finite number in [0, 48] (log2 of the error bound), got ${String(e)}`);
  }
  const s = o.securityBits ?? FLOODING_DEFAULT_SECURITY_BITS;
  if (typeof s !== 'number' || !Number.isInteger(s) || s < FLOODING_MIN_SECURITY_BITS || s > 128) {
    throw new CkksError('INVALID_ARGUMENT', op, `opts.securityBits must be an integer in [${FLOODING_MIN_SECURITY_BITS}, 128], got ${String(s)}`);
  }
  const t = o.queries ?? FLOODING_DEFAULT_QUERIES;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 2 ** 40) {
    throw new CkksError('INVALID_ARGUMENT', op, `opts.queries must be an integer in [1, 2^40], got ${String(t)}`);
  }
  return { noiseBoundBits: e, securityBits: s, queries: t };
}

/**
 * log2 of the standard deviation sigma of the flooding noise that
 * {@link Decryptor.decryptForSharing} adds to every coefficient:
 *
 *   log2 sigma = noiseBoundBits + log2(N) / 2 + s + log2(t) - log2(sqrt(2 pi))
 *
 * Derivation. A shared decryption reveals m + e + f, where m = scale * message
 * (rounded), e is the ciphertext's error (which depends on the secret key:
 * the Li-Micciancio attack solves for s from it) and f is the flooding noise,
 * N independent Gaussians of standard deviation sigma, rounded to integers.
 * A simulator that knows only m outputs m + f. For continuous Gaussians,
 * SD(N(0, sigma^2 I), N(e, sigma^2 I)) = 2 Phi(||e||_2 / (2 sigma)) - 1
 * <= ||e||_2 / (sigma sqrt(2 pi)) (the distribution is isotropic, so only the
 * direction of e matters), and ||e||_2 <= sqrt(N) E with E = 2^noiseBoundBits.
 * Rounding to integers is the same function on both sides (round(x + e) =
 * round(x) + e for integer e), so it cannot increase the distance. Requiring
 * 2^-(s + log2 t) per decryption, t decryptions together stay within 2^-s of
 * the simulation (hybrid argument): the formula above.
 *
 * Examples (s = 30): a fresh symmetric encryption (E = 41, 5.36 bits) at
 * N = 2^12 gets sigma = 2^40.0 for one decryption (t = 1) and 2^50.0 for a
 * budget of t = 1024 (refused: above {@link FLOODING_MAX_SIGMA_BITS}); at
 * N = 2^16, 2^42.0 for t = 1. The decoded values then keep about
 * log2(scale) - log2(sigma) - log2(N)/2 - 3 bits (the noise summed over N
 * coefficients in each slot, and its maximum over the slots): 32 bits at
 * scale 2^80 and N = 2^12, nothing at the usual 2^30 to 2^40. Flooding is
 * only useful at large scales. Lower s only with a security argument of your own.
 *
 * Sampler: a rounded Gaussian, by the Box-Muller transform in float64 from
 * 53-bit uniforms of the platform CSPRNG (through {@link WordReader} over
 * {@link CsprngSource}). The 53-bit uniforms cut the tail at 8.57 sigma (mass
 * below 2^-52 per sample); float64 rounding perturbs each sample by a relative
 * 2^-50 or so. Neither is counted in the bound above.
 *
 * @param N ring degree (a power of two)
 * @param opts noise bound, statistical security, query budget
 * @returns log2(sigma)
 * @throws CkksError (INVALID_ARGUMENT) on bad options or N
 */
export function floodingNoiseBits(N: number, opts: SharingOptions): number {
  const op = 'floodingNoiseBits';
  if (!Number.isSafeInteger(N) || N < 2 || (N & (N - 1)) !== 0) throw new CkksError('INVALID_ARGUMENT', op, `N must be a power of two, got ${String(N)}`);
  const o = checkSharingOptions(op, opts);
  return o.noiseBoundBits + Math.log2(N) / 2 + o.securityBits + Math.log2(o.queries) - Math.log2(Math.sqrt(2 * Math.PI));
}

/** 2^-53. */
const INV_2_53 = 2 ** -53;

/**
 * Fill out with rounded Gaussians of standard deviation sigma (Box-Muller on
 * 53-bit uniforms from `reader`). |sample| <= 8.57 sigma + 1.
 */
function sampleRoundedGaussian(reader: WordReader, sigma: number, out: Float64Array): void {
  const n = out.length;
  for (let j = 0; j < n; j += 2) {
    // u1 in (0, 1], u2 in [0, 1), 53 bits each.
    const u1 = ((reader.next() >>> 5) * 67108864 + (reader.next() >>> 6) + 1) * INV_2_53;
    const u2 = ((reader.next() >>> 5) * 67108864 + (reader.next() >>> 6)) * INV_2_53;
    const r = sigma * Math.sqrt(-2 * Math.log(u1));
    const th = 2 * Math.PI * u2;
    out[j] = Math.round(r * Math.cos(th));
    if (j + 1 < n) out[j + 1] = Math.round(r * Math.sin(th));
  }
}

/**
 * Decrypts ciphertexts of degree 1 or 2 with the secret key.
 */
export class Decryptor {
  readonly params: Parameters;
  private readonly sk: SecretKey;

  /**
   * @param params parameters
   * @param sk the secret key
   * @throws CkksError if the key belongs to other parameters
   */
  constructor(params: Parameters, sk: SecretKey) {
    if (!(sk instanceof SecretKey)) throw new CkksError('INVALID_ARGUMENT', 'Decryptor', 'expected a SecretKey');
    checkFingerprint('Decryptor', params, sk, 'the secret key');
    this.params = params;
    this.sk = sk;
  }

  /**
   * m = c_0 + c_1 s (+ c_2 s^2), at the ciphertext's level, scale and slots.
   * The result is for the key owner: sharing decrypted CKKS results can leak
   * the key (Li and Micciancio, EUROCRYPT 2021); use {@link decryptForSharing}
   * for results that leave the owner (see the README's security section).
   * @param ct the ciphertext
   * @param out optional destination plaintext (must be at the ciphertext's level)
   * @returns the plaintext
   * @throws CkksError on other parameters, a wiped key, or a mismatched destination
   */
  decrypt(ct: Ciphertext, out?: Plaintext): Plaintext {
    const op = 'Decryptor.decrypt';
    if (!(ct instanceof Ciphertext)) throw new CkksError('INVALID_ARGUMENT', op, 'expected a Ciphertext');
    checkFingerprint(op, this.params, ct, 'the ciphertext');
    if (this.sk.isWiped) throw new CkksError('INVALID_ARGUMENT', op, 'the secret key has been wiped');
    const prm = this.params;
    const level = ct.level;
    if (out !== undefined && out.level !== level) {
      throw new CkksError('INVALID_ARGUMENT', op, `out must be at the ciphertext's level ${level}, got level ${out.level}`);
    }
    const pt = out ?? new Plaintext(prm, level, ct.scale, ct.slots);
    pt.scale = ct.scale;
    pt.slots = ct.slots;
    const N = prm.N;
    const s = this.sk.poly.data;
    const m = pt.poly.data;
    const deg = ct.degree;
    for (let i = 0; i <= level; i++) {
      const q = prm.Q[i];
      const qInv = 1 / q;
      const off = i * N;
      const c0 = ct.c[0].data;
      const c1 = ct.c[1].data;
      if (deg === 1) {
        for (let c = off; c < off + N; c++) {
          const x = (c0[c] + mulModI(c1[c], s[c], q, qInv) - q) | 0;
          m[c] = x + ((x >> 31) & q);
        }
      } else {
        // Horner: (c2 s + c1) s + c0.
        const c2 = ct.c[2].data;
        for (let c = off; c < off + N; c++) {
          let x = (mulModI(c2[c], s[c], q, qInv) + c1[c] - q) | 0;
          x += (x >> 31) & q;
          x = (mulModI(x, s[c], q, qInv) + c0[c] - q) | 0;
          m[c] = x + ((x >> 31) & q);
        }
      }
    }
    pt.poly.isNtt = true;
    return pt;
  }

  /**
   * Decryption for results that leave the key owner: {@link decrypt}, then
   * Gaussian flooding noise of standard deviation 2^{@link floodingNoiseBits}
   * added to every coefficient of the plaintext polynomial (fresh CSPRNG
   * randomness every call), so that the result reveals (statistically) nothing
   * about the ciphertext's error and hence the key (IND-CPA-D; Li and
   * Micciancio, EUROCRYPT 2021). The price is precision: the decoded values
   * carry an error of about 2^(log2 sigma + log2(N)/2) / scale.
   * @param ct the ciphertext
   * @param opts noiseBoundBits (required), securityBits (default 30), queries (default 1); see {@link SharingOptions}
   * @param out optional destination plaintext (at the ciphertext's level)
   * @returns the flooded plaintext (same level, scale and slots as ct)
   * @throws CkksError INVALID_ARGUMENT on bad options, other parameters, a wiped key
   *   or a mismatched destination; OUT_OF_RANGE if sigma exceeds 2^{@link FLOODING_MAX_SIGMA_BITS}
   *   or the flooded polynomial could wrap around modulo Q_level (nothing is decrypted then)
   */
  decryptForSharing(ct: Ciphertext, opts: SharingOptions, out?: Plaintext): Plaintext {
    const op = 'Decryptor.decryptForSharing';
    const o = checkSharingOptions(op, opts);
    if (!(ct instanceof Ciphertext)) throw new CkksError('INVALID_ARGUMENT', op, 'expected a Ciphertext');
    checkFingerprint(op, this.params, ct, 'the ciphertext');
    const prm = this.params;
    const N = prm.N;
    const bits = floodingNoiseBits(N, o);
    if (bits > FLOODING_MAX_SIGMA_BITS) {
      throw new CkksError('OUT_OF_RANGE', op, `the flooding noise would have sigma = 2^${bits.toFixed(1)}, above 2^${FLOODING_MAX_SIGMA_BITS} (lower noiseBoundBits, or use a smaller ring)`);
    }
    const level = ct.level;
    let logQ = 0;
    for (let i = 0; i <= level; i++) logQ += Math.log2(prm.Q[i]);
    // The noise (|f| < 8.57 sigma + 1 < 2^(bits + 3.2)) must leave room for the message below Q_l / 2.
    if (bits + 3.2 > logQ - 2) {
      throw new CkksError('OUT_OF_RANGE', op, `flooding noise of 2^${bits.toFixed(1)} does not fit the modulus at level ${level} (log2 Q = ${logQ.toFixed(1)}); decrypt at a higher level`);
    }
    const pt = this.decrypt(ct, out);
    const f = new Float64Array(N);
    const reader = new WordReader(new CsprngSource());
    sampleRoundedGaussian(reader, 2 ** bits, f);
    reader.wipe();
    const tmp = new RnsPoly(N, level + 1);
    for (let i = 0; i <= level; i++) {
      const q = prm.Q[i];
      const off = i * N;
      for (let c = 0; c < N; c++) {
        const r = f[c] % q; // exact: |f| < 2^53
        tmp.data[off + c] = r < 0 ? r + q : r;
      }
    }
    wipe(f);
    polyForwardNtt(tmp, prm.basisQ);
    const m = pt.poly.data;
    for (let i = 0; i <= level; i++) {
      const q = prm.Q[i];
      for (let c = i * N, e = c + N; c < e; c++) {
        const s = (m[c] + tmp.data[c] - q) | 0;
        m[c] = s + ((s >> 31) & q);
      }
    }
    wipe(tmp.data);
    return pt;
  }
}

/**
 * Give `ct` the requested degree and level, reusing its memory when the level
 * shrinks (prefix views) and allocating when it grows.
 * @internal
 */
export function reshape(params: Parameters, ct: Ciphertext, degree: number, level: number): void {
  const N = params.N;
  while (ct.c.length > degree + 1) ct.c.pop();
  for (let i = 0; i <= degree; i++) {
    const cur = ct.c[i];
    if (cur === undefined || cur.limbs < level + 1) {
      const p = new RnsPoly(N, level + 1);
      p.isNtt = true;
      ct.c[i] = p;
    } else if (cur.limbs > level + 1) {
      ct.c[i] = cur.prefix(level + 1);
    }
    ct.c[i].isNtt = true;
  }
}
