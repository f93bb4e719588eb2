/**
 * The inner kernels of hybrid key switching (src/rlwe/keyswitch.ts): the
 * inner product of the decomposed digits with a switching key, the last step
 * of ModDown, and the lift of a ModDown by one prime. Kept apart from the key switcher's bookkeeping (and not
 * re-exported by the package) so that each hot loop is a small function of
 * its own, compiled whole by V8, and so that tests can compare each against
 * its BigInt reference.
 *
 * @module
 */

/**
 * One limb of the key-switching inner product (Han and Ki, CT-RSA 2020, section 3) over
 * digits [from, to):
 *   A0[aOff + c] = S0[sOff + c] + sum_j x_j * B[j][kOff + c] mod q,
 *   A1[aOff + c] = S1[sOff + c] + sum_j x_j * A[j][kOff + c] mod q,   for c < N,
 * where x_j = D[j][off + perm[c]] (perm the identity when no automorphism is applied). The digits
 * go through in groups of up to three, each group one pass over the limb with a single modular
 * reduction of its whole sum of products (see {@link macPerm3} for the bounds); the first group
 * reads the start values S, the later ones the accumulators A themselves. Passing S = A with
 * sOff = aOff accumulates; passing a zero limb (sOff = 0) overwrites. Three branch-free kernels
 * (one, two or three digits), so that the inner loops carry no per-element test and every
 * kernel's whole body runs on each call. Without an automorphism the caller passes the
 * identity permutation: one kernel per group size instead of two, for about 15 % more time
 * in the inner product of a relinearization (measured 0.49 against 0.42 ms per limb and
 * pair of digits at N = 2^16, about 1 % of a multiply + relinearize).
 * @param D the decomposed digits' words (values in [0, q) at the limb used), read at off + perm[c]
 * @param B the key's b_j words (values in [0, q)), read at kOff + c
 * @param A the key's a_j words, likewise
 * @param from first digit
 * @param to one past the last digit (from < to)
 * @param off offset of the limb in each D[j]
 * @param perm NTT slot permutation of an automorphism (entries < N), or the identity
 * @param kOff offset of the key limb in each B[j] and A[j]
 * @param S0 start values for A0, in [0, 2q) at sOff .. sOff + N (A0 itself to accumulate, or zeros)
 * @param S1 start values for A1, likewise
 * @param sOff offset of the start values
 * @param A0 accumulator for the b_j, written at aOff .. aOff + N
 * @param A1 accumulator for the a_j, likewise
 * @param aOff offset of the accumulator limb
 * @param N number of coefficients
 * @param q the limb's prime, q < 2^30
 * @returns nothing; A0 and A1 hold values in [0, 2q) congruent to the sums
 * @throws nothing (the caller checks shapes; offsets out of range read undefined)
 */
export function macDigits(
  D: readonly Uint32Array[], B: readonly Uint32Array[], A: readonly Uint32Array[], from: number, to: number,
  off: number, perm: Uint32Array, kOff: number,
  S0: Uint32Array, S1: Uint32Array, sOff: number,
  A0: Uint32Array, A1: Uint32Array, aOff: number, N: number, q: number,
): void {
  for (let j = from; j < to; j += 3) {
    const g = Math.min(3, to - j);
    const s0 = j === from ? S0 : A0;
    const s1 = j === from ? S1 : A1;
    const so = j === from ? sOff : aOff;
    if (g === 1) macPerm1(D[j], off, perm, B[j], A[j], kOff, s0, s1, so, A0, A1, aOff, N, q);
    else if (g === 2) macPerm2(D[j], D[j + 1], off, perm, B[j], A[j], B[j + 1], A[j + 1], kOff, s0, s1, so, A0, A1, aOff, N, q);
    else macPerm3(D[j], D[j + 1], D[j + 2], off, perm, B[j], A[j], B[j + 1], A[j + 1], B[j + 2], A[j + 2], kOff, s0, s1, so, A0, A1, aOff, N, q);
  }
}

/**
 * Three digits through a slot permutation: A0[aOff + c] = S0[sOff + c] + x y z . (b1, b2, b3)
 * mod q, A1 likewise with the a's, x = X[off + perm[c]] (and y, z from Y, Z).
 * Bounds (q < 2^30, x, y, z, b, a in [0, q), s in [0, 2q)): the true sum T = s + x b1 + y b2 +
 * z b3 is below 2q + 3q^2 < 2^62. Its float64 evaluation is off by less than 6 T 2^-53, and
 * times qInv the estimate v is within 2^-17 of T / q (T / q < 4q < 2^32), so e = trunc(v) is
 * floor(T / q) or one away from it, and T - e q lies in [-q, 2q). That remainder is computed
 * from the low words: s + imul(x, b1) + imul(y, b2) + imul(z, b3) - imul(e, q), five terms of
 * at most 2^31 in magnitude (an exact float64 sum below 2^34), taken modulo 2^32 by `| 0`
 * (ToInt32 of an integer below 2^53 is exact modulo 2^32; so is `v | 0` for the quotient,
 * whose high bits Math.imul drops anyway). Since [-q, 2q) lies inside int32 the wrapped value
 * is the remainder itself; one correction adds q to a negative one: [0, 2q).
 * One reduction per three products instead of three, and one pass over the accumulators
 * instead of three.
 */
