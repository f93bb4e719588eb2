import { createCipheriv, createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RnsPoly } from '../../src/ntt/rns.js';
import { CkksError } from '../../src/rlwe/errors.js';
import { CsprngSource, type RandomSource, SEED_BYTES, WordReader, XofSource, randomSeed, wipe } from '../../src/rlwe/random.js';
import { GAUSSIAN_BOUND, GAUSSIAN_SIGMA, gaussianBound, gaussianThresholds, sampleGaussian, sampleTernary, sampleUniform } from '../../src/rlwe/sampling.js';

const SEED = Uint8Array.from({ length: 32 }, (_, i) => i);
const LABEL = 'hecnn/ckks test v1';

/**
 * The XofSource stream through Node's OpenSSL, independent of @noble/*:
 * key = SHAKE256(u32be(len L) || L || seed)[0..32], then the ChaCha20 keystream
 * (RFC 8439) with a zero nonce and block counter 0 (OpenSSL's 16-byte IV is
 * counter (LE) || nonce).
 */
function nodeShake(seed: Uint8Array, label: string, n: number): Uint8Array {
  const L = Buffer.from(label, 'utf8');
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(L.length);
  const key = createHash('shake256', { outputLength: 32 }).update(prefix).update(L).update(seed).digest();
  const cipher = createCipheriv('chacha20', key, Buffer.alloc(16));
  return new Uint8Array(cipher.update(Buffer.alloc(n)));
}

function stream(seed: Uint8Array, label: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  new XofSource(seed, label).fill(out);
  return out;
}

/** A source that repeats a fixed byte pattern. */
class PatternSource implements RandomSource {
  private i = 0;
  constructor(private readonly pattern: number[]) {}
  fill(out: Uint8Array): void {
    for (let j = 0; j < out.length; j++) out[j] = this.pattern[this.i++ % this.pattern.length];
  }
}

/** Pearson chi-square statistic. */
function chiSquare(observed: number[], expected: number[]): number {
  let x = 0;
  for (let i = 0; i < observed.length; i++) x += (observed[i] - expected[i]) ** 2 / expected[i];
  return x;
}

/** A threshold the statistic exceeds with probability far below 10^-6 (df + 8 sqrt(2 df)). */
const chiLimit = (df: number): number => df + 8 * Math.sqrt(2 * df);

describe('XofSource', () => {
  it('gives the same stream for the same seed and label', () => {
    expect(stream(SEED, LABEL, 5000)).toEqual(stream(SEED, LABEL, 5000));
    expect(stream(SEED.slice(), LABEL, 77)).toEqual(stream(SEED, LABEL, 77));
  });

  it('gives different streams for a different label or seed', () => {
    const base = stream(SEED, LABEL, 64);
    expect(stream(SEED, 'hecnn/ckks test v2', 64)).not.toEqual(base);
    const seed2 = SEED.slice();
    seed2[31] ^= 1;
    expect(stream(seed2, LABEL, 64)).not.toEqual(base);
  });

  it('matches SHAKE256 + ChaCha20 computed by node:crypto (known answer)', () => {
    expect(Buffer.from(stream(SEED, LABEL, 32)).toString('hex')).toBe(
      '1de1077f4fe3b0afd8817e6548f5a0679e304f7b2a162e5becfb079b09c0955c',
    );
    for (const n of [1, 63, 64, 65, 135, 136, 137, 272, 20000]) expect(stream(SEED, LABEL, n)).toEqual(nodeShake(SEED, LABEL, n));
    const seed = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
    const label = 'hecnn/ckks uniform v1 — ünïcode';
    expect(stream(seed, label, 4096)).toEqual(nodeShake(seed, label, 4096));
  });

  it('is a stream: any split of the requests gives the same bytes', () => {
    const sizes = [0, 1, 7, 136, 135, 4096, 10000, 3];
    const total = sizes.reduce((a, b) => a + b, 0);
    const src = new XofSource(SEED, LABEL);
    const parts = new Uint8Array(total);
    let off = 0;
    for (const s of sizes) {
      src.fill(parts.subarray(off, off + s));
      off += s;
    }
    expect(parts).toEqual(nodeShake(SEED, LABEL, total));
  });

  it('checks its arguments', () => {
    expect(() => new XofSource(new Uint8Array(31), LABEL)).toThrow(CkksError);
    expect(() => new XofSource(new Uint8Array(33), LABEL)).toThrow(/32 bytes/);
    expect(() => new XofSource([...SEED] as unknown as Uint8Array, LABEL)).toThrow(CkksError);
    expect(() => new XofSource(SEED, '')).toThrow(/label/);
    expect(() => new XofSource(SEED, 42 as unknown as string)).toThrow(/label/);
    expect(SEED_BYTES).toBe(32);
  });

  it('refuses to fill after destroy()', () => {
    const src = new XofSource(SEED, LABEL);
    src.destroy();
    expect(() => src.fill(new Uint8Array(4))).toThrow(/destroyed/);
  });
});

