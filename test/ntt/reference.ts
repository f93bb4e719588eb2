/**
 * Plain BigInt reference implementations for the ring layer tests.
 *
 * Everything here is written for clarity, not speed, and uses nothing from
 * src/: modular arithmetic with the `%` operator, schoolbook products, direct
 * evaluation of the NTT, exact CRT. The test vectors under test/vectors are
 * generated from this file only.
 */

/** x mod m in [0, m). */
export function mod(x: bigint, m: bigint): bigint {
  const r = x % m;
  return r < 0n ? r + m : r;
}

export function modadd(a: bigint, b: bigint, q: bigint): bigint {
  return mod(a + b, q);
}

export function modsub(a: bigint, b: bigint, q: bigint): bigint {
  return mod(a - b, q);
}

export function modmul(a: bigint, b: bigint, q: bigint): bigint {
  return mod(a * b, q);
}

/** b^e mod q by square and multiply, e >= 0. */
export function modpow(b: bigint, e: bigint, q: bigint): bigint {
  if (e < 0n) throw new RangeError('modpow: negative exponent');
  let r = 1n % q;
  let x = mod(b, q);
  while (e > 0n) {
    if (e & 1n) r = (r * x) % q;
    x = (x * x) % q;
    e >>= 1n;
  }
  return r;
}

/** Inverse of a modulo q by the extended Euclidean algorithm; throws if not invertible. */
export function modinv(a: bigint, q: bigint): bigint {
  let [r0, r1] = [q, mod(a, q)];
  let [s0, s1] = [0n, 1n];
  while (r1 !== 0n) {
    const k = r0 / r1;
    [r0, r1] = [r1, r0 - k * r1];
    [s0, s1] = [s1, s0 - k * s1];
  }
  if (r0 !== 1n) throw new RangeError(`modinv: ${a} is not invertible modulo ${q}`);
  return mod(s0, q);
}

/** Reverse the low `bits` bits of i, through the binary string (independent of the shift-based code). */
export function brev(i: number, bits: number): number {
  if (bits === 0) return 0;
  const s = i.toString(2).padStart(bits, '0');
  return parseInt(s.split('').reverse().join(''), 2);
}

/** Primality by trial division (a proof, for n up to ~2^40 in reasonable time). */
export function isPrimeTrial(n: bigint): boolean {
  if (n < 2n) return false;
  if (n < 4n) return true;
  if (n % 2n === 0n || n % 3n === 0n) return false;
  for (let d = 5n; d * d <= n; d += 6n) {
    if (n % d === 0n || n % (d + 2n) === 0n) return false;
  }
  return true;
}

/** Whether n (odd, > 2) is a strong probable prime to base a. */
export function isStrongProbablePrime(n: bigint, a: bigint): boolean {
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  let x = modpow(a, d, n);
  if (x === 1n || x === n - 1n) return true;
  for (let i = 1; i < s; i++) {
    x = (x * x) % n;
    if (x === n - 1n) return true;
  }
  return false;
}

const SMALL_PRIMES = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n];

/**
 * Miller-Rabin with the first twelve primes as bases: deterministic for
 * n < 3.18e23 (Sorenson and Webster 2015). Uses different bases from the
 * code under test (2, 7, 61).
 */
export function isPrimeMR(n: bigint): boolean {
  if (n < 2n) return false;
  for (const p of SMALL_PRIMES) {
    if (n === p) return true;
    if (n % p === 0n) return false;
  }
  for (const a of SMALL_PRIMES) if (!isStrongProbablePrime(n, a)) return false;
  return true;
}

/**
 * Reference prime generator: for each size b (in order) the largest prime
 * q < 2^b with q = 1 mod 2N, not already taken, scanning downward.
 */
export function nttPrimesRef(logN: number, bitSizes: readonly number[], exclude: readonly bigint[] = []): bigint[] {
  const m = 2n ** BigInt(logN + 1);
  const taken = new Set<bigint>(exclude);
  const out: bigint[] = [];
  for (const b of bitSizes) {
    const lo = 2n ** BigInt(b - 1);
    let q = 2n ** BigInt(b) - m + 1n;
    while (q > lo && (taken.has(q) || !isPrimeMR(q))) q -= m;
    if (q <= lo) throw new RangeError('nttPrimesRef: out of primes');
    taken.add(q);
    out.push(q);
  }
  return out;
}

/** The smallest NTT-friendly prime for 2^logN that is >= from. */
export function smallestNttPrimeAtLeast(logN: number, from: bigint): bigint {
  const m = 2n ** BigInt(logN + 1);
  let q = from <= 1n ? m + 1n : ((from - 1n + m - 1n) / m) * m + 1n;
  while (!isPrimeMR(q)) q += m;
  return q;
}

