/**
 * Noise flooding for shared decryptions (Decryptor.decryptForSharing, src/ckks/flooding.ts):
 * the exact uniform sampler against an independent BigInt rejection sampler
 * and a chi-square test, the documented bound B (floodingBoundBits), the
 * precision that remains (at least log2(scale) - log2(B) - log2(N)/2 - 3 bits),
 * that noise of the documented size is really added (the spread of the slot
 * errors), the per-key query budget, and typed errors on bad options.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CkksError,
  Decryptor,
  Encoder,
  Encryptor,
  FLOODING_DEFAULT_QUERIES,
  FLOODING_DEFAULT_SECURITY_BITS,
  INSECURE_OPT_IN,
  KeyGenerator,
  type Parameters,
  type SecretKey,
  WordReader,
  XofSource,
  createParameters,
  floodingBoundBits,
  sampleUniformBounded,
  sharingBudgetOf,
} from '../../src/ckks/index.js';

/** A fresh symmetric encryption's error is a Gaussian cut at 41: log2(41) bits. */
const FRESH_BITS = Math.log2(41);
const SCALE = 2 ** 90;
/** The budget the shared key of this file states on every call. */
const T = 16;

function reader(seed: number): WordReader {
  return new WordReader(new XofSource(Uint8Array.from({ length: 32 }, (_, i) => (seed + i) & 255), 'hecnn/ckks flooding test'));
}

describe('sampleUniformBounded: exact uniform integers on [-B, B]', () => {
  it('equals an independent BigInt rejection sampler on the same word stream (known answers)', () => {
    for (const B of [0, 1, 2, 1000, 2 ** 31 + 7, 2 ** 40 + 3, 2 ** 52 - 1]) {
      const got = new Float64Array(64);
      sampleUniformBounded(reader(B % 251), B, got);
      // Reference: u = (w1 >> 11) * 2^32 + w2, accepted below the largest multiple of 2B+1 <= 2^53.
      const words = reader(B % 251);
      const width = 2n * BigInt(B) + 1n;
      const limit = (1n << 53n) - ((1n << 53n) % width);
      const want: number[] = [];
      while (want.length < 64) {
        const u = (BigInt(words.next() >>> 11) << 32n) + BigInt(words.next());
        if (u < limit) want.push(Number((u % width) - BigInt(B)));
      }
      expect(Array.from(got), `B = ${B}`).toEqual(want);
      for (const v of got) expect(Math.abs(v)).toBeLessThanOrEqual(B);
    }
  });

  it('is uniform: chi-square over 2B + 1 = 11 values, 110,000 draws', () => {
    const B = 5;
    const f = new Float64Array(110_000);
    sampleUniformBounded(reader(7), B, f);
    const counts = new Array<number>(2 * B + 1).fill(0);
    for (const v of f) counts[v + B]++;
    const e = f.length / (2 * B + 1);
    const chi2 = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
    // 10 degrees of freedom: P(chi2 > 29.6) = 0.001.
    expect(chi2).toBeLessThan(29.6);
  });

  it('refuses a bound out of range', () => {
    for (const B of [-1, 1.5, 2 ** 52, NaN]) expect(() => sampleUniformBounded(reader(1), B, new Float64Array(4))).toThrow(CkksError);
  });
});