describe('WordReader', () => {
  it('reads little-endian words of the source stream, across blocks', () => {
    const bytes = stream(SEED, LABEL, 4 * 5000);
    const dv = new DataView(bytes.buffer);
    const r = new WordReader(new XofSource(SEED, LABEL), 64);
    const a = new Uint32Array(10);
    r.words(a); // buffered path
    const b: number[] = [];
    for (let i = 0; i < 90; i++) b.push(r.next());
    const c = new Uint32Array(4900);
    r.words(c); // bypass path (larger than a block)
    const all = [...a, ...b, ...c];
    expect(all.length).toBe(5000);
    for (let i = 0; i < 5000; i++) expect(all[i]).toBe(dv.getUint32(4 * i, true));
  });

  it('is a RandomSource with the same byte stream; words realign after an odd fill', () => {
    const bytes = stream(SEED, LABEL, 40000);
    const dv = new DataView(bytes.buffer);
    const r = new WordReader(new XofSource(SEED, LABEL), 32);
    const f1 = new Uint8Array(3);
    r.fill(f1);
    expect(f1).toEqual(bytes.subarray(0, 3));
    expect(r.next()).toBe(dv.getUint32(4, true)); // byte 3 skipped
    const f2 = new Uint8Array(50); // crosses a block boundary (32 bytes)
    r.fill(f2);
    expect(f2).toEqual(bytes.subarray(8, 58));
    const f3 = new Uint8Array(1000); // larger than a block: straight from the source
    r.fill(f3);
    expect(f3).toEqual(bytes.subarray(58, 1058));
    expect(r.next()).toBe(dv.getUint32(1060, true));
  });

  it('checks its arguments', () => {
    expect(() => new WordReader({} as RandomSource)).toThrow(CkksError);
    expect(() => new WordReader(new XofSource(SEED, LABEL), 6)).toThrow(/multiple of 4/);
    const r = new WordReader(new XofSource(SEED, LABEL));
    expect(() => r.words(new Uint8Array(4) as unknown as Uint32Array)).toThrow(CkksError);
    expect(() => r.uniform(new Uint32Array(4), 1)).toThrow(/\[2, 2\^32\]/);
  });
});

