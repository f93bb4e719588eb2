/**
 * ModRaise (Cheon, Han, Kim, Kim and Song, "Bootstrapping for Approximate
 * Homomorphic Encryption", Eurocrypt 2018, section 3.1): a ciphertext at the
 * chain's base, modulo q_0 (the product of the base primes), is read as
 * centred integers and reduced modulo every prime of the full chain. Its
 * decryption <ct, sk> = m + q_0 I then holds, modulo Q, the message plus
 * q_0 times a small integer polynomial I (|I| <= about sqrt(h) for a secret
 * of Hamming weight h), which EvalMod removes.
 *
 * The centred lift uses Garner's mixed-radix digits of each coefficient
 * (float64-exact word arithmetic, no BigInt): x = d_0 + q_0 d_1 + q_0 q_1 d_2
 * + ..., then x mod p = sum_k d_k (q_0 ... q_(k-1) mod p) mod p, minus q_0
 * mod p when x > (q_0 - 1)/2.
 *
 * @module
 */

import { Ciphertext, CkksError, LevelMismatchError, type Parameters } from '../../ckks/index.js';
import { RnsPoly, invMod, mulMod, polyForwardNtt, polyInverseNtt } from '../../ntt/index.js';

/** Per-parameter constants of the lift. */
interface RaiseTables {
  /** Number of base primes g. */
  g: number;
  /** inv[k * g + j] = (q_0 ... q_(j-1))^-1 mod q_j for k = 0 (digit j's inverse), j < g. */
  digitInv: Float64Array;
  /** pre[j * L + p] = q_0 ... q_(j-1) mod Q[p] (prefix products), j <= g. */
  prefix: Float64Array;
  /** Mixed-radix digits of (q_0 - 1)/2 (the centring threshold), most significant last. */
  half: Float64Array;
}

const cache = new WeakMap<Parameters, RaiseTables>();

function tables(params: Parameters): RaiseTables {
  let t = cache.get(params);
  if (t !== undefined) return t;
  const g = params.levelTops[0] + 1;
  const L = params.Q.length;
  const Q = params.Q;
  const digitInv = new Float64Array(g);
  const prefix = new Float64Array((g + 1) * L);
  for (let p = 0; p < L; p++) prefix[p] = 1;
  for (let j = 1; j <= g; j++) {
    for (let p = 0; p < L; p++) prefix[j * L + p] = mulMod(prefix[(j - 1) * L + p], Q[j - 1] % Q[p], Q[p], 1 / Q[p]);
  }
  for (let j = 1; j < g; j++) digitInv[j] = invMod(prefix[j * L + j], Q[j]);
  // digits of (q0 - 1)/2 where q0 = prod of base primes (odd): H = (q0 - 1)/2.
  let q0 = 1n;
  for (let j = 0; j < g; j++) q0 *= BigInt(Q[j]);
  let h = (q0 - 1n) / 2n;
  const half = new Float64Array(g);
  for (let j = 0; j < g; j++) {
    half[j] = Number(h % BigInt(Q[j]));
    h /= BigInt(Q[j]);
  }
  t = { g, digitInv, prefix, half };
  cache.set(params, t);
  return t;
}

/**
 * The product q_0 of the base primes (the modulus of a ciphertext at the
 * chain's base), as a float64.
 * @param params the parameters
 * @returns q_0 = product of the primes of levelPrimes[0]
 * @throws nothing
 */
export function baseModulus(params: Parameters): number {
  let m = 1;
  for (let j = 0; j <= params.levelTops[0]; j++) m *= params.Q[j];
  return m;
}

/**
 * ModRaise: the ciphertext at the base (level levelTops[0]) lifted to the top
 * of the chain, its components' coefficients centred modulo q_0 and reduced
 * modulo every prime (Cheon et al. 2018, section 3.1). The result decrypts to
 * m + q_0 I; its scale is set to q_0, so that its slots read (m + q_0 I) / q_0.
 * @param params the parameters
 * @param ct a degree-1 ciphertext at level params.levelTops[0]
 * @returns a new ciphertext at params.maxLevel
 * @throws LevelMismatchError unless ct is at the base; CkksError (INVALID_ARGUMENT) on a bad ciphertext
 */
export function modRaise(params: Parameters, ct: Ciphertext): Ciphertext {
  const op = 'modRaise';
  if (!(ct instanceof Ciphertext) || ct.degree !== 1) throw new CkksError('INVALID_ARGUMENT', op, 'the input must be a Ciphertext of degree 1');
  const base = params.levelTops[0];
  if (ct.level !== base) throw new LevelMismatchError(op, `the input must be at the base level ${base}, got level ${ct.level}`);
  const t = tables(params);
  const { g, digitInv, prefix, half } = t;
  const N = params.N;
  const L = params.maxLevel + 1;
  const Q = params.Q;
  const out = new Ciphertext(params, 1, params.maxLevel, baseModulus(params), ct.slots);
  const digits = new Float64Array(g);
  for (let c = 0; c < 2; c++) {
    const src = new RnsPoly(N, g, ct.c[c].data.slice(0, g * N), true);
    polyInverseNtt(src, params.basisQ);
    const x = src.data;
    const dst = out.c[c];
    const y = dst.data;
    for (let i = 0; i < N; i++) {
      // Garner: d_0 = x_0; d_j = (x_j - (d_0 + q_0 d_1 + ...)) (q_0 ... q_(j-1))^-1 mod q_j
      for (let j = 0; j < g; j++) {
        const qj = Q[j];
        const qjInv = 1 / qj;
        let acc = 0;
        for (let k = 0; k < j; k++) {
          acc += mulMod(digits[k], prefix[k * L + j], qj, qjInv);
          if (acc >= qj) acc -= qj;
        }
        let v = x[j * N + i] - acc;
        if (v < 0) v += qj;
        digits[j] = j === 0 ? v : mulMod(v, digitInv[j], qj, qjInv);
      }
      // x > (q0 - 1)/2: compare the digits from the most significant.
      let above = false;
      for (let j = g - 1; j >= 0; j--) {
        if (digits[j] !== half[j]) {
          above = digits[j] > half[j];
          break;
        }
      }
      for (let p = 0; p < L; p++) {
        const qp = Q[p];
        const qpInv = 1 / qp;
        let acc = 0;
        for (let k = 0; k < g; k++) {
          acc += mulMod(digits[k] % qp, prefix[k * L + p], qp, qpInv);
          if (acc >= qp) acc -= qp;
        }
        if (above) {
          acc -= prefix[g * L + p];
          if (acc < 0) acc += qp;
        }
        y[p * N + i] = acc;
      }
    }
    dst.isNtt = false;
    polyForwardNtt(dst, params.basisQ);
  }
  return out;
}