describe('Decryptor.decryptForSharing (logN 12, scale 2^90)', () => {
  let params: Parameters;
  let sk: SecretKey;
  let enc: Encoder;
  let dec: Decryptor;
  let x: Float64Array;
  let ct: ReturnType<Encryptor['encrypt']>;
  const opts = { noiseBoundBits: FRESH_BITS, queries: T };

  beforeAll(() => {
    // 5 primes of 30 bits: Q_4 ~ 2^150 holds a message at scale 2^90 plus flooding of 2^50.
    params = createParameters({ logN: 12, logQ: [30, 30, 30, 30, 30], logP: [30], logDefaultScale: 30, unsafeAllowInsecure: INSECURE_OPT_IN });
    sk = new KeyGenerator(params).genSecretKey();
    enc = new Encoder(params);
    dec = new Decryptor(params, sk);
    x = Float64Array.from({ length: params.slots }, (_, i) => Math.sin(0.37 * i));
    ct = new Encryptor(params, sk).encrypt(enc.encode(x, params.maxLevel, SCALE));
  });

  it('B follows the documented formula: log2 B = s + log2(t) + log2(N) + E - 1', () => {
    expect(FLOODING_DEFAULT_SECURITY_BITS).toBe(30);
    expect(FLOODING_DEFAULT_QUERIES).toBe(1);
    const b = floodingBoundBits(4096, { noiseBoundBits: FRESH_BITS });
    expect(b).toBeCloseTo(30 + 0 + 12 + FRESH_BITS - 1, 12);
    expect(b).toBeCloseTo(46.36, 2);
    expect(floodingBoundBits(4096, { noiseBoundBits: FRESH_BITS, queries: 1024, securityBits: 40 })).toBeCloseTo(b + 20, 12);
  });

  it('keeps at least the documented precision, and loses what flooding costs', () => {
    const bBits = floodingBoundBits(params.N, opts);
    const documented = Math.log2(SCALE) - bBits - params.logN / 2 - 3; // ~25 bits
    const z = enc.decode(dec.decryptForSharing(ct, opts));
    let err = 0;
    for (let i = 0; i < x.length; i++) err = Math.max(err, Math.abs(z[i] - x[i]));
    const bits = -Math.log2(err);
    expect(bits).toBeGreaterThanOrEqual(documented);
    expect(bits).toBeLessThan(documented + 6);
    // Without flooding the same ciphertext is exact to double precision; with it, not.
    const plain = enc.decode(dec.decrypt(ct));
    let plainErr = 0;
    for (let i = 0; i < x.length; i++) plainErr = Math.max(plainErr, Math.abs(plain[i] - x[i]));
    expect(-Math.log2(plainErr)).toBeGreaterThan(bits + 8);
  });

  it('adds uniform noise of the documented bound: the slot errors spread as B sqrt(N/6) / scale', () => {
    const B = 2 ** floodingBoundBits(params.N, opts);
    const z = enc.decodeComplex(dec.decryptForSharing(ct, opts));
    let ss = 0;
    let n = 0;
    for (let i = 0; i < x.length; i++) {
      ss += (z.re[i] - x[i]) ** 2 + z.im[i] ** 2;
      n += 2;
    }
    const measured = Math.sqrt(ss / n);
    const expected = (B * Math.sqrt(params.N / 6)) / SCALE;
    // 4096 samples: the estimate of a standard deviation is within ~2% (1 sigma); allow 10%.
    expect(measured / expected).toBeGreaterThan(0.9);
    expect(measured / expected).toBeLessThan(1.1);
  });

  it('fresh noise every call: two shared decryptions differ, and both are counted', () => {
    const before = sharingBudgetOf(sk)?.used ?? 0;
    const a = dec.decryptForSharing(ct, opts);
    const b = dec.decryptForSharing(ct, opts);
    expect(sharingBudgetOf(sk)).toEqual({ queries: T, used: before + 2 });
    let same = 0;
    for (let i = 0; i < a.poly.data.length; i++) if (a.poly.data[i] === b.poly.data[i]) same++;
    expect(same).toBeLessThan(a.poly.data.length / 1000);
    // The plain decryption is deterministic and not counted.
    expect(Array.from(dec.decrypt(ct).poly.data)).toEqual(Array.from(dec.decrypt(ct).poly.data));
    expect(sharingBudgetOf(sk)?.used).toBe(before + 2);
  });

  it('the budget: fixed by the first shared decryption under a key, enforced across Decryptors, refusals not counted', () => {
    const k2 = new KeyGenerator(params).genSecretKey();
    const c2 = new Encryptor(params, k2).encrypt(enc.encode(x, params.maxLevel, SCALE));
    const d2 = new Decryptor(params, k2);
    expect(sharingBudgetOf(k2)).toBeUndefined();
    d2.decryptForSharing(c2, { noiseBoundBits: FRESH_BITS, queries: 2 });
    expect(() => d2.decryptForSharing(c2, { noiseBoundBits: FRESH_BITS, queries: 3 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => d2.decryptForSharing(c2, { noiseBoundBits: FRESH_BITS })).toThrow(/budget of shared decryptions is 2/);
    // A second Decryptor on the same key object shares the count.
    new Decryptor(params, k2).decryptForSharing(c2, { noiseBoundBits: FRESH_BITS, queries: 2 });
    expect(sharingBudgetOf(k2)).toEqual({ queries: 2, used: 2 });
    expect(() => d2.decryptForSharing(c2, { noiseBoundBits: FRESH_BITS, queries: 2 })).toThrow(expect.objectContaining({ code: 'OUT_OF_RANGE' }));
    expect(() => d2.decryptForSharing(c2, { noiseBoundBits: FRESH_BITS, queries: 2 })).toThrow(/used up/);
    expect(sharingBudgetOf(k2)).toEqual({ queries: 2, used: 2 });
  });

  it('bad options: typed errors, nothing decrypted, nothing counted', () => {
    const used = sharingBudgetOf(sk)?.used;
    const bad: unknown[] = [
      undefined,
      null,
      {},
      { noiseBoundBits: NaN },
      { noiseBoundBits: -1 },
      { noiseBoundBits: 49 },
      { noiseBoundBits: '5' },
      { noiseBoundBits: 5, securityBits: 29 },
      { noiseBoundBits: 5, securityBits: 30.5 },
      { noiseBoundBits: 5, securityBits: 129 },
      { noiseBoundBits: 5, queries: 0 },
      { noiseBoundBits: 5, queries: 1.5 },
      { noiseBoundBits: 5, queries: 2 ** 41 },
    ];
    for (const o of bad) {
      let err: unknown;
      try {
        dec.decryptForSharing(ct, o as never);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(o)).toBeInstanceOf(CkksError);
      expect((err as CkksError).code).toBe('INVALID_ARGUMENT');
    }
    // B above 2^52: E = 2^20 at N = 2^12 with t = 16 gives 2^65.
    expect(() => dec.decryptForSharing(ct, { noiseBoundBits: 20, queries: T })).toThrow(expect.objectContaining({ code: 'OUT_OF_RANGE' }));
    // At level 0 the modulus (2^30) cannot hold 2^50 of flooding.
    const low = new Encryptor(params, sk).encrypt(enc.encode(x.map((v) => v / 4), 0, 2 ** 20));
    expect(() => dec.decryptForSharing(low, opts)).toThrow(/does not fit the modulus/);
    expect(() => dec.decryptForSharing('ct' as never, opts)).toThrow(CkksError);
    expect(() => floodingBoundBits(1000, { noiseBoundBits: 5 })).toThrow(CkksError);
    expect(sharingBudgetOf(sk)?.used).toBe(used);
  });

  it('a wiped key refuses to decrypt for sharing too', () => {
    const kg = new KeyGenerator(params);
    const sk2 = kg.genSecretKey();
    const ct2 = new Encryptor(params, sk2).encrypt(enc.encode(x, params.maxLevel, SCALE));
    const d2 = new Decryptor(params, sk2);
    sk2.wipe();
    expect(() => d2.decryptForSharing(ct2, { noiseBoundBits: FRESH_BITS })).toThrow(/wiped/);
  });
});