describe('sampleUniform', () => {
  const N = 1 << 14;
  // Large primes, a modulus just above a power of two (rejection rate ~1/2),
  // tiny moduli, a power of two (no rejection) and moduli at and above 2^31.
  const moduli = [1073479681, 536870923, 3, 2, 1 << 20, 4294967291, 2 ** 31 + 11, 2 ** 32];

  function sample(seed: Uint8Array, limbIndices?: number[]): RnsPoly {
    const p = new RnsPoly(N, moduli.length);
    sampleUniform(new XofSource(seed, LABEL), p, moduli, limbIndices);
    return p;
  }

  it('gives residues in [0, q) that pass a chi-square bucket test in every limb', () => {
    const p = sample(SEED);
    for (let k = 0; k < moduli.length; k++) {
      const q = moduli[k];
      const limb = p.limb(k);
      const buckets = Math.min(q, 64);
      const observed = new Array<number>(buckets).fill(0);
      for (const v of limb) {
        expect(v).toBeLessThan(q);
        observed[Math.floor((v * buckets) / q)]++;
      }
      // exact number of residues per bucket: #{v : floor(v * buckets / q) = b}
      const expected = observed.map((_, b) => (N * (Math.ceil(((b + 1) * q) / buckets) - Math.ceil((b * q) / buckets))) / q);
      expect(chiSquare(observed, expected), `q = ${q}`).toBeLessThan(chiLimit(buckets - 1));
    }
  });

  it('puts independent values in consecutive coefficients (pairs test)', () => {
    const p = sample(SEED);
    const limb = p.limb(1);
    const q = moduli[1];
    const observed = new Array<number>(64).fill(0);
    for (let j = 0; j + 1 < N; j += 2) observed[Math.floor((limb[j] * 8) / q) * 8 + Math.floor((limb[j + 1] * 8) / q)]++;
    expect(chiSquare(observed, new Array(64).fill(N / 2 / 64))).toBeLessThan(chiLimit(63));
  });

  it('is deterministic given the source, and equals a straightforward reference', () => {
    expect(sample(SEED).data).toEqual(sample(SEED).data);
    const seed2 = SEED.slice();
    seed2[0] = 255;
    expect(sample(seed2).data).not.toEqual(sample(SEED).data);

    // Reference: little-endian words of the stream, rejected when >= the largest multiple of q below 2^32, then reduced mod q.
    const p = sample(SEED);
    const bytes = stream(SEED, LABEL, 16 * N * moduli.length);
    const dv = new DataView(bytes.buffer);
    let w = 0;
    for (let k = 0; k < moduli.length; k++) {
      const q = moduli[k];
      const limit = 2 ** 32 - (2 ** 32 % q);
      const limb = p.limb(k);
      for (let j = 0; j < N; ) {
        const v = dv.getUint32(4 * w++, true);
        if (v < limit) expect(limb[j++]).toBe(v % q);
      }
    }
  });

  it('fills only the given limbs, in the given order, and a shared WordReader continues the stream', () => {
    const p = new RnsPoly(N, moduli.length);
    p.data.fill(0xdeadbeef);
    sampleUniform(new XofSource(SEED, LABEL), p, moduli, [2, 0]);
    for (let k = 0; k < moduli.length; k++) {
      const limb = p.limb(k);
      if (k === 0 || k === 2) for (const v of limb) expect(v).toBeLessThan(moduli[k]);
      else expect(limb.every((v) => v === 0xdeadbeef)).toBe(true);
    }
    // Limb 2 came first: it equals limb 0 of a run on [moduli[2]] alone.
    const single = new RnsPoly(N, 1);
    sampleUniform(new XofSource(SEED, LABEL), single, [moduli[2]]);
    expect(p.limb(2)).toEqual(single.limb(0));

    const whole = sample(SEED);
    const r = new WordReader(new XofSource(SEED, LABEL));
    const pieces = new RnsPoly(N, moduli.length);
    sampleUniform(r, pieces, moduli, [0, 1, 2]);
    sampleUniform(r, pieces, moduli, [3, 4, 5, 6, 7]);
    expect(pieces.data).toEqual(whole.data);
  });

  it('leaves isNtt alone and accepts more moduli than limbs', () => {
    const p = new RnsPoly(16, 2, undefined, true);
    sampleUniform(new XofSource(SEED, LABEL), p, moduli);
    expect(p.isNtt).toBe(true);
  });

  it('checks its arguments and writes nothing on error', () => {
    const p = new RnsPoly(16, 3);
    const src = new XofSource(SEED, LABEL);
    expect(() => sampleUniform(src, p, [17, 97])).toThrow(/at least/);
    expect(() => sampleUniform(src, p, [17, 97, 1])).toThrow(/moduli\[2\]/);
    expect(() => sampleUniform(src, p, [17, 97, 2 ** 32 + 1])).toThrow(CkksError);
    expect(() => sampleUniform(src, p, [17, 97, 7.5])).toThrow(CkksError);
    expect(() => sampleUniform(src, p, [17, 97, 193], [3])).toThrow(/limbIndices/);
    expect(() => sampleUniform(src, p, [17, 97, 193], [1, 1])).toThrow(/distinct/);
    expect(() => sampleUniform(src, {} as RnsPoly, [17])).toThrow(/RnsPoly/);
    expect(() => sampleUniform({} as RandomSource, p, [17, 97, 193])).toThrow(/RandomSource/);
    expect(p.data.every((v) => v === 0)).toBe(true);
  });
});