function macPerm3(
  X: Uint32Array, Y: Uint32Array, Z: Uint32Array, off: number, perm: Uint32Array,
  B1: Uint32Array, K1: Uint32Array, B2: Uint32Array, K2: Uint32Array, B3: Uint32Array, K3: Uint32Array, kOff: number,
  S0: Uint32Array, S1: Uint32Array, sOff: number, A0: Uint32Array, A1: Uint32Array, aOff: number, N: number, q: number,
): void {
  // int32-marked parameters: a prime or an offset that arrived as a heap number would
  // otherwise keep V8's index and integer arithmetic in float64.
  off |= 0;
  kOff |= 0;
  sOff |= 0;
  aOff |= 0;
  N |= 0;
  q |= 0;
  const qInv = 1 / q;
  for (let c = 0; c < N; c++) {
    const p = off + perm[c];
    const x = X[p];
    const y = Y[p];
    const z = Z[p];
    const k = kOff + c;
    const b1 = B1[k];
    const b2 = B2[k];
    const b3 = B3[k];
    const a1 = K1[k];
    const a2 = K2[k];
    const a3 = K3[k];
    const s0 = S0[sOff + c];
    const s1 = S1[sOff + c];
    const e0 = ((s0 + x * b1 + y * b2 + z * b3) * qInv) | 0;
    const e1 = ((s1 + x * a1 + y * a2 + z * a3) * qInv) | 0;
    const r0 = (s0 + Math.imul(x, b1) + Math.imul(y, b2) + Math.imul(z, b3) - Math.imul(e0, q)) | 0; // [-q, 2q)
    const r1 = (s1 + Math.imul(x, a1) + Math.imul(y, a2) + Math.imul(z, a3) - Math.imul(e1, q)) | 0;
    A0[aOff + c] = r0 + ((r0 >> 31) & q); // [0, 2q)
    A1[aOff + c] = r1 + ((r1 >> 31) & q);
  }
}

/** {@link macPerm3} with two digits (T < 2q + 2q^2; same bounds). */
function macPerm2(
  X: Uint32Array, Y: Uint32Array, off: number, perm: Uint32Array,
  B1: Uint32Array, K1: Uint32Array, B2: Uint32Array, K2: Uint32Array, kOff: number,
  S0: Uint32Array, S1: Uint32Array, sOff: number, A0: Uint32Array, A1: Uint32Array, aOff: number, N: number, q: number,
): void {
  off |= 0;
  kOff |= 0;
  sOff |= 0;
  aOff |= 0;
  N |= 0;
  q |= 0;
  const qInv = 1 / q;
  for (let c = 0; c < N; c++) {
    const p = off + perm[c];
    const x = X[p];
    const y = Y[p];
    const k = kOff + c;
    const b1 = B1[k];
    const b2 = B2[k];
    const a1 = K1[k];
    const a2 = K2[k];
    const s0 = S0[sOff + c];
    const s1 = S1[sOff + c];
    const e0 = ((s0 + x * b1 + y * b2) * qInv) | 0;
    const e1 = ((s1 + x * a1 + y * a2) * qInv) | 0;
    const r0 = (s0 + Math.imul(x, b1) + Math.imul(y, b2) - Math.imul(e0, q)) | 0; // [-q, 2q)
    const r1 = (s1 + Math.imul(x, a1) + Math.imul(y, a2) - Math.imul(e1, q)) | 0;
    A0[aOff + c] = r0 + ((r0 >> 31) & q); // [0, 2q)
    A1[aOff + c] = r1 + ((r1 >> 31) & q);
  }
}

