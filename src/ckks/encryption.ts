/**
 * Encryption and decryption (Cheon, Kim, Kim and Song, ASIACRYPT 2017,
 * section 3.4, in the RNS form of Cheon, Han, Kim, Kim and Song, SAC 2018).
 *
 * Symmetric: ct = (-a s + e + m, a) with a uniform, expanded from a fresh
 * 32-byte seed by SHAKE256 (so the ciphertext can be stored as c_0 + seed),
 * e from the discrete Gaussian. Public key: ct = (b u + e_0 + m, a u + e_1)
 * with u ternary. The symmetric form has less noise (one Gaussian instead of
 * e u + e_0 + e_1 s) and is what a data owner who holds the secret key uses.
 * The RLWE arithmetic (encryptions of zero, the decryption core) lives in
 * src/rlwe/core.ts; this module adds the plaintext, its scale and slots, and
 * noise flooding for shared decryptions.
 *
 * @module
 */

import { RnsPoly, polyForwardNtt } from '../ntt/index.js';
import {
  CkksError,
  CsprngSource,
  KeySwitcher,
  PublicKey,
  type RandomSource,
  SecretKey,
  XofSource,
  decryptInto,
  encryptZeroInto,
  encryptZeroPublicInto,
  randomSeed,
  sampleUniform,
  wipe,
} from '../rlwe/index.js';
import {
  FLOODING_MAX_BOUND_BITS,
  type SharingOptions,
  chargeSharingBudget,
  checkSharingOptions,
  floodingBound,
  floodingBoundBits,
  floodingReader,
  sampleUniformBounded,
} from './flooding.js';
import type { Parameters } from './params.js';
import { Ciphertext, Plaintext, checkFingerprint, reshape } from './types.js';

/** Domain-separation label of the XOF stream of symmetric ciphertexts' c_1. */
export const XOF_LABEL_CIPHERTEXT = 'hecnn/ckks ciphertext c1 v1';

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
    const ct = this.encryptZeroPlus(op, pt.level, pt.scale, pt.slots, out, pt.poly);
    if (!this.isSymmetric) return ct; // m joined c_0 in the ModDown's last pass
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
    return this.encryptZeroPlus('Encryptor.encryptZero', level, scale, slots, out);
  }

  /** {@link encryptZero}; with the public key, m (NTT form, level + 1 limbs) is added to c_0 inside the ModDown. */
  private encryptZeroPlus(op: string, level: number, scale: number, slots: number, out?: Ciphertext, m?: RnsPoly): Ciphertext {
    const prm = this.params;
    const ct = out ?? new Ciphertext(prm, 1, level, scale, slots);
    reshape(prm, ct, 1, level);
    ct.scale = scale;
    ct.slots = slots;
    if (this.key instanceof SecretKey) {
      if (this.key.isWiped) throw new CkksError('INVALID_ARGUMENT', op, 'the secret key has been wiped');
      const seed = randomSeed();
      sampleUniform(new XofSource(seed, XOF_LABEL_CIPHERTEXT), ct.c[1], prm.Q);
      ct.c[1].isNtt = true;
      encryptZeroInto(this.source, this.key.poly, ct.c[1], ct.c[0], prm.basisQ);
      ct.seed = seed;
    } else {
      encryptZeroPublicInto(prm, this.key, this.source, this.keySwitcher(), level, ct.c[0], ct.c[1], m);
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
    decryptInto(prm, this.sk.poly, ct.c, level, pt.poly);
    return pt;
  }

  /**
   * Decryption for results that leave the key owner: {@link decrypt}, then
   * flooding noise uniform on the integers of [-B, B] added to every
   * coefficient of the plaintext polynomial (fresh platform-CSPRNG randomness
   * every call), so that all shared decryptions of the key's budget together
   * reveal (statistically, within 2^-s) nothing about the ciphertexts'
   * errors and hence the key (IND-CPA-D; Li and Micciancio, EUROCRYPT 2021).
   * B and its derivation: {@link floodingBoundBits} (src/ckks/flooding.ts).
   * The call is counted against the key's budget (`opts.queries`, fixed by
   * key's first shared decryption; `sharingBudgetOf` reports it).
   * The price is precision: a decoded slot carries an error of about
   * B sqrt(N/3) / scale.
   * @param ct the ciphertext
   * @param opts noiseBoundBits (required), securityBits (default 30), queries (default 1); see {@link SharingOptions}
   * @param out optional destination plaintext (at the ciphertext's level)
   * @returns the flooded plaintext (same level, scale and slots as ct)
   * @throws CkksError INVALID_ARGUMENT on bad options, other parameters, a wiped key,
   *   a mismatched destination or a budget other than the key's; OUT_OF_RANGE if B exceeds
   *   2^{@link FLOODING_MAX_BOUND_BITS}, if the flooded polynomial could wrap around modulo
   *   Q_level, or when the key's budget is used up (nothing is decrypted then)
   */
  decryptForSharing(ct: Ciphertext, opts: SharingOptions, out?: Plaintext): Plaintext {
    const op = 'Decryptor.decryptForSharing';
    const o = checkSharingOptions(op, opts);
    if (!(ct instanceof Ciphertext)) throw new CkksError('INVALID_ARGUMENT', op, 'expected a Ciphertext');
    checkFingerprint(op, this.params, ct, 'the ciphertext');
    if (this.sk.isWiped) throw new CkksError('INVALID_ARGUMENT', op, 'the secret key has been wiped');
    const prm = this.params;
    const N = prm.N;
    const bits = floodingBoundBits(N, o);
    if (bits > FLOODING_MAX_BOUND_BITS) {
      throw new CkksError('OUT_OF_RANGE', op, `the flooding bound would be B = 2^${bits.toFixed(1)}, above 2^${FLOODING_MAX_BOUND_BITS} (lower noiseBoundBits or the query budget, or use a smaller ring)`);
    }
    const level = ct.level;
    let logQ = 0;
    for (let i = 0; i <= level; i++) logQ += Math.log2(prm.Q[i]);
    // |f| <= B must leave room for the message below Q_l / 2 (two bits of margin).
    if (bits > logQ - 3) {
      throw new CkksError('OUT_OF_RANGE', op, `flooding noise of 2^${bits.toFixed(1)} does not fit the modulus at level ${level} (log2 Q = ${logQ.toFixed(1)}); decrypt at a higher level`);
    }
    if (out !== undefined && out.level !== level) {
      throw new CkksError('INVALID_ARGUMENT', op, `out must be at the ciphertext's level ${level}, got level ${out.level}`);
    }
    chargeSharingBudget(op, this.sk, o.queries);
    const pt = this.decrypt(ct, out);
    const f = new Float64Array(N);
    const reader = floodingReader();
    sampleUniformBounded(reader, floodingBound(bits), f);
    reader.wipe();
    const tmp = new RnsPoly(N, level + 1);
    for (let i = 0; i <= level; i++) {
      const q = prm.Q[i];
      const off = i * N;
      for (let c = 0; c < N; c++) {
        const r = f[c] % q; // exact: |f| < 2^52
        tmp.data[off + c] = r < 0 ? r + q : r;
      }
    }
    wipe(f);
    polyForwardNtt(tmp, prm.basisQ);
    const m = pt.poly.data;
    for (let i = 0; i <= level; i++) {
      const q = prm.Q[i];
      for (let c = i * N, e = c + N; c < e; c++) {
        const s = (m[c] + tmp.data[c] - q) | 0; // [-q, q)
        m[c] = s + ((s >> 31) & q);
      }
    }
    wipe(tmp.data);
    return pt;
  }
}