describe('sampleTernary', () => {
  const N = 1 << 16;

  it('gives -1, 0, 1 with frequencies ~1/3 each, independent between neighbours', () => {
    const s = sampleTernary(new XofSource(SEED, 'hecnn/ckks ternary test'), N);
    expect(s).toBeInstanceOf(Int8Array);
    expect(s.length).toBe(N);
    const counts = [0, 0, 0];
    const pairs = new Array<number>(9).fill(0);
    for (let j = 0; j < N; j++) {
      expect([-1, 0, 1]).toContain(s[j]);
      counts[s[j] + 1]++;
      if (j % 2 === 1) pairs[(s[j - 1] + 1) * 3 + s[j] + 1]++;
    }
    for (const c of counts) expect(Math.abs(c / N - 1 / 3)).toBeLessThan(0.01);
    expect(chiSquare(counts, [N / 3, N / 3, N / 3])).toBeLessThan(chiLimit(2));
    expect(chiSquare(pairs, new Array(9).fill(N / 2 / 9))).toBeLessThan(chiLimit(8));
  });

  it('equals a straightforward reference (bytes < 243 give five base-3 digits, least significant first)', () => {
    const n = 1001;
    const s = sampleTernary(new XofSource(SEED, LABEL), n);
    const bytes = stream(SEED, LABEL, 8192);
    const ref: number[] = [];
    for (let i = 0; ref.length < n; i++) {
      let b = bytes[i];
      if (b >= 243) continue;
      for (let t = 0; t < 5 && ref.length < n; t++) {
        ref.push((b % 3) - 1);
        b = Math.floor(b / 3);
      }
    }
    expect(Array.from(s)).toEqual(ref);
  });

  it('is deterministic, fills a given array, and checks its arguments', () => {
    const a = sampleTernary(new XofSource(SEED, LABEL), 7);
    const out = new Int8Array(7);
    expect(sampleTernary(new XofSource(SEED, LABEL), 7, out)).toBe(out);
    expect(out).toEqual(a);
    expect(() => sampleTernary(new XofSource(SEED, LABEL), 0)).toThrow(CkksError);
    expect(() => sampleTernary(new XofSource(SEED, LABEL), 8, new Int8Array(7))).toThrow(/length 8/);
  });
});

