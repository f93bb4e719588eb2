/**
 * Pointwise kernels on RNS polynomials: sums, differences, negation,
 * products and fused multiply-adds, limb by limb. Every kernel works on the
 * first `limbs` limbs of polynomials stored limb after limb in one
 * Uint32Array (N words per limb; limb i is taken modulo moduli[i]), reads and
 * writes values in [0, q), and may write into one of its inputs (every
 * element is read before it is written). In NTT form a product of
 * polynomials is the pointwise product, so these are the inner loops of
 * encryption, decryption, key generation and the evaluator.
 *
 * One modular product serves them all (module-local so that V8 inlines it
 * into each loop: the imported function measured 8x slower in such loops):
 * for a, b in [0, q), q < 2^30, the float64 estimate t = floor(a b / q) +- 1
 * < 2^30 (a b < 2^60 is rounded in float64, which only moves the estimate by
 * one); Math.imul(a, b) - Math.imul(t, q) is exact modulo 2^32 and the true
 * remainder lies in [-q, 2q), so the int32 value is exact; two corrections
 * give [0, q). Sums of two values in [0, q) stay below 2q < 2^31 (int32).
 * Integer parameters are marked `| 0` (int32) at the top of each kernel: a
 * prime that arrived as a heap number otherwise keeps V8 in float64 for the
 * index and integer arithmetic (measured on the basis conversion: a third of its time).
 *
 * @module
 */

/** a b mod q for a, b in [0, q), q < 2^30 (bounds in the module comment). */
function mulModLocal(a: number, b: number, q: number, qInv: number): number {
  const t = (a * b * qInv) | 0;
  let r = (Math.imul(a, b) - Math.imul(t, q)) | 0;
  r += (r >> 31) & q;
  r = (r - q) | 0;
  return r + ((r >> 31) & q);
}

/**
 * O = X + Y, or X - Y with `subtract`.
 * @param X first operand
 * @param Y second operand
 * @param O destination (may alias X or Y)
 * @param moduli limb i is taken modulo moduli[i]
 * @param N ring degree
 * @param limbs number of limbs
 * @param subtract compute X - Y
 */