/** {@link macPerm3} with one digit (T < 2q + q^2; same bounds). */
function macPerm1(
  X: Uint32Array, off: number, perm: Uint32Array, B1: Uint32Array, K1: Uint32Array, kOff: number,
  S0: Uint32Array, S1: Uint32Array, sOff: number, A0: Uint32Array, A1: Uint32Array, aOff: number, N: number, q: number,
): void {
  off |= 0;
  kOff |= 0;
  sOff |= 0;
  aOff |= 0;
  N |= 0;
  q |= 0;
  const qInv = 1 / q;
  for (let c = 0; c < N; c++) {
    const x = X[off + perm[c]];
    const b1 = B1[kOff + c];
    const a1 = K1[kOff + c];
    const s0 = S0[sOff + c];
    const s1 = S1[sOff + c];
    const e0 = ((s0 + x * b1) * qInv) | 0;
    const e1 = ((s1 + x * a1) * qInv) | 0;
    const r0 = (s0 + Math.imul(x, b1) - Math.imul(e0, q)) | 0; // [-q, 2q)
    const r1 = (s1 + Math.imul(x, a1) - Math.imul(e1, q)) | 0;
    A0[aOff + c] = r0 + ((r0 >> 31) & q); // [0, 2q)
    A1[aOff + c] = r1 + ((r1 >> 31) & q);
  }
}

/**
 * The last step of ModDown on one limb (Cheon, Han, Kim, Kim and Song, SAC 2018, section 4.2),
 * with the term that key switching adds to its result fused in:
 * O[off + c] = (A[off + c] - L[c]) * w + X[xOff + perm[c]] mod q in [0, q), for c < N, with
 * w = P^-1 mod q, A in [0, 2q), L (the lifted P part, after a lazy forward NTT) in [0, 4q)
 * and X in [0, q): a rotation's c_0 through its automorphism's slot permutation, a
 * relinearization's d_k through the identity, or a zero limb (xOff = 0) when nothing is added.
 * Bounds: L - 2q wraps into [-2q, 2q) (int32) and one correction gives [0, 2q);
 * d = A - L + 2q is in (0, 4q), exact and below 2^32; the Shoup product: d * ws < 2^32 in
 * float64 (ws < 1), Math.imul wraps modulo 2^32 (int32), the remainder minus q is in [-q, q);
 * plus x it is in [-q, 2q) (int32), and two corrections bring it to [0, q).
 * A hot loop of its own (not inlined in {@link KeySwitcher.modDownInto}) so that V8 compiles
 * it as a whole function instead of on-stack-replacing the caller's loop.
 * @param A accumulator over Q_l ∪ P (values in [0, 2q) at off .. off + N)
 * @param L lifted P part of this limb, N values in [0, 4q)
 * @param O destination, written at off .. off + N (may be A; may be X, with xOff = off, only
 *   when perm is the identity: other entries of X are read after O[c] is written)
 * @param off offset of the limb in A and O
 * @param N number of coefficients
 * @param q the limb's prime, q < 2^30
 * @param w P^-1 mod q, in [0, q)
 * @param ws Shoup constant of w, floor(w 2^32 / q) / 2^32
 * @param X the added term, values in [0, q) at xOff .. xOff + N
 * @param xOff offset of the added limb in X
 * @param perm the slot permutation applied to X (entries < N; the identity for none)
 * @returns nothing; O holds the limb of round(acc / P) + sigma(x)
 * @throws nothing (the caller checks shapes)
 */
export function modDownLimb(A: Uint32Array, L: Uint32Array, O: Uint32Array, off: number, N: number, q: number, w: number, ws: number, X: Uint32Array, xOff: number, perm: Uint32Array): void {
  off |= 0;
  N |= 0;
  q |= 0;
  w |= 0;
  xOff |= 0;
  const q2 = 2 * q; // < 2^31
  for (let c = 0; c < N; c++) {
    let l = (L[c] - q2) | 0; // [-2q, 2q)
    l += (l >> 31) & q2; // [0, 2q)
    const d = A[off + c] - l + q2; // (0, 4q), exact, < 2^32
    const e = (d * ws) | 0;
    let r = (Math.imul(d, w) - Math.imul(e, q) - q + X[xOff + perm[c]]) | 0; // [-q, 2q)
    r += (r >> 31) & q; // [0, 2q)
    r = (r - q) | 0; // [-q, q)
    O[off + c] = r + ((r >> 31) & q);
  }
}

/**
 * The first step of a ModDown by one special prime p (the division of public-key encryption,
 * src/rlwe/core.ts), on p's limb in coefficient form: x[c] = (x[c] + e[c] + h) mod p in [0, p),
 * for c < N, with h = (p - 1) / 2, so that x[c] - h is the centered representative of x + e.
 * Bounds: x in [0, p), |e| < p: x + e in (-p, 2p), int32 (p < 2^30); one correction to [0, 2p)
 * and one after subtracting p give [0, p); plus h minus p is in [-p, p), one correction.
 * @param x the limb (values in [0, p)), overwritten
 * @param e the small error added with it (coefficient form, |e[c]| < p; zeros when none)
 * @param N number of coefficients
 * @param p the prime, p < 2^30, odd
 * @param h (p - 1) / 2
 * @returns nothing
 * @throws nothing (the caller checks shapes)
 */
