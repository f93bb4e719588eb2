/**
 * Limb kernels of the CKKS evaluator: pointwise sums, differences, products
 * and the tensor product in NTT form, constant products, the permuted sum of
 * an automorphism, and the per-component body of rescaling. Each works on
 * the first `limbs` limbs of polynomials stored limb after limb in one
 * Uint32Array (N words per limb, limb i modulo q_i), with inputs and outputs
 * in [0, q). Outputs may alias inputs: every kernel reads an element before
 * writing it.
 *
 * @module
 */

import { type NttTables, forwardNttLazy, inverseNttLazyInput } from '../ntt/index.js';

/**
 * Modular product a b mod q for a, b in [0, q), q < 2^30 (as mulMod in
 * src/ntt/modular.ts): t = floor(a b / q) +- 1 < 2^30 from float64 (a b < 2^60
 * is rounded, which only moves the estimate by one); Math.imul(a, b) -
 * Math.imul(t, q) is exact modulo 2^32 and the true remainder lies in
 * [-q, 2q), so the int32 value is exact; two corrections give [0, q).
 * A module-local copy on purpose: the imported function was measured 8x
 * slower in these loops (an imported binding is not inlined under every loader).
 */
function mulModK(a: number, b: number, q: number, qInv: number): number {
  const t = (a * b * qInv) | 0;
  let r = (Math.imul(a, b) - Math.imul(t, q)) | 0;
  r += (r >> 31) & q;
  r = (r - q) | 0;
  return r + ((r >> 31) & q);
}

/**
 * O = X + Y, or X - Y with `subtract` (mod q_i on limb i).
 * Largest intermediate: x + y < 2q < 2^31 (int32).
 * @param X first operand
 * @param Y second operand
 * @param O destination (may alias X or Y)
 * @param moduli q_0..; limb i is taken modulo moduli[i]
 * @param N ring degree
 * @param limbs number of limbs
 * @param subtract compute X - Y
 */
export function addLimbs(X: Uint32Array, Y: Uint32Array, O: Uint32Array, moduli: readonly number[], N: number, limbs: number, subtract: boolean): void {
  for (let i = 0; i < limbs; i++) {
    const q = moduli[i];
    const end = (i + 1) * N;
    if (subtract) {
      for (let c = i * N; c < end; c++) {
        const d = (X[c] - Y[c]) | 0; // (-q, q)
        O[c] = d + ((d >> 31) & q);
      }
    } else {
      for (let c = i * N; c < end; c++) {
        const s = (X[c] + Y[c] - q) | 0; // [-q, q)
        O[c] = s + ((s >> 31) & q);
      }
    }
  }
}

/**
 * O = -X (mod q_i on limb i).
 * @param X operand
 * @param O destination (may alias X)
 * @param moduli q_0..
 * @param N ring degree
 * @param limbs number of limbs
 */
export function negateLimbs(X: Uint32Array, O: Uint32Array, moduli: readonly number[], N: number, limbs: number): void {
  for (let i = 0; i < limbs; i++) {
    const q = moduli[i];
    for (let c = i * N, end = c + N; c < end; c++) O[c] = X[c] === 0 ? 0 : q - X[c];
  }
}

/**
 * O = X * Y pointwise (NTT form).
 * @param X first operand
 * @param Y second operand (e.g. a plaintext or a monomial in NTT form)
 * @param O destination (may alias X)
 * @param moduli q_0..
 * @param N ring degree
 * @param limbs number of limbs
 */
export function mulLimbs(X: Uint32Array, Y: Uint32Array, O: Uint32Array, moduli: readonly number[], N: number, limbs: number): void {
  for (let i = 0; i < limbs; i++) {
    const q = moduli[i];
    const qInv = 1 / q;
    for (let c = i * N, end = c + N; c < end; c++) O[c] = mulModK(X[c], Y[c], q, qInv);
  }
}

/**
 * O = X * m_i on limb i, for one residue m_i per limb (an integer constant).
 * @param X operand
 * @param m residues of the constant, m[i] in [0, q_i)
 * @param O destination (may alias X)
 * @param moduli q_0..
 * @param N ring degree
 * @param limbs number of limbs
 */
export function mulScalarLimbs(X: Uint32Array, m: ArrayLike<number>, O: Uint32Array, moduli: readonly number[], N: number, limbs: number): void {
  for (let i = 0; i < limbs; i++) {
    const q = moduli[i];
    const qInv = 1 / q;
    const r = m[i];
    for (let c = i * N, end = c + N; c < end; c++) O[c] = mulModK(X[c], r, q, qInv);
  }
}

/**
 * O = X + m_i on limb i (a constant polynomial has the same value at every NTT point).
 * Largest intermediate: x + m < 2q < 2^31.
 * @param X operand
 * @param m residues of the constant, m[i] in [0, q_i)
 * @param O destination (may alias X)
 * @param moduli q_0..
 * @param N ring degree
 * @param limbs number of limbs
 */
export function addScalarLimbs(X: Uint32Array, m: ArrayLike<number>, O: Uint32Array, moduli: readonly number[], N: number, limbs: number): void {
  for (let i = 0; i < limbs; i++) {
    const q = moduli[i];
    const r = m[i];
    for (let c = i * N, end = c + N; c < end; c++) {
      const s = (X[c] + r - q) | 0; // [-q, q)
      O[c] = s + ((s >> 31) & q);
    }
  }
}