/** Whether psi is a primitive 2N-th root of unity modulo q (psi^N = -1). */
export function isPrimitive2NthRootRef(psi: bigint, N: bigint, q: bigint): boolean {
  return psi > 0n && psi < q && modpow(psi, N, q) === q - 1n;
}

/** Every primitive 2N-th root of unity modulo the prime q, sorted ascending (the N odd powers of one of them). */
export function allPrimitive2NthRoots(q: bigint, logN: number): bigint[] {
  const N = 2n ** BigInt(logN);
  const e = (q - 1n) / (2n * N);
  let c = 0n;
  for (let g = 2n; g < q; g++) {
    c = modpow(g, e, q);
    if (modpow(c, N, q) === q - 1n) break;
  }
  const c2 = modmul(c, c, q);
  const roots: bigint[] = [];
  let cur = c;
  for (let k = 0n; k < N; k++) {
    roots.push(cur);
    cur = modmul(cur, c2, q);
  }
  return roots.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Minimal primitive 2N-th root by exhaustive search over [1, q) (small q only). */
export function minimalPsiBruteForce(q: bigint, logN: number): bigint {
  const N = 2n ** BigInt(logN);
  for (let x = 1n; x < q; x++) if (modpow(x, N, q) === q - 1n) return x;
  throw new RangeError('minimalPsiBruteForce: no root');
}

/** Minimal primitive 2N-th root: the minimum of all of them. */
export function minimalPsiRef(q: bigint, logN: number): bigint {
  return allPrimitive2NthRoots(q, logN)[0];
}

/** a(x) mod q by Horner's rule. */
export function evalPoly(a: readonly bigint[], x: bigint, q: bigint): bigint {
  let r = 0n;
  for (let i = a.length - 1; i >= 0; i--) r = mod(r * x + a[i], q);
  return r;
}

/** Slot i of the negacyclic NTT: a(psi^(2*brev(i)+1)) mod q. */
export function nttSlotRef(a: readonly bigint[], i: number, psi: bigint, q: bigint, logN: number): bigint {
  return evalPoly(a, modpow(psi, BigInt(2 * brev(i, logN) + 1), q), q);
}

/** Full negacyclic NTT by direct evaluation (O(N^2)). */
export function nttRef(a: readonly bigint[], psi: bigint, q: bigint, logN: number): bigint[] {
  const N = 1 << logN;
  const out: bigint[] = [];
  for (let i = 0; i < N; i++) out.push(nttSlotRef(a, i, psi, q, logN));
  return out;
}

/** Inverse of nttRef by direct interpolation: a_j = N^-1 * sum_i A_i * psi^(-(2 brev(i)+1) j). */
export function inttRef(A: readonly bigint[], psi: bigint, q: bigint, logN: number): bigint[] {
  const N = 1 << logN;
  const nInv = modinv(BigInt(N), q);
  const psiInv = modinv(psi, q);
  const out: bigint[] = [];
  for (let j = 0; j < N; j++) {
    let s = 0n;
    for (let i = 0; i < N; i++) s += A[i] * modpow(psiInv, BigInt((2 * brev(i, logN) + 1) * j), q);
    out.push(modmul(s, nInv, q));
  }
  return out;
}

/**
 * Negacyclic NTT in O(N log N) BigInt operations, for large N, independent of the
 * library's merged-twiddle kernels: b_k = a_k psi^k, then a textbook iterative
 * radix-2 cyclic DFT of b with omega = psi^2 (so B_m = a(psi^(2m+1))), then slot i
 * takes B_brev(i). Same output as {@link nttRef}.
 */
export function nttFastRef(a: readonly bigint[], psi: bigint, q: bigint, logN: number): bigint[] {
  const N = 1 << logN;
  const b: bigint[] = new Array<bigint>(N);
  let p = 1n;
  for (let k = 0; k < N; k++, p = (p * psi) % q) b[k] = mod(a[k] * p, q);
  const B = dftRef(b, modmul(psi, psi, q), q, logN);
  return Array.from({ length: N }, (_, i) => B[brev(i, logN)]);
}

/** Inverse of {@link nttFastRef}: the inverse DFT with omega^-1 and N^-1, then a_k = b_k psi^-k. Same output as {@link inttRef}. */
export function inttFastRef(A: readonly bigint[], psi: bigint, q: bigint, logN: number): bigint[] {
  const N = 1 << logN;
  const B = Array.from({ length: N }, (_, m) => mod(A[brev(m, logN)], q));
  const psiInv = modinv(psi, q);
  const b = dftRef(B, modmul(psiInv, psiInv, q), q, logN);
  const nInv = modinv(BigInt(N), q);
  const out: bigint[] = new Array<bigint>(N);
  let p = nInv;
  for (let k = 0; k < N; k++, p = (p * psiInv) % q) out[k] = (b[k] * p) % q;
  return out;
}

/** Cyclic DFT X_m = sum_k x_k w^(mk) mod q, iterative radix-2 (bit-reversal permutation, then log N layers). */
function dftRef(x: readonly bigint[], w: bigint, q: bigint, logN: number): bigint[] {
  const N = 1 << logN;
  const a: bigint[] = Array.from({ length: N }, (_, i) => x[brev(i, logN)]);
  for (let len = 2; len <= N; len <<= 1) {
    const wl = modpow(w, BigInt(N / len), q);
    const half = len >> 1;
    const ws: bigint[] = [1n];
    for (let k = 1; k < half; k++) ws.push((ws[k - 1] * wl) % q);
    for (let s = 0; s < N; s += len) {
      for (let k = 0; k < half; k++) {
        const u = a[s + k];
        const v = (a[s + k + half] * ws[k]) % q;
        a[s + k] = (u + v) % q;
        a[s + k + half] = (u - v + q) % q;
      }
    }
  }
  return a;
}

/** Schoolbook product a*b mod (X^N + 1) with coefficients mod q (q = 0n: over the integers). */
export function negacyclicRef(a: readonly bigint[], b: readonly bigint[], q: bigint): bigint[] {
  const N = a.length;
  const c: bigint[] = new Array<bigint>(N).fill(0n);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const k = i + j;
      if (k < N) c[k] += a[i] * b[j];
      else c[k - N] -= a[i] * b[j];
    }
  }
  return q === 0n ? c : c.map((x) => mod(x, q));
}

