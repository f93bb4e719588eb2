/**
 * Fused multiply-accumulate kernels on ciphertexts in NTT form, used by the
 * polynomial evaluator and the linear transforms: `acc += M * x` for an
 * integer constant M, and `acc += pt (.) x` for a plaintext. They read only
 * the first `acc.level + 1` limbs of their input (so an operand at a higher
 * level needs no dropped copy), allocate nothing and write into `acc`. They
 * are what Lattigo calls MulThenAdd: the scalar and plaintext products of a
 * baby-step sum (Bossuat, Mouchet, Troncoso-Pastoriza and Hubaux, Eurocrypt
 * 2021, Algorithm 2; Halevi and Shoup, Crypto 2014 / 2018) accumulated into one
 * ciphertext without temporaries.
 *
 * They do not check scales: the callers choose the constants so that every
 * term lands at the accumulator's scale. They bump the evaluator's counters
 * (`constMultiplications`, `ptMultiplications`) as the evaluator's own
 * mulConst / mulPlain would.
 *
 * @module
 */

import { Ciphertext, CkksError, type Evaluator, type Parameters, type Plaintext } from '../ckks/index.js';

/** a * b mod q for a, b in [0, q), q < 2^30 (float quotient estimate, exact int32 remainder, one correction each way). */
function mulModQ(a: number, b: number, q: number, qInv: number): number {
  const t = (a * b * qInv) | 0;
  let r = (Math.imul(a, b) - Math.imul(t, q)) | 0;
  r += (r >> 31) & q;
  r = (r - q) | 0;
  return r + ((r >> 31) & q);
}

/**
 * The residue in [0, q) of an integer-valued float64 of any magnitude (`%` is exact on doubles).
 * @param x an integer-valued float64
 * @param q the modulus
 * @returns x mod q in [0, q)
 */
export function residueMod(x: number, q: number): number {
  const r = x % q;
  return r < 0 ? r + q : r;
}

/**
 * A ciphertext of value zero (all components zero, NTT form) of degree 1 at a
 * level and scale: the accumulator of a sum of products.
 * @param params parameters
 * @param level level of the accumulator
 * @param scale its scale (the scale every term is brought to)
 * @param slots slot count
 * @returns a new zero ciphertext
 * @throws CkksError on an out-of-range level, scale or slot count
 */
export function zeroCiphertext(params: Parameters, level: number, scale: number, slots: number): Ciphertext {
  return new Ciphertext(params, 1, level, scale, slots);
}

/**
 * acc += M * x on the first acc.level + 1 limbs, for an integer M (any
 * magnitude an integer-valued float64 holds). The scale of the term is
 * x.scale * M / c for the real constant c that M encodes; the caller chooses M
 * = round(c * acc.scale / x.scale). Counted as one constant multiplication even
 * when M = 0 (a term too small to register at this scale, skipped).
 * @param ev the evaluator (for its parameters and counters)
 * @param acc accumulator (degree >= x.degree, level <= x.level); modified
 * @param x the operand (not modified)
 * @param M the integer multiplier
 * @returns acc
 * @throws CkksError (INVALID_ARGUMENT) if x is below acc's level or of higher degree, or M is not an integer
 */
export function mulIntThenAdd(ev: Evaluator, acc: Ciphertext, x: Ciphertext, M: number): Ciphertext {
  const op = 'circuits.mulIntThenAdd';
  if (x.level < acc.level || x.degree > acc.degree) {
    throw new CkksError('INVALID_ARGUMENT', op, `the operand must be at level >= ${acc.level} and degree <= ${acc.degree}, got level ${x.level}, degree ${x.degree}`);
  }
  if (!Number.isInteger(M)) throw new CkksError('INVALID_ARGUMENT', op, `the multiplier must be an integer, got ${M}`);
  ev.counters.constMultiplications++;
  if (M === 0) return acc;
  const params = ev.params;
  const N = params.N;
  for (let i = 0; i <= acc.level; i++) {
    const q = params.Q[i];
    const qInv = 1 / q;
    const m = residueMod(M, q);
    const off = i * N;
    for (let k = 0; k <= x.degree; k++) {
      const A = acc.c[k].data;
      const X = x.c[k].data;
      for (let j = off; j < off + N; j++) {
        const s = (A[j] + mulModQ(X[j], m, q, qInv) - q) | 0;
        A[j] = s + ((s >> 31) & q);
      }
    }
  }
  acc.seed = undefined;
  if (x.slots > acc.slots) acc.slots = x.slots;
  return acc;
}

