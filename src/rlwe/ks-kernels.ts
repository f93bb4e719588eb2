/**
 * The inner kernels of hybrid key switching (src/rlwe/keyswitch.ts): the
 * inner product of a decomposed digit with a switching key, and the last
 * step of ModDown. Kept apart from the key switcher's bookkeeping (and not
 * re-exported by the package) so that each hot loop is a small function of
 * its own, compiled whole by V8, and so that tests can compare each against
 * its BigInt reference.
 *
 * @module
 */

/**
 * One limb of the key-switching inner product (Han and Ki, CT-RSA 2020, section 3):
 * A0[aOff + c] (+)= x * B[kOff + c] and A1[aOff + c] (+)= x * A[kOff + c] modulo q, for c < N,
 * where x = D[off + perm[c]] (D[off + c] when no automorphism is applied). Dispatches once to
 * one of four branch-free kernels (with or without the permutation, overwriting or
 * accumulating), so that the inner loops carry no per-element test and every kernel's whole
 * body runs on each call (its type feedback is complete when V8 optimizes it).
 * Products as in mulMod (bounds at {@link macSet}).
 * @param D decomposed digit (values in [0, q) at the limb used), read at off + c or off + perm[c]
 * @param off offset of the limb in D
 * @param perm NTT slot permutation of an automorphism (entries < N), or undefined
 * @param B key limb b (values in [0, q)), read at kOff + c
 * @param A key limb a (values in [0, q)), read at kOff + c
 * @param kOff offset of the key limb
 * @param A0 accumulator for b, values in [0, 2q) at aOff .. aOff + N (read when first is false)
 * @param A1 accumulator for a, likewise
 * @param aOff offset of the accumulator limb
 * @param N number of coefficients
 * @param q the limb's prime, q < 2^30
 * @param first overwrite the accumulators instead of adding to them
 * @returns nothing; A0 and A1 hold values in [0, 2q) congruent to the (accumulated) products
 * @throws nothing (the caller checks shapes; offsets out of range read undefined)
 */
export function macLimb(
  D: Uint32Array, off: number, perm: Uint32Array | undefined,
  B: Uint32Array, A: Uint32Array, kOff: number,
  A0: Uint32Array, A1: Uint32Array, aOff: number,
  N: number, q: number, first: boolean,
): void {
  if (perm === undefined) {
    if (first) macSet(D, off, B, A, kOff, A0, A1, aOff, N, q);
    else macAdd(D, off, B, A, kOff, A0, A1, aOff, N, q);
  } else if (first) macPermSet(D, off, perm, B, A, kOff, A0, A1, aOff, N, q);
  else macPermAdd(D, off, perm, B, A, kOff, A0, A1, aOff, N, q);
}

/**
 * A0[aOff + c] = D[off + c] * B[kOff + c] mod q and A1 likewise with A, in [0, q), for c < N.
 * Largest intermediates: the float product x * kb < 2^60 is inexact, but x * kb * qInv is within
 * 1 of the true quotient (relative error < 2^-51, quotient < 2^30), so e = floor(.) | 0 is the
 * quotient or one below/above it; Math.imul(x, kb) - Math.imul(e, q) is then the remainder in
 * [-q, 2q), computed modulo 2^32 (int32) and exact since 2q < 2^31; one correction adds q to a
 * negative value, leaving [0, 2q) (the accumulator range).
 */
function macSet(D: Uint32Array, off: number, B: Uint32Array, A: Uint32Array, kOff: number, A0: Uint32Array, A1: Uint32Array, aOff: number, N: number, q: number): void {
  // int32-marked parameters: a prime or an offset that arrived as a heap number would
  // otherwise keep V8's index and integer arithmetic in float64.
  off |= 0;
  kOff |= 0;
  aOff |= 0;
  N |= 0;
  q |= 0;
  const qInv = 1 / q;
  for (let c = 0; c < N; c++) {
    const x = D[off + c];
    const kb = B[kOff + c];
    const ka = A[kOff + c];
    let r0 = (Math.imul(x, kb) - Math.imul((x * kb * qInv) | 0, q)) | 0; // [-q, 2q)
    let r1 = (Math.imul(x, ka) - Math.imul((x * ka * qInv) | 0, q)) | 0;
    r0 += (r0 >> 31) & q; // [0, 2q)
    r1 += (r1 >> 31) & q;
    A0[aOff + c] = r0;
    A1[aOff + c] = r1;
  }
}

/**
 * A0[aOff + c] += D[off + c] * B[kOff + c] and A1 likewise with A, modulo q, accumulators in
 * [0, 2q). Products as in {@link macSet} ([0, 2q)); the sum of two values in [0, 2q) minus 2q
 * is in [-2q, 2q), int32, and one correction brings it back to [0, 2q).
 */
