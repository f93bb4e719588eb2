/**
 * The RLWE primitives every key, every fresh ciphertext and every decryption
 * goes through (Lyubashevsky, Peikert and Regev, EUROCRYPT 2010; in the RNS
 * form of Cheon, Han, Kim, Kim and Song, SAC 2018):
 *
 * - {@link encryptZeroInto}: the one secret-key encryption of zero,
 *   b = -a s + e over any prefix of the basis Q ∪ P. The public key is one such
 *   sample over QP; each digit of a switching key is one such sample over QP
 *   plus the gadget term ({@link addGadgetInto}); a symmetric ciphertext is one
 *   over Q_l.
 * - {@link encryptZeroPublicInto}: an encryption of zero under the public key,
 *   (b u + e_0, a u + e_1) over Q_l ∪ P, divided by P (as SEAL does).
 * - {@link decryptInto}: c_0 + c_1 s (+ c_2 s^2).
 *
 * All polynomials are in NTT form with values in [0, q). The pointwise
 * products are the ring layer's kernels (src/ntt/pointwise.ts, bounds there).
 *
 * @module
 */

import { RnsPoly, type RnsBasis, indexRange, mulAddLimbs, mulConst, mulLimbs, polyForwardNtt, polySetSmall, selectBasis } from '../ntt/index.js';
import type { KeySwitcher } from './keyswitch.js';
import type { RlweParameters } from './params.js';
import { type RandomSource, wipe } from './random.js';
import { sampleGaussian, sampleTernary } from './sampling.js';

/**
 * The one secret-key encryption of zero: out <- -a s + e on the first
 * `out.limbs` primes of `basis` (NTT form), with e from the discrete Gaussian
 * drawn from `source`. `a` (uniform, NTT form, at least as many limbs) is the
 * caller's, so that it can come from a seeded XOF and be stored as its seed.
 * Limb i of out, a and s is prime i of `basis`; `basis` is Q (a ciphertext) or
 * Q ∪ P (a key), of which Q is a prefix, so s is always the secret over QP.
 * @param source randomness of the error
 * @param s the secret, NTT form over Q ∪ P
 * @param a the uniform mask, NTT form
 * @param out destination (NTT form on return)
 * @param basis the basis whose first out.limbs primes are used
 */
export function encryptZeroInto(source: RandomSource, s: RnsPoly, a: RnsPoly, out: RnsPoly, basis: RnsBasis): void {
  const N = out.N;
  const e = sampleGaussian(source, N);
  polySetSmall(e, out, basis);
  wipe(e);
  polyForwardNtt(out, basis);
  mulAddLimbs(out.data, a.data, s.data, out.data, basis.moduli, N, out.limbs, true);
}

/**
 * The gadget term of digit j of a hybrid switching key (Han and Ki, CT-RSA
 * 2020, section 3): out <- out + P s' on the primes of digit j, and nothing
 * elsewhere. In RNS the gadget factor P (Q/Q_j) [(Q/Q_j)^-1]_{Q_j} is P modulo
 * the primes of digit j and 0 modulo the other primes of Q and P.
 * @param params the parameters (digit size, [P]_{q_i})
 * @param out the digit's b component over Q_0..Q_{qLimbs-1} ∪ P (NTT form)
 * @param sPrime the source secret s' over the same limbs (NTT form)
 * @param j the digit index
 * @param qLimbs the Q limbs the key holds (default |Q|; fewer for a key restricted to a level)
 */
export function addGadgetInto(params: RlweParameters, out: RnsPoly, sPrime: RnsPoly, j: number, qLimbs: number = params.Q.length): void {
  const N = params.N;
  const lo = j * params.digitSize;
  const hi = Math.min(qLimbs, lo + params.digitSize);
  for (let i = lo; i < hi; i++) {
    const q = params.Q[i];
    const w = params.pModQ[i];
    const ws = params.pModQShoup[i];
    for (let c = i * N, end = c + N; c < end; c++) {
      const t = mulConst(sPrime.data[c], w, ws, q); // [0, q)
      const s = (out.data[c] + t - q) | 0; // [-q, q): int32
      out.data[c] = s + ((s >> 31) & q);
    }
  }
}

/**
 * s^2 over every prime of `basis` (the source secret of the relinearization key).
 * @param s the secret, NTT form
 * @param out destination, NTT form on return
 * @param basis Q ∪ P
 */
export function squareInto(s: RnsPoly, out: RnsPoly, basis: RnsBasis): void {
  mulLimbs(s.data, s.data, out.data, basis.moduli, s.N, basis.moduli.length);
  out.isNtt = true;
}

/** The public key's two halves, as {@link encryptZeroPublicInto} reads them. */
export interface PublicKeyLike {
  /** b = -a s + e over Q ∪ P, NTT form. */
  readonly b: RnsPoly;
  /** a over Q ∪ P, NTT form. */
  readonly a: RnsPoly;
}

/**
 * How many special primes public-key encryption divides by: the fewest first
 * primes of P whose product reaches 2^24 (all of P if none does); see
 * {@link encryptZeroPublicInto}.
 * @param params the parameters
 * @returns a count in [1, |P|]
 */