export function addLimbs(X: Uint32Array, Y: Uint32Array, O: Uint32Array, moduli: ArrayLike<number>, N: number, limbs: number, subtract = false): void {
  N |= 0;
  limbs |= 0;
  for (let i = 0; i < limbs; i++) {
    const q = moduli[i] | 0; // int32-marked: a prime stored as a heap number would make V8 do this arithmetic in float64
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
 * O = -X.
 * @param X operand
 * @param O destination (may alias X)
 * @param moduli limb i is taken modulo moduli[i]
 * @param N ring degree
 * @param limbs number of limbs
 */
export function negateLimbs(X: Uint32Array, O: Uint32Array, moduli: ArrayLike<number>, N: number, limbs: number): void {
  N |= 0;
  limbs |= 0;
  for (let i = 0; i < limbs; i++) {
    const q = moduli[i] | 0; // int32-marked: a prime stored as a heap number would make V8 do this arithmetic in float64
    for (let c = i * N, end = c + N; c < end; c++) O[c] = X[c] === 0 ? 0 : q - X[c];
  }
}

/**
 * O = X * Y pointwise (a product of polynomials in NTT form).
 * @param X first operand
 * @param Y second operand
 * @param O destination (may alias X or Y)
 * @param moduli limb i is taken modulo moduli[i]
 * @param N ring degree
 * @param limbs number of limbs
 */
export function mulLimbs(X: Uint32Array, Y: Uint32Array, O: Uint32Array, moduli: ArrayLike<number>, N: number, limbs: number): void {
  N |= 0;
  limbs |= 0;
  for (let i = 0; i < limbs; i++) {
    const q = moduli[i] | 0; // int32-marked: a prime stored as a heap number would make V8 do this arithmetic in float64
    const qInv = 1 / q;
    for (let c = i * N, end = c + N; c < end; c++) O[c] = mulModLocal(X[c], Y[c], q, qInv);
  }
}

/**
 * O = A + X * Y pointwise, or A - X * Y with `subtract` (a fused multiply-add:
 * b = e - a s of an encryption of zero, c_0 + c_1 s of a decryption, the
 * multiply-accumulate of a baby-step sum).
 * @param A the addend
 * @param X first factor
 * @param Y second factor
 * @param O destination (may alias A, X or Y)
 * @param moduli limb i is taken modulo moduli[i]
 * @param N ring degree
 * @param limbs number of limbs
 * @param subtract compute A - X Y
 */
export function mulAddLimbs(
  A: Uint32Array, X: Uint32Array, Y: Uint32Array, O: Uint32Array,
  moduli: ArrayLike<number>, N: number, limbs: number, subtract = false,
): void {
  N |= 0;
  limbs |= 0;
  for (let i = 0; i < limbs; i++) {
    const q = moduli[i] | 0; // int32-marked: a prime stored as a heap number would make V8 do this arithmetic in float64
    const qInv = 1 / q;
    const end = (i + 1) * N;
    if (subtract) {
      for (let c = i * N; c < end; c++) {
        const d = (A[c] - mulModLocal(X[c], Y[c], q, qInv)) | 0; // (-q, q)
        O[c] = d + ((d >> 31) & q);
      }
    } else {
      for (let c = i * N; c < end; c++) {
        const s = (A[c] + mulModLocal(X[c], Y[c], q, qInv) - q) | 0; // [-q, q)
        O[c] = s + ((s >> 31) & q);
      }
    }
  }
}

/**
 * O = A + X * Y where Y is given compactly: it holds N / repeat words per limb
 * and its word j stands for the `repeat` consecutive entries j * repeat ..
 * (j + 1) * repeat - 1 of the full factor. This is the NTT form of a
 * polynomial in X^repeat (a sparse-slot plaintext: with n slots the encoder's
 * polynomial lives in X^(N/2n), and in this library's bit-reversed NTT order
 * its evaluations come in runs of N/2n equal values, see
 * src/circuits/lintrans.ts), so the factor costs 1/repeat of the memory and
 * of the memory traffic. Bounds as {@link mulAddLimbs}: one product below
 * 2^60 estimated in float64, the sum of two values in [0, q) below 2^31.
 * @param A the addend (N words per limb)
 * @param X first factor (N words per limb)
 * @param Y the compact factor (N / repeat words per limb, limb after limb)
 * @param O destination (may alias A or X)
 * @param moduli limb i is taken modulo moduli[i]
 * @param N ring degree
 * @param limbs number of limbs
 * @param repeat run length, a power of two dividing N
 */
export function mulAddLimbsRepeated(
  A: Uint32Array, X: Uint32Array, Y: Uint32Array, O: Uint32Array,
  moduli: ArrayLike<number>, N: number, limbs: number, repeat: number,
): void {
  N |= 0;
  limbs |= 0;
  repeat |= 0;
  const M = (N / repeat) | 0;
  for (let i = 0; i < limbs; i++) {
    const q = moduli[i] | 0; // int32-marked: a prime stored as a heap number would make V8 do this arithmetic in float64
    const qInv = 1 / q;
    let c = i * N;
    for (let j = i * M, end = j + M; j < end; j++) {
      const y = Y[j];
      for (let t = 0; t < repeat; t++, c++) {
        const s = (A[c] + mulModLocal(X[c], y, q, qInv) - q) | 0; // [-q, q)
        O[c] = s + ((s >> 31) & q);
      }
    }
  }
}

/**
 * O = X * m_i on limb i, for one residue per limb (an integer constant).
 * @param X operand
 * @param m residues, m[i] in [0, moduli[i])
 * @param O destination (may alias X)
 * @param moduli limb i is taken modulo moduli[i]
 * @param N ring degree
 * @param limbs number of limbs
 */
export function mulScalarLimbs(X: Uint32Array, m: ArrayLike<number>, O: Uint32Array, moduli: ArrayLike<number>, N: number, limbs: number): void {
  N |= 0;
  limbs |= 0;
  for (let i = 0; i < limbs; i++) {
    const q = moduli[i] | 0; // int32-marked: a prime stored as a heap number would make V8 do this arithmetic in float64
    const qInv = 1 / q;
    const r = m[i];
    for (let c = i * N, end = c + N; c < end; c++) O[c] = mulModLocal(X[c], r, q, qInv);
  }
}

/**
 * O = A + X * m_i on limb i, for one residue per limb.
 * @param A the addend
 * @param X the factor
 * @param m residues, m[i] in [0, moduli[i])
 * @param O destination (may alias A or X)
 * @param moduli limb i is taken modulo moduli[i]
 * @param N ring degree
 * @param limbs number of limbs
 */
export function mulScalarAddLimbs(A: Uint32Array, X: Uint32Array, m: ArrayLike<number>, O: Uint32Array, moduli: ArrayLike<number>, N: number, limbs: number): void {
  N |= 0;
  limbs |= 0;
  for (let i = 0; i < limbs; i++) {
    const q = moduli[i] | 0; // int32-marked: a prime stored as a heap number would make V8 do this arithmetic in float64
    const qInv = 1 / q;
    const r = m[i];
    for (let c = i * N, end = c + N; c < end; c++) {
      const s = (A[c] + mulModLocal(X[c], r, q, qInv) - q) | 0; // [-q, q)
      O[c] = s + ((s >> 31) & q);
    }
  }
}

/**
 * O = X + m_i on limb i (a constant polynomial has the same value at every NTT point).
 * @param X operand
 * @param m residues, m[i] in [0, moduli[i])
 * @param O destination (may alias X)
 * @param moduli limb i is taken modulo moduli[i]
 * @param N ring degree
 * @param limbs number of limbs
 */
export function addScalarLimbs(X: Uint32Array, m: ArrayLike<number>, O: Uint32Array, moduli: ArrayLike<number>, N: number, limbs: number): void {
  N |= 0;
  limbs |= 0;
  for (let i = 0; i < limbs; i++) {
    const q = moduli[i] | 0; // int32-marked: a prime stored as a heap number would make V8 do this arithmetic in float64
    const r = m[i];
    for (let c = i * N, end = c + N; c < end; c++) {
      const s = (X[c] + r - q) | 0; // [-q, q)
      O[c] = s + ((s >> 31) & q);
    }
  }
}

/**
 * The tensor product of two degree-1 ciphertexts in NTT form:
 * (o0, o1, o2) = (a0 b0, a0 b1 + a1 b0, a1 b1). Outputs must not alias inputs.
 * @param a0 first component of a
 * @param a1 second component of a
 * @param b0 first component of b
 * @param b1 second component of b
 * @param o0 destination of a0 b0
 * @param o1 destination of a0 b1 + a1 b0
 * @param o2 destination of a1 b1
 * @param moduli limb i is taken modulo moduli[i]
 * @param N ring degree
 * @param limbs number of limbs
 */
export function tensorLimbs(
  a0: Uint32Array, a1: Uint32Array, b0: Uint32Array, b1: Uint32Array,
  o0: Uint32Array, o1: Uint32Array, o2: Uint32Array,
  moduli: ArrayLike<number>, N: number, limbs: number,
): void {
  N |= 0;
  limbs |= 0;
  for (let i = 0; i < limbs; i++) {
    const q = moduli[i] | 0; // int32-marked: a prime stored as a heap number would make V8 do this arithmetic in float64
    const qInv = 1 / q;
    for (let j = i * N, end = j + N; j < end; j++) {
      const x0 = a0[j];
      const x1 = a1[j];
      const y0 = b0[j];
      const y1 = b1[j];
      o0[j] = mulModLocal(x0, y0, q, qInv);
      const s = (mulModLocal(x0, y1, q, qInv) + mulModLocal(x1, y0, q, qInv) - q) | 0; // [-q, q)
      o1[j] = s + ((s >> 31) & q);
      o2[j] = mulModLocal(x1, y1, q, qInv);
    }
  }
}

/**
 * U = U + X[perm] on every limb: slot c of sigma(x) is slot perm[c] of x in
 * NTT form (the c_0 term of an automorphism; perm undefined: the identity).
 * @param U accumulator, updated in place
 * @param X the operand to permute (must not alias U)
 * @param perm the NTT slot permutation of the automorphism, or undefined
 * @param moduli limb i is taken modulo moduli[i]
 * @param N ring degree
 * @param limbs number of limbs
 */
export function addPermutedLimbs(U: Uint32Array, X: Uint32Array, perm: Uint32Array | undefined, moduli: ArrayLike<number>, N: number, limbs: number): void {
  N |= 0;
  limbs |= 0;
  if (perm === undefined) {
    addLimbs(U, X, U, moduli, N, limbs);
    return;
  }
  for (let i = 0; i < limbs; i++) {
    const q = moduli[i] | 0; // int32-marked: a prime stored as a heap number would make V8 do this arithmetic in float64
    const off = i * N;
    for (let c = 0; c < N; c++) {
      const s = (U[off + c] + X[off + perm[c]] - q) | 0; // [-q, q)
      U[off + c] = s + ((s >> 31) & q);
    }
  }
}

/**
 * dst[base + i gap] = x[i] mod q in [0, q) for i < n, for integer-valued
 * doubles |x[i]| < 2^52. The encoder's residues of a rounded encoding, and
 * the circuits' diagonals held as coefficients (src/circuits/kernels.ts,
 * `diagonalWords`).
 * Bounds: v qInv is within |v| 2^-52 / q < 1 / q of v / q, so t = trunc(v qInv)
 * is trunc(v / q) or one away from it, and v - t q lies in (-2q, 2q). That
 * remainder is computed in int32 from the low words: `v | 0` is v modulo
 * 2^32 (ToInt32 of an integer below 2^53 is exact modulo 2^32), `(v qInv) | 0`
 * is t modulo 2^32, Math.imul(t, q) is t q modulo 2^32, and since
 * (-2q, 2q) lies inside int32 (q < 2^30) the wrapped difference is the
 * remainder itself; three corrections bring it to [0, q). No float64 result
 * is ever converted back from an int32 guess: the earlier Math.floor form
 * let V8 speculate that floor(v / q) q fits int32 when the values are below
 * q, and ran 3.5 times slower in that state (measured in the encoder at
 * N = 2^16: 4.2 -> 1.2 ms for 8 limbs).
 * @param x integer-valued doubles, |x[i]| < 2^52
 * @param n how many
 * @param dst destination limb data
 * @param base offset of the first value
 * @param gap stride between values
 * @param q the limb's prime, q < 2^30
 * @param qInv 1 / q
 */
export function residuesOfSmallIntegers(x: Float64Array, n: number, dst: Uint32Array, base: number, gap: number, q: number, qInv: number): void {
  n |= 0;
  gap |= 0;
  q |= 0;
  const q2 = 2 * q; // < 2^31
  for (let i = 0, p = base | 0; i < n; i++, p += gap) {
    const v = x[i];
    let r = ((v | 0) - Math.imul((v * qInv) | 0, q)) | 0; // (-2q, 2q), int32
    r += (r >> 31) & q2; // [0, 2q)
    r = (r - q) | 0; // [-q, q)
    dst[p] = r + ((r >> 31) & q);
  }
}