describe('sampleGaussian', () => {
  const N = 1 << 16;

  it('exports sigma = 3.2 and the bound 41 = ceil(12.8 sigma)', () => {
    expect(GAUSSIAN_SIGMA).toBe(3.2);
    expect(GAUSSIAN_BOUND).toBe(41);
    expect(gaussianBound(GAUSSIAN_SIGMA)).toBe(GAUSSIAN_BOUND);
    expect(gaussianBound(1)).toBe(13);
  });

  it('reads its words as four next() calls per sample would: same samples, and a plain source left at a whole number of 8 KiB blocks', () => {
    for (const n of [1, 255, 256, 257, 2048, 5000]) {
      // Reference: the same CDT sampler's input words through next(), from a shared reader.
      const viaReader = new WordReader(new XofSource(SEED, 'hecnn/ckks gaussian words'));
      viaReader.next();
      const a = sampleGaussian(viaReader, n);
      const after = viaReader.next();
      const replay = new WordReader(new XofSource(SEED, 'hecnn/ckks gaussian words'));
      replay.next();
      for (let i = 0; i < 4 * n; i++) replay.next();
      expect(replay.next()).toBe(after);
      // A plain source: a private reader consumes whole blocks (ceil(16 n / 8192) of them).
      const plain = new XofSource(SEED, 'hecnn/ckks gaussian words');
      const b = sampleGaussian(plain, n);
      const next = new Uint8Array(16);
      plain.fill(next);
      const ref = new XofSource(SEED, 'hecnn/ckks gaussian words');
      const skip = new Uint8Array(Math.ceil((16 * n) / 8192) * 8192);
      ref.fill(skip);
      const want = new Uint8Array(16);
      ref.fill(want);
      expect(Array.from(next)).toEqual(Array.from(want));
      // and the plain source gives the samples of the shared reader without its first word
      const c = sampleGaussian(new WordReader(new XofSource(SEED, 'hecnn/ckks gaussian words')), n);
      expect(Array.from(b)).toEqual(Array.from(c));
      expect(a.length).toBe(n);
    }
  });

  it('has mean ~0, variance ~10.24, |x| <= GAUSSIAN_BOUND and the right point probabilities', () => {
    const src = new WordReader(new XofSource(SEED, 'hecnn/ckks gaussian test'));
    const rounds = 4;
    const total = rounds * N;
    let sum = 0;
    let sum2 = 0;
    let maxAbs = 0;
    let pos = 0;
    let neg = 0;
    const hist = new Map<number, number>();
    for (let r = 0; r < rounds; r++) {
      const e = sampleGaussian(src, N);
      expect(e).toBeInstanceOf(Int32Array);
      for (const x of e) {
        sum += x;
        sum2 += x * x;
        maxAbs = Math.max(maxAbs, Math.abs(x));
        if (x > 0) pos++;
        if (x < 0) neg++;
        hist.set(x, (hist.get(x) ?? 0) + 1);
      }
    }
    const mean = sum / total;
    const variance = sum2 / total - mean * mean;
    // standard errors: 3.2/512 = 0.00625 for the mean, 10.24*sqrt(2/2^18) = 0.028 for the variance
    expect(Math.abs(mean)).toBeLessThan(0.04);
    expect(Math.abs(variance - 10.24)).toBeLessThan(0.2);
    expect(maxAbs).toBeLessThanOrEqual(GAUSSIAN_BOUND);
    expect(maxAbs).toBeGreaterThan(8);
    expect(Math.abs(pos - neg)).toBeLessThan(6 * Math.sqrt(pos + neg));
    // P(x) = exp(-x^2 / 20.48) / S, S = sum over Z ~ 8.0212 (= sqrt(2 pi) 3.2 to 80 digits)
    let S = 0;
    for (let x = -60; x <= 60; x++) S += Math.exp(-(x * x) / (2 * 3.2 * 3.2));
    for (let x = -6; x <= 6; x++) {
      const p = Math.exp(-(x * x) / 20.48) / S;
      const sd = Math.sqrt(total * p * (1 - p));
      expect(Math.abs((hist.get(x) ?? 0) - total * p), `x = ${x}`).toBeLessThan(6 * sd);
    }
  });

  it('honours sigma', () => {
    const e = sampleGaussian(new XofSource(SEED, LABEL), N, undefined, 1);
    let s2 = 0;
    for (const x of e) {
      s2 += x * x;
      expect(Math.abs(x)).toBeLessThanOrEqual(gaussianBound(1));
    }
    expect(Math.abs(s2 / N - 1)).toBeLessThan(0.04);
  });

  it('maps the extreme uniforms to the table ends: 0 -> 0 and 2^128 - 1 -> -41, 2^128 - 2 -> +41', () => {
    expect(Array.from(sampleGaussian(new PatternSource([0]), 3))).toEqual([0, 0, 0]);
    expect(Array.from(sampleGaussian(new PatternSource([0xff]), 3))).toEqual([-41, -41, -41]);
    // words in stream order w0 w1 w2 w3, u = w0:w1:w2:w3; little-endian bytes, so w3 = 0xfffffffe starts with 0xfe
    const even = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff];
    expect(Array.from(sampleGaussian(new PatternSource(even), 2))).toEqual([41, 41]);
    // u = 1 (the sign bit alone): magnitude 0
    const one = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0];
    expect(Array.from(sampleGaussian(new PatternSource(one), 2))).toEqual([0, 0]);
  });

  it('the thresholds are the CDT of D_{Z,3.2} (against float64 sums, to 2^-50) and even', () => {
    const T = gaussianThresholds();
    expect(T.length).toBe(GAUSSIAN_BOUND);
    const rho = (x: number) => Math.exp(-(x * x) / (2 * GAUSSIAN_SIGMA * GAUSSIAN_SIGMA));
    let S = rho(0);
    for (let x = 1; x <= GAUSSIAN_BOUND; x++) S += 2 * rho(x);
    let C = 0;
    for (let k = 0; k < GAUSSIAN_BOUND; k++) {
      C += (k === 0 ? 1 : 2) * rho(k);
      expect(T[k] % 2n).toBe(0n);
      if (k > 0) expect(T[k] > T[k - 1]).toBe(true);
      // T_k / 2^128 against C_k / S in float64 (relative error of the sums below 2^-50).
      const got = Number(T[k] >> 64n) / 2 ** 64;
      expect(Math.abs(got - C / S)).toBeLessThan(2 ** -48);
    }
  });

  it('the magnitude is #{k : u >= T_k} exactly at, just below and just above every threshold, and across the limb cuts', () => {
    const T = gaussianThresholds();
    const M = (1n << 128n) - 1n;
    const us: bigint[] = [];
    for (const t of T) for (const d of [-1n, 0n, 1n, 2n, -(1n << 42n), 1n << 42n, -(1n << 85n), 1n << 85n, -((1n << 42n) + 1n)]) us.push(t + d);
    // Values whose limbs sit at their ends: all ones or zero below a cut, with the rest from a threshold.
    for (const t of T) for (const cut of [42n, 85n]) us.push(t | ((1n << cut) - 1n), (t >> cut) << cut);
    const valid = us.filter((u) => u >= 0n && u <= M);
    // Words in stream order w0..w3 (u = w0:w1:w2:w3), each little-endian.
    const bytes: number[] = [];
    for (const u of valid) for (let w = 0; w < 4; w++) { const word = Number((u >> BigInt(96 - 32 * w)) & 0xffffffffn); for (let b = 0; b < 4; b++) bytes.push((word >>> (8 * b)) & 0xff); }
    const got = sampleGaussian(new PatternSource(bytes), valid.length);
    valid.forEach((u, i) => {
      const mag = T.filter((t) => u >= t).length;
      const sign = Number(u & 1n);
      expect(got[i], `u = 0x${u.toString(16)}`).toBe(sign && mag > 0 ? -mag : mag);
    });
  });

  it('is deterministic, fills a given array, and checks its arguments', () => {
    const a = sampleGaussian(new XofSource(SEED, LABEL), 100);
    const out = new Int32Array(100);
    expect(sampleGaussian(new XofSource(SEED, LABEL), 100, out)).toBe(out);
    expect(out).toEqual(a);
    expect(() => sampleGaussian(new XofSource(SEED, LABEL), 100, new Int32Array(99))).toThrow(/length 100/);
    expect(() => sampleGaussian(new XofSource(SEED, LABEL), 100, undefined, 0.1)).toThrow(/sigma/);
    expect(() => sampleGaussian(new XofSource(SEED, LABEL), 100, undefined, Number.NaN)).toThrow(/sigma/);
    expect(() => gaussianBound(100)).toThrow(/sigma/);
  });
});

