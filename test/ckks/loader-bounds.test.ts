/**
 * Bounded loaders: crafted parameter blobs cannot make the loader allocate
 * hundreds of MB or spend seconds. A blob at logN 17 with 117 primes (under
 * the 128-bit bound, so the security check passes) used to build ~420 MB of
 * NTT tables in 6-7 s before anything cheap was checked; now the ring-size
 * cap (MAX_LOADED_RING_WORDS) and the security bound refuse such blobs from
 * their header fields. 1,000 crafted blobs (ring sizes, prime counts, the
 * insecure opt-in) load or are refused with a typed error while the heap
 * grows by less than the stated bound.
 */
import { describe, expect, it } from 'vitest';
import {
  CkksError,
  INSECURE_OPT_IN,
  InsecureParametersError,
  MAX_LOADED_RING_WORDS,
  SerializationError,
  createParameters,
  deserializeParameters,
  serializeParameters,
} from '../../src/ckks/index.js';
import { generateNttPrimes } from '../../src/ntt/index.js';

/** A parameters blob with the given header fields and primes (fingerprint left stale: a refusal must come first). */
function craft(template: Uint8Array, logN: number, Q: number[], P: number[]): Uint8Array {
  const b = new Uint8Array(24 + 18 + 4 * (Q.length + P.length));
  b.set(template.subarray(0, 24 + 18));
  const v = new DataView(b.buffer);
  v.setUint8(24, logN);
  v.setUint8(25, Math.min(logN - 1, template[25]));
  v.setUint16(24 + 4, Math.min(Q.length, 1), true); // digitSize 1
  v.setUint16(24 + 6, Q.length, true);
  v.setUint16(24 + 8, P.length, true);
  [...Q, ...P].forEach((q, i) => v.setUint32(24 + 18 + 4 * i, q, true));
  return b;
}

describe('parameter loaders are bounded', () => {
  const template = serializeParameters(createParameters({ logN: 12, logQ: [30, 30], logP: [30], logDefaultScale: 25, unsafeAllowInsecure: INSECURE_OPT_IN }));
  const pool17 = generateNttPrimes(17, new Array(120).fill(30));

  it('the 650-byte blob of the finding (logN 17, 117 primes, under the 128-bit bound) is refused at once by the ring-size cap', () => {
    const blob = craft(template, 17, pool17.slice(0, 110), pool17.slice(110, 117));
    expect(blob.length).toBeLessThan(700);
    const t0 = performance.now();
    expect(() => deserializeParameters(blob)).toThrow(SerializationError);
    expect(() => deserializeParameters(blob)).toThrow(/exceeds the loader's cap of 4194304/);
    expect(performance.now() - t0).toBeLessThan(200);
    // Raising the cap on purpose lets the security check speak (it passes), and then the fingerprint.
    expect(2 ** 17 * 117).toBeGreaterThan(MAX_LOADED_RING_WORDS);
  });

  it('1,000 crafted blobs: typed refusals, memory growth under 64 MiB, under 30 s', () => {
    const pools = new Map<number, number[]>();
    const pool = (logN: number): number[] => {
      let p = pools.get(logN);
      if (p === undefined) pools.set(logN, (p = generateNttPrimes(logN, new Array(130).fill(30))));
      return p;
    };
    for (const logN of [10, 12, 14, 15, 16, 17]) pool(logN);
    (globalThis as { gc?: () => void }).gc?.();
    const used = (): number => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers; // typed arrays live outside the heap
    const before = used();
    const t0 = performance.now();
    let refused = 0;
    let loaded = 0;
    for (let k = 0; k < 1000; k++) {
      const logN = [10, 12, 14, 15, 16, 17][k % 6];
      const count = 2 + ((k * 37) % 125);
      const ps = pool(logN).slice(0, count);
      const blob = craft(template, logN, ps.slice(0, count - 1), ps.slice(count - 1));
      try {
        deserializeParameters(blob, k % 3 === 0 ? { unsafeAllowInsecure: INSECURE_OPT_IN } : {});
        loaded++;
      } catch (e) {
        expect(e instanceof SerializationError || e instanceof InsecureParametersError || e instanceof CkksError, String(e)).toBe(true);
        refused++;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const grown = (used() - before) / 2 ** 20;
    expect(refused + loaded).toBe(1000);
    expect(refused).toBeGreaterThan(900); // stale fingerprints: what passes the cheap checks is refused at the end
    expect(seconds).toBeLessThan(30);
    expect(grown).toBeLessThan(64);
  });
});