function macAdd(D: Uint32Array, off: number, B: Uint32Array, A: Uint32Array, kOff: number, A0: Uint32Array, A1: Uint32Array, aOff: number, N: number, q: number): void {
  off |= 0;
  kOff |= 0;
  aOff |= 0;
  N |= 0;
  q |= 0;
  const qInv = 1 / q;
  const q2 = 2 * q; // < 2^31
  for (let c = 0; c < N; c++) {
    const x = D[off + c];
    const kb = B[kOff + c];
    const ka = A[kOff + c];
    let r0 = (Math.imul(x, kb) - Math.imul((x * kb * qInv) | 0, q)) | 0; // [-q, 2q)
    let r1 = (Math.imul(x, ka) - Math.imul((x * ka * qInv) | 0, q)) | 0;
    r0 += (r0 >> 31) & q; // [0, 2q)
    r1 += (r1 >> 31) & q;
    let s0 = (A0[aOff + c] + r0 - q2) | 0; // [-2q, 2q)
    let s1 = (A1[aOff + c] + r1 - q2) | 0;
    s0 += (s0 >> 31) & q2; // [0, 2q)
    s1 += (s1 >> 31) & q2;
    A0[aOff + c] = s0;
    A1[aOff + c] = s1;
  }
}

/** {@link macSet} with x = D[off + perm[c]] (the NTT slot permutation of an automorphism); same bounds. */
function macPermSet(D: Uint32Array, off: number, perm: Uint32Array, B: Uint32Array, A: Uint32Array, kOff: number, A0: Uint32Array, A1: Uint32Array, aOff: number, N: number, q: number): void {
  off |= 0;
  kOff |= 0;
  aOff |= 0;
  N |= 0;
  q |= 0;
  const qInv = 1 / q;
  for (let c = 0; c < N; c++) {
    const x = D[off + perm[c]];
    const kb = B[kOff + c];
    const ka = A[kOff + c];
    let r0 = (Math.imul(x, kb) - Math.imul((x * kb * qInv) | 0, q)) | 0; // [-q, 2q)
    let r1 = (Math.imul(x, ka) - Math.imul((x * ka * qInv) | 0, q)) | 0;
    r0 += (r0 >> 31) & q; // [0, 2q)
    r1 += (r1 >> 31) & q;
    A0[aOff + c] = r0;
    A1[aOff + c] = r1;
  }
}

/** {@link macAdd} with x = D[off + perm[c]]; same bounds. */
function macPermAdd(D: Uint32Array, off: number, perm: Uint32Array, B: Uint32Array, A: Uint32Array, kOff: number, A0: Uint32Array, A1: Uint32Array, aOff: number, N: number, q: number): void {
  off |= 0;
  kOff |= 0;
  aOff |= 0;
  N |= 0;
  q |= 0;
  const qInv = 1 / q;
  const q2 = 2 * q; // < 2^31
  for (let c = 0; c < N; c++) {
    const x = D[off + perm[c]];
    const kb = B[kOff + c];
    const ka = A[kOff + c];
    let r0 = (Math.imul(x, kb) - Math.imul((x * kb * qInv) | 0, q)) | 0; // [-q, 2q)
    let r1 = (Math.imul(x, ka) - Math.imul((x * ka * qInv) | 0, q)) | 0;
    r0 += (r0 >> 31) & q; // [0, 2q)
    r1 += (r1 >> 31) & q;
    let s0 = (A0[aOff + c] + r0 - q2) | 0; // [-2q, 2q)
    let s1 = (A1[aOff + c] + r1 - q2) | 0;
    s0 += (s0 >> 31) & q2; // [0, 2q)
    s1 += (s1 >> 31) & q2;
    A0[aOff + c] = s0;
    A1[aOff + c] = s1;
  }
}

/**
 * The last step of ModDown on one limb (Cheon, Han, Kim, Kim and Song, SAC 2018, section 4.2):
 * O[off + c] = (A[off + c] - L[c]) * w mod q in [0, q), for c < N, with w = P^-1 mod q,
 * A in [0, 2q) and L (the lifted P part, after a lazy forward NTT) in [0, 4q).
 * Bounds: L - 2q wraps into [-2q, 2q) (int32) and one correction gives [0, 2q);
 * d = A - L + 2q is in (0, 4q), exact and below 2^32; the Shoup product: d * ws < 2^32 in
 * float64 (ws < 1), Math.imul wraps modulo 2^32 (int32), the remainder minus q is in [-q, q).
 * A hot loop of its own (not inlined in {@link KeySwitcher.modDownInto}) so that V8 compiles
 * it as a whole function instead of on-stack-replacing the caller's loop.
 * @param A accumulator over Q_l ∪ P (values in [0, 2q) at off .. off + N)
 * @param L lifted P part of this limb, N values in [0, 4q)
 * @param O destination, written at off .. off + N (may be A)
 * @param off offset of the limb in A and O
 * @param N number of coefficients
 * @param q the limb's prime, q < 2^30
 * @param w P^-1 mod q, in [0, q)
 * @param ws Shoup constant of w, floor(w 2^32 / q) / 2^32
 * @returns nothing; O holds the limb of round(acc / P)
 * @throws nothing (the caller checks shapes)
 */
export function modDownLimb(A: Uint32Array, L: Uint32Array, O: Uint32Array, off: number, N: number, q: number, w: number, ws: number): void {
  off |= 0;
  N |= 0;
  q |= 0;
  w |= 0;
  const q2 = 2 * q; // < 2^31
  for (let c = 0; c < N; c++) {
    let l = (L[c] - q2) | 0; // [-2q, 2q)
    l += (l >> 31) & q2; // [0, 2q)
    const d = A[off + c] - l + q2; // (0, 4q), exact, < 2^32
    const e = (d * ws) | 0;
    const r = (Math.imul(d, w) - Math.imul(e, q) - q) | 0; // [-q, q)
    O[off + c] = r + ((r >> 31) & q);
  }
}