/**
 * The tensor product of two degree-1 ciphertexts (NTT form):
 * (o0, o1, o2) = (a0 b0, a0 b1 + a1 b0, a1 b1). Outputs must not alias inputs.
 * Largest intermediate: the sum of two products in [0, q) is below 2q < 2^31.
 * @param a0 first component of a
 * @param a1 second component of a
 * @param b0 first component of b
 * @param b1 second component of b
 * @param o0 destination of a0 b0
 * @param o1 destination of a0 b1 + a1 b0
 * @param o2 destination of a1 b1
 * @param moduli q_0..
 * @param N ring degree
 * @param limbs number of limbs
 */
export function tensorLimbs(
  a0: Uint32Array, a1: Uint32Array, b0: Uint32Array, b1: Uint32Array,
  o0: Uint32Array, o1: Uint32Array, o2: Uint32Array,
  moduli: readonly number[], N: number, limbs: number,
): void {
  for (let i = 0; i < limbs; i++) {
    const q = moduli[i];
    const qInv = 1 / q;
    for (let j = i * N, end = j + N; j < end; j++) {
      const x0 = a0[j];
      const x1 = a1[j];
      const y0 = b0[j];
      const y1 = b1[j];
      o0[j] = mulModK(x0, y0, q, qInv);
      const s = (mulModK(x0, y1, q, qInv) + mulModK(x1, y0, q, qInv) - q) | 0; // [-q, q)
      o1[j] = s + ((s >> 31) & q);
      o2[j] = mulModK(x1, y1, q, qInv);
    }
  }
}

/**
 * U = U + X[perm] on every limb: the c_0 term of an automorphism applied in
 * NTT form (slot c of sigma(x) is slot perm[c] of x).
 * @param U accumulator (key-switched part), updated in place
 * @param X the component to permute (must not alias U)
 * @param perm the NTT slot permutation of the automorphism
 * @param moduli q_0..
 * @param N ring degree
 * @param limbs number of limbs
 */
export function addPermutedLimbs(U: Uint32Array, X: Uint32Array, perm: Uint32Array, moduli: readonly number[], N: number, limbs: number): void {
  for (let i = 0; i < limbs; i++) {
    const q = moduli[i];
    const off = i * N;
    for (let c = 0; c < N; c++) {
      const s = (U[off + c] + X[off + perm[c]] - q) | 0; // [-q, q)
      U[off + c] = s + ((s >> 31) & q);
    }
  }
}

/** Tables the rescaling kernel reads for the prime it divides by. */
export interface RescaleTables {
  /** NTT tables of q_0..q_l (index l is the prime divided by). */
  readonly tables: readonly NttTables[];
  /** q_l^-1 mod q_i for i < l. */
  readonly inv: Uint32Array;
  /** Shoup constants of inv. */
  readonly invShoup: Float64Array;
}

/**
 * One component of a rescale by q_l (Cheon, Han, Kim, Kim and Song, SAC 2018,
 * section 3.3, with rounding): O_i = (S_i - [S_l]_centered) * q_l^-1 mod q_i
 * for i < l, where [S_l]_centered is the centered remainder of the last limb,
 * so that O = round(S / q_l). S and O in NTT form; O may not alias S's first
 * l limbs unless it is S itself read limb by limb (it is: each limb is read
 * once, element by element, before being written).
 * Bounds: the shifted last limb y < q_l < 2^30; y - e q - [half]_q in [-2q, 2q)
 * (int32); d = S - z + 2q in (0, 3q] < 2^32 (exact in float64); the Shoup
 * product's remainder in [0, 2q), one correction.
 * @param S source component (l + 1 limbs, NTT form)
 * @param O destination (l limbs, NTT form)
 * @param t tables of the primes
 * @param l the level divided away
 * @param N ring degree
 * @param last scratch of N words
 * @param tmp scratch of N words
 */
export function rescaleComponent(S: Uint32Array, O: Uint32Array, t: RescaleTables, l: number, N: number, last: Uint32Array, tmp: Uint32Array): void {
  const ql = t.tables[l].q;
  const half = Math.floor(ql / 2);
  // Last limb to coefficient form, shifted by half: the centered remainder is then y - half.
  last.set(S.subarray(l * N, (l + 1) * N));
  inverseNttLazyInput(last, t.tables[l]);
  for (let c = 0; c < N; c++) {
    const s = (last[c] + half - ql) | 0;
    last[c] = s + ((s >> 31) & ql);
  }
  for (let i = 0; i < l; i++) {
    const tab = t.tables[i];
    const q = tab.q;
    const hq = half % q;
    const qInvF = 1 / q;
    // tmp = ([y]_q - [half]_q) mod q: the centered remainder of the last limb, modulo q.
    for (let c = 0; c < N; c++) {
      const y = last[c]; // < q_l < 2^30
      const e = (y * qInvF) | 0; // floor(y/q) +- 1
      let r = (y - Math.imul(e, q) - hq) | 0; // [-2q, 2q), int32
      r += (r >> 31) & q;
      r += (r >> 31) & q; // [0, 2q)
      r = (r - q) | 0;
      tmp[c] = r + ((r >> 31) & q);
    }
    forwardNttLazy(tmp, tab); // [0, 4q)
    const w = t.inv[i];
    const ws = t.invShoup[i];
    const off = i * N;
    const q2 = 2 * q;
    for (let c = 0; c < N; c++) {
      let z = (tmp[c] - q2) | 0;
      z += (z >> 31) & q2; // [0, 2q)
      const d = S[off + c] - z + q2; // (0, 3q]: exact, < 2^32
      // mulConst by q_l^-1 (Shoup): remainder in [0, 2q), one correction.
      const e = (d * ws) | 0;
      const r = (Math.imul(d, w) - Math.imul(e, q) - q) | 0; // [-q, q)
      O[off + c] = r + ((r >> 31) & q);
    }
  }
}
