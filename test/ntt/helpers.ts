/** Shared fast-check arbitraries and conversions for the ring layer tests. */
import fc from 'fast-check';

/** A residue in [0, q), with the edge values 0, 1, q-1 drawn often. */
export function residue(q: number): fc.Arbitrary<number> {
  return fc.oneof(fc.constantFrom(0, 1, q - 1), fc.integer({ min: 0, max: q - 1 }));
}

/** A value in [0, bound) biased to the edges of every [kq, (k+1)q) window below bound. */
export function lazyValue(q: number, bound: number): fc.Arbitrary<number> {
  const edges: number[] = [];
  for (let k = 0; k * q < bound; k++) for (const e of [k * q, k * q + 1, (k + 1) * q - 1]) if (e < bound) edges.push(e);
  return fc.oneof(fc.constantFrom(...edges), fc.integer({ min: 0, max: bound - 1 }));
}

/** A polynomial of N residues mod q as a Uint32Array (edge values mixed in). */
export function polyArb(N: number, q: number): fc.Arbitrary<Uint32Array> {
  return fc.array(residue(q), { minLength: N, maxLength: N }).map((xs) => Uint32Array.from(xs));
}

export const big = (a: ArrayLike<number>): bigint[] => Array.from(a, (x) => BigInt(x));
export const nums = (a: readonly bigint[]): number[] => a.map((x) => Number(x));
export const arr = (a: Uint32Array): number[] => Array.from(a);

/** Deterministic pseudo-random Uint32Array of residues mod q (xorshift32), for large N where fast-check is too slow. */
export function randomPoly(N: number, q: number, seed: number): Uint32Array {
  let s = seed >>> 0 || 1;
  const out = new Uint32Array(N);
  for (let i = 0; i < N; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    // two draws to cover all of [0, q) for q up to 2^30
    const hi = s;
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = Number(((BigInt(hi) << 32n) | BigInt(s)) % BigInt(q));
  }
  return out;
}