/**
 * acc += pt (.) x (slot-wise product) on the first acc.level + 1 limbs. The
 * term's scale is x.scale * pt.scale, which must be acc's (not checked here).
 * @param ev the evaluator (for its parameters and counters)
 * @param acc accumulator (degree >= x.degree, level <= x.level and <= pt.level); modified
 * @param x the ciphertext operand
 * @param pt the plaintext operand (NTT form)
 * @returns acc
 * @throws CkksError (INVALID_ARGUMENT) if an operand is below acc's level or x has a higher degree
 */
export function mulPlainThenAdd(ev: Evaluator, acc: Ciphertext, x: Ciphertext, pt: Plaintext): Ciphertext {
  const op = 'circuits.mulPlainThenAdd';
  if (x.level < acc.level || pt.level < acc.level || x.degree > acc.degree) {
    throw new CkksError('INVALID_ARGUMENT', op, `operands must be at level >= ${acc.level} (degree <= ${acc.degree}), got ${x.level} / ${pt.level} (degree ${x.degree})`);
  }
  const params = ev.params;
  const N = params.N;
  const P = pt.poly.data;
  for (let i = 0; i <= acc.level; i++) {
    const q = params.Q[i];
    const qInv = 1 / q;
    const off = i * N;
    for (let k = 0; k <= x.degree; k++) {
      const A = acc.c[k].data;
      const X = x.c[k].data;
      for (let j = off; j < off + N; j++) {
        const s = (A[j] + mulModQ(X[j], P[j], q, qInv) - q) | 0;
        A[j] = s + ((s >> 31) & q);
      }
    }
  }
  acc.seed = undefined;
  if (pt.slots > acc.slots) acc.slots = pt.slots;
  ev.counters.ptMultiplications++;
  return acc;
}

/**
 * O += C on nL limbs of N residues modulo Q[i], reading C through an NTT slot
 * permutation when given (C[off + perm[c]]: the automorphism's action).
 * @param O destination limbs (modified)
 * @param C source limbs
 * @param perm NTT permutation of an automorphism, or undefined for none
 * @param Q the moduli (Q[i] for limb i)
 * @param nL number of limbs
 * @param N ring degree
 */
export function addPermutedInto(O: Uint32Array, C: Uint32Array, perm: Uint32Array | undefined, Q: ArrayLike<number>, nL: number, N: number): void {
  for (let i = 0; i < nL; i++) {
    const q = Q[i];
    const off = i * N;
    for (let c = 0; c < N; c++) {
      const s = (O[off + c] + C[off + (perm === undefined ? c : perm[c])] - q) | 0;
      O[off + c] = s + ((s >> 31) & q);
    }
  }
}

/**
 * One limb of a key-switching inner product through an automorphism,
 * accumulated: A0 += D[perm] * B and A1 += D[perm] * A (mod q), values in [0, q)
 * (Halevi-Shoup 2018's hoisted automorphism: the digit is permuted, not recomputed).
 * @param A0 first accumulator (limb at aOff)
 * @param A1 second accumulator (limb at aOff)
 * @param D a decomposition digit (limb at aOff, read through perm)
 * @param perm NTT permutation of the automorphism
 * @param B key component b_j (limb at kOff)
 * @param A key component a_j (limb at kOff)
 * @param aOff offset of the limb in A0, A1 and D
 * @param kOff offset of the limb in B and A
 * @param q the limb's modulus
 * @param N ring degree
 */
export function galoisMacLimb(A0: Uint32Array, A1: Uint32Array, D: Uint32Array, perm: Uint32Array, B: Uint32Array, A: Uint32Array, aOff: number, kOff: number, q: number, N: number): void {
  const qInv = 1 / q;
  for (let c = 0; c < N; c++) {
    const x = D[aOff + perm[c]];
    let s = (A0[aOff + c] + mulModQ(x, B[kOff + c], q, qInv) - q) | 0;
    A0[aOff + c] = s + ((s >> 31) & q);
    s = (A1[aOff + c] + mulModQ(x, A[kOff + c], q, qInv) - q) | 0;
    A1[aOff + c] = s + ((s >> 31) & q);
  }
}
