/**
 * The special FFT of CKKS (Cheon, Kim, Kim and Song, ASIACRYPT 2017, section
 * 3.2, in the form of Cheon, Han, Kim, Kim and Song, SAC 2018): the canonical
 * embedding restricted to the slots, z_j = sum_i w_i xi^(i 5^j), and its
 * inverse, on n <= N/2 slots, in place on two Float64Arrays (real and
 * imaginary parts). The encoder's FFT (Lattigo's SpecialFFT / SpecialiFFT).
 *
 * The roots of unity exp(2 pi i k / M), M = 2N, are computed with
 * Math.cos/Math.sin on the first eighth of the circle only and completed by
 * exact symmetries, so the tables are bit-for-bit reproducible and cos/sin are
 * exact mirror images; each transform reads its stage twiddles sequentially
 * from a per-n table built from them.
 *
 * @module
 */

/**
 * In-place bit-reversal permutation of the first n entries of two parallel arrays
 * (n a power of two).
 * @param re real parts
 * @param im imaginary parts
 * @param n the number of entries permuted
 */
export function bitReverseInPlace(re: Float64Array, im: Float64Array, n: number): void {
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; (j & bit) !== 0; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = re[i];
      re[i] = re[j];
      re[j] = tr;
      const ti = im[i];
      im[i] = im[j];
      im[j] = ti;
    }
  }
}

/** The special FFT of one ring degree (tables built once). */
export class SpecialFft {
  /** log2(M), M = 2N: the roots are the M-th roots of unity. */
  private readonly logM: number;
  /** cos(2 pi k / M) and sin(2 pi k / M) for k < M. */
  private readonly rootsRe: Float64Array;
  private readonly rootsIm: Float64Array;
  /** 5^j mod M for j < N/2. */
  private readonly rotGroup: Uint32Array;

  /**
   * @param logN log2 of the ring degree N (M = 2N >= 32)
   */
  constructor(logN: number) {
    const N = 2 ** logN;
    const M = 2 * N;
    this.logM = logN + 1;
    // Roots of unity exp(2 pi i k / M). M >= 32, so M/8 is an integer >= 4.
    const re = new Float64Array(M);
    const im = new Float64Array(M);
    const eighth = M / 8;
    const quarter = M / 4;
    for (let k = 0; k < eighth; k++) {
      const a = (2 * Math.PI * k) / M;
      re[k] = Math.cos(a);
      im[k] = Math.sin(a);
    }
    re[eighth] = Math.SQRT1_2;
    im[eighth] = Math.SQRT1_2;
    // (eighth, quarter]: exp(i(pi/2 - a)) = sin a + i cos a.
    for (let k = eighth + 1; k <= quarter; k++) {
      re[k] = im[quarter - k];
      im[k] = re[quarter - k];
    }
    // (quarter, M): exp(i(a + pi/2)) = i exp(i a) = -sin a + i cos a.
    for (let k = quarter + 1; k < M; k++) {
      re[k] = -im[k - quarter];
      im[k] = re[k - quarter];
    }
    this.rootsRe = re;
    this.rootsIm = im;

    const half = N / 2;
    const rot = new Uint32Array(half);
    let g = 1;
    for (let j = 0; j < half; j++) {
      rot[j] = g;
      g = (g * 5) % M; // < 5 * 2^18, exact
    }
    this.rotGroup = rot;
  }

  /**
   * Special FFT (decoding direction), in place on the first n entries:
   * z_j = sum_{i<n} w_i xi^(i 5^j), xi = exp(2 pi i / 4n).
   * Cooley-Tukey on bit-reversed input; Lattigo's SpecialFFT.
   * @param re real parts (modified)
   * @param im imaginary parts (modified)
   * @param n number of slots, a power of two at most N/2
   */
  forward(re: Float64Array, im: Float64Array, n: number): void {
    bitReverseInPlace(re, im, n);
    const [wr, wi] = this.stageTwiddles(n, false);
    for (let len = 2, base = 0; len <= n; base += len >> 1, len <<= 1) {
      const lenh = len >> 1;
      for (let i = 0; i < n; i += len) {
        for (let j = 0; j < lenh; j++) {
          const cr = wr[base + j];
          const ci = wi[base + j];
          const k = i + j;
          const l = k + lenh;
          const xr = re[l];
          const xi = im[l];
          const vr = xr * cr - xi * ci;
          const vi = xr * ci + xi * cr;
          const ur = re[k];
          const ui = im[k];
          re[k] = ur + vr;
          im[k] = ui + vi;
          re[l] = ur - vr;
          im[l] = ui - vi;
        }
      }
    }
  }

  /**
   * Inverse special FFT (encoding direction), in place on the first n entries:
   * w = V^H z / n, the inverse of {@link forward}. Gentleman-Sande with
   * conjugate twiddles, then division by n and bit reversal; Lattigo's SpecialiFFT.
   * @param re real parts (modified)
   * @param im imaginary parts (modified)
   * @param n number of slots, a power of two at most N/2
   */
  inverse(re: Float64Array, im: Float64Array, n: number): void {
    const [wr, wi] = this.stageTwiddles(n, true);
    for (let len = n, base = n - 1 - (n >> 1); len >= 2; len >>= 1, base -= len >> 1) {
      const lenh = len >> 1;
      for (let i = 0; i < n; i += len) {
        for (let j = 0; j < lenh; j++) {
          const cr = wr[base + j];
          const ci = wi[base + j];
          const k = i + j;
          const l = k + lenh;
          const ar = re[k];
          const ai = im[k];
          const br = re[l];
          const bi = im[l];
          re[k] = ar + br;
          im[k] = ai + bi;
          const dr = ar - br;
          const di = ai - bi;
          re[l] = dr * cr - di * ci;
          im[l] = dr * ci + di * cr;
        }
      }
    }
    const inv = 1 / n; // a power of two: exact
    for (let i = 0; i < n; i++) {
      re[i] *= inv;
      im[i] *= inv;
    }
    bitReverseInPlace(re, im, n);
  }

  /** Twiddles of the special FFT on n slots, stage after stage, by n and direction. */
  private readonly twiddles = new Map<number, [Float64Array, Float64Array]>();

  /**
   * The twiddles of every stage of the special FFT on n slots, contiguous
   * (stage len = 2, 4, ..., n takes len/2 entries, in that order, from offset
   * len/2 - 1): xi^(5^j mod 4 len) for the forward transform, its conjugate
   * xi^(4 len - 5^j mod 4 len) for the inverse, read from the same root tables
   * as before (the values, hence the results, are bit for bit the same; the
   * loops read them sequentially instead of gathering them).
   */
  private stageTwiddles(n: number, inverse: boolean): [Float64Array, Float64Array] {
    const key = inverse ? -n : n;
    let t = this.twiddles.get(key);
    if (t === undefined) {
      const wr = new Float64Array(Math.max(1, n - 1));
      const wi = new Float64Array(Math.max(1, n - 1));
      const rot = this.rotGroup;
      for (let len = 2, logLen = 1, base = 0; len <= n; base += len >> 1, len <<= 1, logLen++) {
        const lenq = len << 2;
        const mask = lenq - 1;
        const shift = this.logM - 2 - logLen;
        for (let j = 0; j < len >> 1; j++) {
          const idx = (inverse ? lenq - (rot[j] & mask) : rot[j] & mask) << shift;
          wr[base + j] = this.rootsRe[idx];
          wi[base + j] = this.rootsIm[idx];
        }
      }
      t = [wr, wi];
      this.twiddles.set(key, t);
    }
    return t;
  }
}