describe('CsprngSource', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
  });

  it('gives different bytes on two calls', () => {
    const src = new CsprngSource();
    const a = new Uint8Array(64);
    const b = new Uint8Array(64);
    src.fill(a);
    src.fill(b);
    expect(a).not.toEqual(b);
    expect(randomSeed()).toHaveLength(32);
    expect(randomSeed()).not.toEqual(randomSeed());
  });

  it('serves requests above 65536 bytes in chunks of at most 65536', () => {
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues');
    const out = new Uint8Array(200_000);
    new CsprngSource().fill(out);
    expect(spy).toHaveBeenCalledTimes(4);
    for (const call of spy.mock.calls) expect((call[0] as Uint8Array).byteLength).toBeLessThanOrEqual(65536);
    // every chunk was written: no 4 KiB window is all zeros
    for (let off = 0; off < out.length; off += 4096) expect(out.subarray(off, off + 4096).some((v) => v !== 0)).toBe(true);
    expect(out.subarray(0, 1024)).not.toEqual(out.subarray(65536, 65536 + 1024));
  });

  it('fills views of a SharedArrayBuffer', () => {
    const out = new Uint8Array(new SharedArrayBuffer(70_000));
    new CsprngSource().fill(out);
    expect(out.subarray(69_000).some((v) => v !== 0)).toBe(true);
  });

  it('throws a clear error when globalThis.crypto is missing', () => {
    vi.stubGlobal('crypto', undefined);
    expect(() => new CsprngSource()).toThrow(/globalThis\.crypto\.getRandomValues is not available/);
    expect(() => randomSeed()).toThrow(Error);
  });
});

describe('wipe', () => {
  it('zeroes typed arrays and DataViews, only within each view', () => {
    const a = new Uint8Array([1, 2, 3]);
    const b = Float64Array.from([1.5, -2, 3]);
    const big = Int32Array.from([1, 2, 3, 4, 5, 6]);
    const view = big.subarray(2, 4);
    const dvBuf = new Uint8Array([9, 9, 9, 9]);
    const dv = new DataView(dvBuf.buffer, 1, 2);
    wipe(a, b, view, dv);
    expect(Array.from(a)).toEqual([0, 0, 0]);
    expect(Array.from(b)).toEqual([0, 0, 0]);
    expect(Array.from(big)).toEqual([1, 2, 0, 0, 5, 6]);
    expect(Array.from(dvBuf)).toEqual([9, 0, 0, 9]);
    wipe();
    expect(() => wipe([1, 2] as unknown as Uint8Array)).toThrow(CkksError);
  });
});
