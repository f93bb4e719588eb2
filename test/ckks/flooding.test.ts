/**
 * Noise flooding for shared decryptions (Decryptor.decryptForSharing): the
 * documented sigma (floodingNoiseBits), the precision that remains (at least
 * the documented log2(scale) - log2(sigma) - log2(N)/2 - 3 bits), that noise
 * of the documented size is really added (the spread of the slot errors, two
 * decryptions differ), and typed errors on bad options.
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
  createParameters,
  floodingNoiseBits,
} from '../../src/ckks/index.js';

/** A fresh symmetric encryption's error is a Gaussian cut at 41: log2(41) bits. */
const FRESH_BITS = Math.log2(41);
const SCALE = 2 ** 80;

describe('Decryptor.decryptForSharing (logN 12, scale 2^80)', () => {
  let params: Parameters;
  let sk: SecretKey;
  let enc: Encoder;
  let dec: Decryptor;
  let x: Float64Array;
  let ct: ReturnType<Encryptor['encrypt']>;

  beforeAll(() => {
    // 4 primes of 30 bits: Q_3 ~ 2^120 holds a message at scale 2^80 plus flooding of 2^40.
    params = createParameters({ logN: 12, logQ: [30, 30, 30, 30], logP: [30], logDefaultScale: 30, unsafeAllowInsecure: INSECURE_OPT_IN });
    sk = new KeyGenerator(params).genSecretKey();
    enc = new Encoder(params);
    dec = new Decryptor(params, sk);
    x = Float64Array.from({ length: params.slots }, (_, i) => Math.sin(0.37 * i));
    ct = new Encryptor(params, sk).encrypt(enc.encode(x, params.maxLevel, SCALE));
  });

  it('sigma follows the documented formula: E + log2(N)/2 + s + log2(t) - log2(sqrt(2 pi))', () => {
    expect(FLOODING_DEFAULT_SECURITY_BITS).toBe(30);
    expect(FLOODING_DEFAULT_QUERIES).toBe(1);
    const b = floodingNoiseBits(4096, { noiseBoundBits: FRESH_BITS });
    expect(b).toBeCloseTo(FRESH_BITS + 6 + 30 - Math.log2(Math.sqrt(2 * Math.PI)), 12);
    expect(b).toBeCloseTo(40.03, 2);
    expect(floodingNoiseBits(4096, { noiseBoundBits: FRESH_BITS, queries: 1024, securityBits: 40 })).toBeCloseTo(b + 20, 12);
  });

  it('keeps at least the documented precision, and loses what flooding costs', () => {
    const sigmaBits = floodingNoiseBits(params.N, { noiseBoundBits: FRESH_BITS });
    const documented = Math.log2(SCALE) - sigmaBits - params.logN / 2 - 3; // ~31 bits
    const z = enc.decode(dec.decryptForSharing(ct, { noiseBoundBits: FRESH_BITS }));
    let err = 0;
    for (let i = 0; i < x.length; i++) err = Math.max(err, Math.abs(z[i] - x[i]));
    const bits = -Math.log2(err);
    expect(bits).toBeGreaterThanOrEqual(documented);
    // Without flooding the same ciphertext is exact to double precision; with it, not.
    const plain = enc.decode(dec.decrypt(ct));
    let plainErr = 0;
    for (let i = 0; i < x.length; i++) plainErr = Math.max(plainErr, Math.abs(plain[i] - x[i]));
    expect(-Math.log2(plainErr)).toBeGreaterThan(bits + 8);
    expect(bits).toBeLessThan(documented + 6);
  });

  it('adds Gaussian noise of the documented sigma: the slot errors spread as sigma sqrt(N/2) / scale', () => {
    const sigma = 2 ** floodingNoiseBits(params.N, { noiseBoundBits: FRESH_BITS });
    const z = enc.decodeComplex(dec.decryptForSharing(ct, { noiseBoundBits: FRESH_BITS }));
    let ss = 0;
    let n = 0;
    for (let i = 0; i < x.length; i++) {
      ss += (z.re[i] - x[i]) ** 2 + z.im[i] ** 2;
      n += 2;
    }
    const measured = Math.sqrt(ss / n);
    const expected = (sigma * Math.sqrt(params.N / 2)) / SCALE;
    // 4096 samples: the estimate of a standard deviation is within ~2% (1 sigma); allow 10%.
    expect(measured / expected).toBeGreaterThan(0.9);
    expect(measured / expected).toBeLessThan(1.1);
  });

  it('fresh noise every call: two shared decryptions differ', () => {
    const a = dec.decryptForSharing(ct, { noiseBoundBits: FRESH_BITS });
    const b = dec.decryptForSharing(ct, { noiseBoundBits: FRESH_BITS });
    let same = 0;
    for (let i = 0; i < a.poly.data.length; i++) if (a.poly.data[i] === b.poly.data[i]) same++;
    expect(same).toBeLessThan(a.poly.data.length / 1000);
    const za = enc.decode(a);
    const zb = enc.decode(b);
    let diff = 0;
    for (let i = 0; i < za.length; i++) diff = Math.max(diff, Math.abs(za[i] - zb[i]));
    expect(diff).toBeGreaterThan(2 ** -40);
    // The plain decryption is deterministic.
    expect(Array.from(dec.decrypt(ct).poly.data)).toEqual(Array.from(dec.decrypt(ct).poly.data));
  });

  it('bad options: typed errors, nothing decrypted', () => {
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
    // sigma above 2^49 (exact float64 integers): E = 2^20 at N = 2^12 gives 2^54.7.
    expect(() => dec.decryptForSharing(ct, { noiseBoundBits: 20 })).toThrow(expect.objectContaining({ code: 'OUT_OF_RANGE' }));
    // At level 0 the modulus (2^30) cannot hold 2^40 of flooding.
    const low = new Encryptor(params, sk).encrypt(enc.encode(x.map((v) => v / 4), 0, 2 ** 20));
    expect(() => dec.decryptForSharing(low, { noiseBoundBits: FRESH_BITS })).toThrow(/does not fit the modulus/);
    expect(() => dec.decryptForSharing('ct' as never, { noiseBoundBits: 5 })).toThrow(CkksError);
    expect(() => floodingNoiseBits(1000, { noiseBoundBits: 5 })).toThrow(CkksError);
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
