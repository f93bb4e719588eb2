/**
 * The parts of bootstrapping against plaintext references: the DFT matrices
 * (CoeffsToSlots = BR V^-1 and SlotsToCoeffs = V BR, src/circuits/bootstrap/dft.ts)
 * against the encoder's coefficients, and ModRaise (decrypts to m + q_0 I with
 * a small integer polynomial I).
 */
import { describe, expect, it } from 'vitest';
import { Decryptor, Encoder, Encryptor, INSECURE_OPT_IN, KeyGenerator, LevelMismatchError, XofSource, createParameters } from '../../src/ckks/index.js';
import { type DiagonalMatrix, baseModulus, coeffsToSlotsMatrices, modRaise, slotsToCoeffsMatrices, splitStages } from '../../src/circuits/index.js';

function apply(m: DiagonalMatrix, re: Float64Array, im: Float64Array, size: number): [Float64Array, Float64Array] {
  const or = new Float64Array(size);
  const oi = new Float64Array(size);
  for (const [d, v] of m) {
    for (let i = 0; i < size; i++) {
      const k = (i + d) % size;
      or[i] += v.re[i] * re[k] - v.im[i] * im[k];
      oi[i] += v.re[i] * im[k] + v.im[i] * re[k];
    }
  }
  return [or, oi];
}

function bitReverse(i: number, bits: number): number {
  let r = 0;
  for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
  return r;
}

const params = createParameters({ logN: 10, logQ: [30, 30, 30, 30], levelPrimes: [2, 1, 1], logP: [30, 30], logDefaultScale: 30, unsafeAllowInsecure: INSECURE_OPT_IN });

describe('homomorphic DFT matrices', () => {
  it('splitStages spreads the stages evenly', () => {
    expect(splitStages(15, 3)).toEqual([5, 5, 5]);
    expect(splitStages(10, 3)).toEqual([4, 3, 3]);
    expect(splitStages(4, 4)).toEqual([1, 1, 1, 1]);
  });

  it.each([
    [16, 1],
    [16, 2],
    [64, 3],
    [512, 4],
  ])('CoeffsToSlots of the slots of an encoding gives its coefficients in bit-reversed order (n = %i, %i levels)', (n, levels) => {
    const encoder = new Encoder(params);
    const z = { re: Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1)), im: Float64Array.from({ length: n }, (_, i) => Math.cos(3 * i)) };
    const scale = 2 ** 40;
    const coeffs = encoder.decodeCoefficients(encoder.encode(z, 2, scale, n));
    const gap = params.N / (2 * n);
    const full = n === params.N / 2;
    let re: Float64Array = Float64Array.from(z.re);
    let im: Float64Array = Float64Array.from(z.im);
    for (const m of coeffsToSlotsMatrices(n, levels, 1, false)) [re, im] = apply(m, re, im, n);
    const bits = Math.log2(n);
    for (let i = 0; i < n; i++) {
      const j = bitReverse(i, bits);
      expect(Math.abs(re[i] - coeffs[j * gap])).toBeLessThan(2 ** -30);
      expect(Math.abs(im[i] - coeffs[(j + n) * gap])).toBeLessThan(2 ** -30);
    }
    // and SlotsToCoeffs brings the slots back
    for (const m of slotsToCoeffsMatrices(n, levels, false)) [re, im] = apply(m, re, im, n);
    for (let i = 0; i < n; i++) {
      expect(Math.abs(re[i] - z.re[i])).toBeLessThan(2 ** -40);
      expect(Math.abs(im[i] - z.im[i])).toBeLessThan(2 ** -40);
    }
    expect(full || gap > 1).toBe(true);
  });

  it('the sparse forms: real parts then imaginary parts in 2n slots, and back', () => {
    const n = 32;
    const size = 2 * n;
    const z = { re: Float64Array.from({ length: n }, (_, i) => Math.sin(i)), im: Float64Array.from({ length: n }, (_, i) => Math.cos(i)) };
    let re: Float64Array = new Float64Array(size);
    let im: Float64Array = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      re[i] = z.re[i % n];
      im[i] = z.im[i % n];
    }
    for (const m of coeffsToSlotsMatrices(n, 2, 1, true)) [re, im] = apply(m, re, im, size);
    const y = Float64Array.from(re, (v) => 2 * v); // y + conj(y): real, twice the real part
    let a: Float64Array = Float64Array.from(z.re);
    let b: Float64Array = Float64Array.from(z.im);
    for (const m of coeffsToSlotsMatrices(n, 1, 1, false)) [a, b] = apply(m, a, b, n);
    for (let i = 0; i < n; i++) {
      expect(Math.abs(y[i] - a[i])).toBeLessThan(1e-12);
      expect(Math.abs(y[i + n] - b[i])).toBeLessThan(1e-12);
    }
    let u: Float64Array = y;
    let v: Float64Array = new Float64Array(size);
    for (const m of slotsToCoeffsMatrices(n, 3, true)) [u, v] = apply(m, u, v, size);
    for (let i = 0; i < size; i++) {
      expect(Math.abs(u[i] - z.re[i % n])).toBeLessThan(1e-12);
      expect(Math.abs(v[i] - z.im[i % n])).toBeLessThan(1e-12);
    }
  });
});

describe('ModRaise', () => {
  it('decrypts to m + q_0 I with a small integer I, and refuses a ciphertext above the base', () => {
    const kg = new KeyGenerator(params, { source: new XofSource(new Uint8Array(32).fill(9), 'hecnn/test modraise'), hammingWeight: 32 });
    const sk = kg.genSecretKey();
    const encoder = new Encoder(params);
    const enc = new Encryptor(params, sk, new XofSource(new Uint8Array(32).fill(10), 'hecnn/test modraise enc'));
    const dec = new Decryptor(params, sk);
    const base = params.levelTops[0];
    const ct = enc.encrypt(encoder.encode(Float64Array.from({ length: 8 }, (_, i) => i / 8 - 0.5), base, 2 ** 30, 8));
    const m = encoder.decodeCoefficients(dec.decrypt(ct)); // m / 2^30
    const raised = modRaise(params, ct);
    expect(raised.level).toBe(params.maxLevel);
    const q0 = baseModulus(params);
    expect(raised.scale).toBe(q0);
    const t = encoder.decodeCoefficients(dec.decrypt(raised)); // (m + q0 I) / q0
    let maxI = 0;
    let nonzero = 0;
    for (let i = 0; i < params.N; i++) {
      const I = t[i] - (m[i] * 2 ** 30) / q0;
      expect(Math.abs(I - Math.round(I))).toBeLessThan(2 ** -20);
      maxI = Math.max(maxI, Math.abs(Math.round(I)));
      if (Math.round(I) !== 0) nonzero++;
    }
    expect(maxI).toBeLessThanOrEqual(16); // h = 32: sigma(I) ~ 1.7
    expect(nonzero).toBeGreaterThan(0);
    expect(() => modRaise(params, raised)).toThrow(LevelMismatchError);
  });
});