export function publicKeyModDownPrimes(params: RlweParameters): number {
  let bits = 0;
  for (let k = 0; k < params.P.length; k++) {
    bits += Math.log2(params.P[k]);
    if (bits >= 24) return k + 1;
  }
  return params.P.length;
}

/**
 * An encryption of zero under the public key at `level`: over Q_l ∪ {P_0} (or
 * more special primes, see below),
 * (b u + e_0, a u + e_1) with u ternary and e_0, e_1 Gaussian, then divided by
 * P_0 (ModDown), so that the public-key noise e u + e_0 + e_1 s shrinks to
 * rounding noise. Writes c_0 and c_1 (level + 1 limbs each, NTT form).
 *
 * One special prime suffices (SEAL also uses one): the noise to divide,
 * e u + e_0 + e_1 s, has coefficients of standard deviation
 * sigma sqrt(1 + (2/3) N + h) (u ternary, 2N/3 nonzero coefficients expected;
 * s of Hamming weight h <= N), below 2^11 at N = 2^17 with sigma = 3.2, and
 * 6 standard deviations below 2^14. The division is by the first special
 * primes whose product reaches 2^24 (`publicKeyModDownPrimes`: one prime of
 * the usual 30 bits), after which that noise is below 2^-10, and the result's
 * noise is the rounding's, as with all of P. The pair over Q_l P_0 is the
 * restriction of the public key modulo a divisor of QP: an RLWE sample with the
 * same secret and error, so no less secure. Dividing by P_0 instead of all of P
 * saves 3 (|P| - 1) NTTs of N points (`npm run bench -- ckks`, public-key encryption).
 * @param params the parameters
 * @param pk the public key
 * @param source randomness of u, e_0 and e_1
 * @param switcher the key switcher whose ModDown is used
 * @param level the level of the result
 * @param c0 destination of the first component
 * @param c1 destination of the second component
 * @param m optional message added to c_0 (NTT form, at least level + 1 limbs, values in
 *   [0, q)) in the last pass of its ModDown: the encryption of m instead of zero, without a
 *   pass of its own
 */
export function encryptZeroPublicInto(
  params: RlweParameters, pk: PublicKeyLike, source: RandomSource, switcher: KeySwitcher,
  level: number, c0: RnsPoly, c1: RnsPoly, m?: RnsPoly,
): void {
  const N = params.N;
  const nL = level + 1;
  const nQ = params.Q.length;
  const K = publicKeyModDownPrimes(params);
  const ext = nL + K;
  // Limb t of the extended polynomials is prime Q_t for t < nL, P_{t - nL} otherwise.
  const basisExt = selectBasis(params.basisQP, [...indexRange(0, nL), ...indexRange(nQ, nQ + K)]);
  const moduliExt = basisExt.moduli;
  const u = sampleTernary(source, N);
  const uP = new RnsPoly(N, ext);
  polySetSmall(u, uP, basisExt);
  wipe(u);
  polyForwardNtt(uP, basisExt);
  const acc = new RnsPoly(N, ext);
  for (let k = 0; k < 2; k++) {
    // acc = key * u over Q_l ∪ P; the Gaussian error e_k joins inside the ModDown in
    // coefficient form (the same result as adding NTT(e_k) here, without its NTTs).
    const e = sampleGaussian(source, N);
    const key = (k === 0 ? pk.b : pk.a).data;
    mulLimbs(key, uP.data, acc.data, moduliExt, N, nL);
    const tail = nL * N;
    mulLimbs(key.subarray(nQ * N), uP.data.subarray(tail), acc.data.subarray(tail), params.P, N, K);
    acc.isNtt = true;
    switcher.modDownInto(acc, level, k === 0 ? c0 : c1, e, K, k === 0 && m !== undefined ? { x: m } : undefined);
    wipe(e);
    wipe(acc.data);
  }
  wipe(uP.data);
}

/**
 * Decryption core: out <- c_0 + c_1 s (+ c_2 s^2, by Horner) on the primes
 * q_0..q_level, NTT form, values in [0, q).
 * @param params the parameters
 * @param s the secret, NTT form over Q ∪ P (its first level + 1 limbs are used)
 * @param c the components (2 or 3), each with at least level + 1 limbs
 * @param level the level
 * @param out destination with at least level + 1 limbs
 */
export function decryptInto(params: RlweParameters, s: RnsPoly, c: readonly RnsPoly[], level: number, out: RnsPoly): void {
  const N = params.N;
  const limbs = level + 1;
  if (c.length === 2) {
    mulAddLimbs(c[0].data, c[1].data, s.data, out.data, params.Q, N, limbs);
  } else {
    // Horner: (c2 s + c1) s + c0.
    mulAddLimbs(c[1].data, c[2].data, s.data, out.data, params.Q, N, limbs);
    mulAddLimbs(c[0].data, out.data, s.data, out.data, params.Q, N, limbs);
  }
  out.isNtt = true;
}