/** sigma_g(a) = a(X^g) mod (X^N + 1, q), written out term by term. */
export function automorphismRef(a: readonly bigint[], g: bigint, q: bigint): bigint[] {
  const N = BigInt(a.length);
  const out: bigint[] = new Array<bigint>(a.length).fill(0n);
  for (let i = 0n; i < N; i++) {
    const e = i * g; // X^e = (-1)^floor(e/N) X^(e mod N) because X^N = -1
    const sign = (e / N) % 2n === 0n ? 1n : -1n;
    const k = Number(e % N);
    out[k] = mod(out[k] + sign * a[Number(i)], q);
  }
  return out;
}

/** Exact CRT: the x in [0, prod m_i) with x = r_i mod m_i. */
export function crtRef(residues: readonly bigint[], moduli: readonly bigint[]): bigint {
  let x = 0n;
  let M = 1n;
  for (let i = 0; i < moduli.length; i++) {
    // Garner-style incremental: x' = x + M * ((r_i - x) * M^-1 mod m_i)
    const t = modmul(residues[i] - x, modinv(M, moduli[i]), moduli[i]);
    x += M * t;
    M *= moduli[i];
  }
  return x;
}

export function product(moduli: readonly bigint[]): bigint {
  return moduli.reduce((p, m) => p * m, 1n);
}

/** Centered representative of x mod Q in (-Q/2, Q/2]. */
export function centered(x: bigint, Q: bigint): bigint {
  const r = mod(x, Q);
  return 2n * r > Q ? r - Q : r;
}

/**
 * Exact "fast basis conversion" integer: y = sum_i [x_i * (Q/q_i)^-1]_{q_i} * (Q/q_i)
 * for the residues x_i of x modulo the q_i. y = x + u*Q with 0 <= u < k.
 */
export function fastBaseConvIntegerRef(x: bigint, from: readonly bigint[]): bigint {
  const Q = product(from);
  let y = 0n;
  for (const qi of from) {
    const h = Q / qi;
    y += modmul(mod(x, qi), modinv(h, qi), qi) * h;
  }
  return y;
}

/**
 * Centered variant: the y_i = [x_i * (Q/q_i)^-1]_{q_i} taken in [-q_i/2, q_i/2)
 * (for odd q_i: [-(q_i-1)/2, (q_i-1)/2]); y = sum_i y_i (Q/q_i) = x + u*Q with
 * -k/2 - 1 <= u < k/2.
 */
export function fastBaseConvCenteredIntegerRef(x: bigint, from: readonly bigint[]): bigint {
  const Q = product(from);
  let y = 0n;
  for (const qi of from) {
    const h = Q / qi;
    let yi = modmul(mod(x, qi), modinv(h, qi), qi);
    if (2n * yi >= qi) yi -= qi;
    y += yi * h;
  }
  return y;
}

/** Deterministic pseudo-random BigInt stream (splitmix64), for the vector generator. */
export function splitmix64(seed: bigint): () => bigint {
  let s = BigInt.asUintN(64, seed);
  return () => {
    s = BigInt.asUintN(64, s + 0x9e3779b97f4a7c15n);
    let z = s;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  };
}
