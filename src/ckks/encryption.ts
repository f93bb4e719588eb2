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
import { CsprngSource, type RandomSource, XofSource, randomSeed, sampleGaussian, sampleTernary, sampleUniform, wipe } from './sampling.js';
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
   * the key (Li and Micciancio, EUROCRYPT 2021); see the README's security section.
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