export function shiftSmallInto(x: Uint32Array, e: Int32Array, N: number, p: number, h: number): void {
  N |= 0;
  p |= 0;
  h |= 0;
  for (let c = 0; c < N; c++) {
    let t = (x[c] + e[c]) | 0; // (-p, 2p)
    t += (t >> 31) & p; // [0, 2p)
    t = (t - p) | 0;
    t += (t >> 31) & p; // [0, p)
    t = (t + h - p) | 0; // [-p, p)
    x[c] = t + ((t >> 31) & p);
  }
}

/**
 * The lift of a ModDown by one special prime p to the prime q, with the error that joined
 * p's limb taken back out: O[c] = (y[c] - hq - e[c]) mod q in [0, q), for c < N, where
 * y = (x + e + h) mod p ({@link shiftSmallInto}) and hq = h mod q. Then y - h is the centered
 * representative of x + e modulo p, an integer in [-h, h], and O holds it minus e modulo q:
 * the one-prime fast basis conversion, which is exact (no multiple of p to correct), with
 * the subtraction of e fused in.
 * Bounds: y < p < 2^30, hq in [0, q), |e| < q: v = y - hq - e is in (-2q, 2^30 + q), int32;
 * t = trunc(v / q) from the float estimate is the quotient or one away, and v - t q is in
 * (-2q, 2q) (Math.imul wraps modulo 2^32, int32, and the true value lies inside int32);
 * three corrections give [0, q).
 * @param y the shifted limb, values in [0, p)
 * @param O destination, N words
 * @param N number of coefficients
 * @param q the target prime, q < 2^30
 * @param hq h mod q
 * @param e the error, |e[c]| < q (zeros when none)
 * @returns nothing
 * @throws nothing (the caller checks shapes)
 */
export function liftOnePrime(y: Uint32Array, O: Uint32Array, N: number, q: number, hq: number, e: Int32Array): void {
  N |= 0;
  q |= 0;
  hq |= 0;
  const qInv = 1 / q;
  const q2 = 2 * q; // < 2^31
  for (let c = 0; c < N; c++) {
    const v = (y[c] - hq - e[c]) | 0; // (-2q, 2^30 + q)
    let r = (v - Math.imul((v * qInv) | 0, q)) | 0; // (-2q, 2q)
    r += (r >> 31) & q2; // [0, 2q)
    r = (r - q) | 0;
    O[c] = r + ((r >> 31) & q);
  }
}

/**
 * One limb of the c_0 side of a rotate-and-add step kept over Q_l ∪ P
 * ({@link KeySwitcher.rotateAddStep}): Y[off + c] = Y[off + c] + X[off + c] + X[off + perm[c]]
 * modulo q, for c < N, that is y + x + sigma(x) with sigma the automorphism whose NTT slot
 * permutation is perm (x itself is read through it, so Y must not overlap X).
 * Bounds: Y and X in [0, 2q), 2q < 2^31. Y + X - 2q is in [-2q, 2q), inside int32 (the
 * uint32 words' sum, up to 4q - 2 < 2^32, is taken modulo 2^32 by `| 0` and the true value
 * lies inside int32); one correction gives [0, 2q); adding sigma(x) and subtracting 2q again
 * is in [-2q, 2q), one more correction gives [0, 2q).
 * @param Y accumulator (the key-switching inner product's b part), values in [0, 2q); updated
 * @param X the lazily kept c_0, values in [0, 2q), read at off + c and off + perm[c]
 * @param off offset of the limb in Y and X
 * @param N number of coefficients
 * @param q the limb's prime, q < 2^30
 * @param perm NTT slot permutation of the automorphism (entries < N), or the identity
 * @returns nothing; Y holds values in [0, 2q)
 * @throws nothing (the caller checks shapes and overlap)
 */
export function addAutomorphismLimb(Y: Uint32Array, X: Uint32Array, off: number, N: number, q: number, perm: Uint32Array): void {
  off |= 0;
  N |= 0;
  q |= 0;
  const q2 = 2 * q; // < 2^31
  for (let c = 0; c < N; c++) {
    const o = (off + c) | 0;
    let s = (Y[o] + X[o] - q2) | 0; // [-2q, 2q)
    s = (s + ((s >> 31) & q2)) | 0; // [0, 2q)
    const t = (s + X[(off + perm[c]) | 0] - q2) | 0; // [-2q, 2q)
    Y[o] = t + ((t >> 31) & q2); // [0, 2q)
  }
}
