/**
 * MatrixLayout (src/encoding/layout.ts): pack / unpack round trip and the
 * slot map over random shapes (rows and cols 1..300, slots 2^4..2^12, any
 * power-of-two width up to the slots or the default), the counts (parts,
 * rows per ciphertext, teams), tileRow / columnMask, and the typed errors
 * (LayoutError naming the shapes and the limit). No encryption here.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LayoutError, MatrixLayout, columnMask, nextPow2, tileRow } from '../../src/encoding/index.js';
import { rng } from '../ckks/helpers.js';

/** Random shape: rows, cols, slots and a width (undefined = the default). */
const shapeArb = fc
  .record({
    rows: fc.integer({ min: 1, max: 300 }),
    cols: fc.integer({ min: 1, max: 300 }),
    logSlots: fc.integer({ min: 4, max: 12 }),
    // undefined: the default width; otherwise log2(width) as a fraction of log2(slots)
    logWidthFrac: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  })
  .map(({ rows, cols, logSlots, logWidthFrac, seed }) => ({
    rows,
    cols,
    slots: 2 ** logSlots,
    width: logWidthFrac === undefined ? undefined : 2 ** Math.round(logWidthFrac * logSlots),
    seed,
  }));

/** Seeded matrix with entries in [-1, 1), none zero (so that an entry landing in a slot is always visible). */
function matrix(rows: number, cols: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: rows * cols }, () => {
    const v = r();
    return v === 0 ? 0.5 : v;
  });
}

/** Assert that f throws a LayoutError whose message matches every pattern. */
function expectLayoutError(f: () => unknown, ...patterns: (RegExp | string)[]): LayoutError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a LayoutError').toBeInstanceOf(LayoutError);
  const err = caught as LayoutError;
  expect(err.name).toBe('LayoutError');
  for (const p of patterns) expect(err.message).toMatch(typeof p === 'string' ? new RegExp(p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : p);
  return err;
}

describe('MatrixLayout geometry', () => {
  it('counts: width (default min(nextPow2(cols), slots)), parts, rows per ciphertext, teams, ciphertexts', () => {
    fc.assert(
      fc.property(shapeArb, ({ rows, cols, slots, width }) => {
        const L = new MatrixLayout(rows, cols, slots, width);
        const w = width ?? Math.min(nextPow2(cols), slots);
        expect(L.width).toBe(w);
        expect(L.rows).toBe(rows);
        expect(L.cols).toBe(cols);
        expect(L.slots).toBe(slots);
        expect(L.parts).toBe(Math.ceil(cols / w));
        expect(L.rowsPerCt).toBe(slots / w);
        expect(L.teams).toBe(Math.ceil(rows / (slots / w)));
        expect(L.ciphertexts).toBe(L.parts * L.teams);
        // the capacity is enough and not wasteful: one team member fewer or one part fewer would not fit
        expect(L.teams * L.rowsPerCt).toBeGreaterThanOrEqual(rows);
        expect((L.teams - 1) * L.rowsPerCt).toBeLessThan(rows);
        expect(L.parts * w).toBeGreaterThanOrEqual(cols);
        expect((L.parts - 1) * w).toBeLessThan(cols);
        for (let p = 0; p < L.parts; p++) for (let t = 0; t < L.teams; t++) expect(L.index(p, t)).toBe(p * L.teams + t);
      }),
      { numRuns: 300 },
    );
  });

  it('fixed shapes', () => {
    // The paper's shape at N = 2^16: 128 x 401 with width 256 (2 parts), 128 rows per ciphertext.
    const paper = new MatrixLayout(128, 401, 32768, 256);
    expect([paper.parts, paper.rowsPerCt, paper.teams, paper.ciphertexts]).toEqual([2, 128, 1, 2]);
    // Default width: nextPow2(401) = 512; one part, 64 rows per ciphertext.
    const d = new MatrixLayout(128, 401, 32768);
    expect([d.width, d.parts, d.rowsPerCt, d.teams]).toEqual([512, 1, 64, 2]);
    // Default width capped at the slots: cols > slots gives several parts of one row each.
    const wide = new MatrixLayout(3, 300, 64);
    expect([wide.width, wide.parts, wide.rowsPerCt, wide.teams, wide.ciphertexts]).toEqual([64, 5, 1, 3, 15]);
    // Width 1: a column per part, every row its own slot.
    const thin = new MatrixLayout(40, 3, 16, 1);
    expect([thin.parts, thin.rowsPerCt, thin.teams]).toEqual([3, 16, 3]);
    expect(String(paper)).toBe('128 x 401 in 2 part(s) of width 256, 1 ciphertext(s) per part, 128 rows each');
    expect(nextPow2(1)).toBe(1);
    expect(nextPow2(5)).toBe(8);
    expect(nextPow2(256)).toBe(256);
  });

  it('sameAs compares the geometry (rows, cols, slots, width)', () => {
    const L = new MatrixLayout(10, 20, 256, 32);
    expect(L.sameAs(new MatrixLayout(10, 20, 256, 32))).toBe(true);
    expect(L.sameAs(new MatrixLayout(10, 20, 256))).toBe(true); // default width 32
    expect(L.sameAs(new MatrixLayout(10, 20, 256, 64))).toBe(false);
    expect(L.sameAs(new MatrixLayout(11, 20, 256, 32))).toBe(false);
    expect(L.sameAs(new MatrixLayout(10, 21, 256, 32))).toBe(false);
    expect(L.sameAs(new MatrixLayout(10, 20, 512, 32))).toBe(false);
  });
});

describe('MatrixLayout pack / unpack / locate', () => {
  it('unpack(pack(m)) = m exactly; every entry in exactly one slot, at locate(r, c); unused slots zero', () => {
    fc.assert(
      fc.property(shapeArb, ({ rows, cols, slots, width, seed }) => {
        const L = new MatrixLayout(rows, cols, slots, width);
        const m = matrix(rows, cols, seed);
        const vs = L.pack(m);
        expect(vs.length).toBe(L.ciphertexts);
        for (const v of vs) {
          expect(v).toBeInstanceOf(Float64Array);
          expect(v.length).toBe(slots);
        }
        // Round trip, bit for bit (Object.is: also tells -0 from 0).
        const back = L.unpack(vs);
        expect(back).toBeInstanceOf(Float64Array);
        expect(back.length).toBe(m.length);
        let firstDiff = -1;
        for (let i = 0; i < m.length && firstDiff < 0; i++) if (!Object.is(back[i], m[i])) firstDiff = i;
        expect(firstDiff, 'first entry that differs after the round trip').toBe(-1);

        // The slot map: independent formula of the documented layout, and injectivity.
        // (Plain comparisons in the loops, one expect at the end: up to 90,000 entries per run.)
        const owner = vs.map(() => new Int32Array(slots).fill(-1));
        const R = slots / L.width;
        const problems: string[] = [];
        for (let r = 0; r < rows && problems.length < 5; r++) {
          for (let c = 0; c < cols; c++) {
            const pos = L.locate(r, c);
            const ct = Math.floor(c / L.width) * L.teams + Math.floor(r / R);
            const slot = (r % R) * L.width + (c % L.width);
            if (pos.ct !== ct || pos.slot !== slot) problems.push(`locate(${r}, ${c}) = ${JSON.stringify(pos)}, expected ct ${ct} slot ${slot}`);
            else if (owner[ct][slot] !== -1) problems.push(`slot ${slot} of ciphertext ${ct} holds entries ${owner[ct][slot]} and ${r * cols + c}`);
            else if (vs[ct][slot] !== m[r * cols + c]) problems.push(`entry (${r}, ${c}) not at its slot`);
            else owner[ct][slot] = r * cols + c;
          }
        }
        // Every slot not owned by an entry is zero; owned slots are exactly rows * cols.
        let owned = 0;
        for (let k = 0; k < vs.length; k++) {
          for (let s = 0; s < slots; s++) {
            if (owner[k][s] >= 0) owned++;
            else if (vs[k][s] !== 0 && problems.length < 10) problems.push(`unused slot ${s} of ciphertext ${k} holds ${vs[k][s]}`);
          }
        }
        expect(problems).toEqual([]);
        expect(owned).toBe(rows * cols);
      }),
      { numRuns: 150 },
    );
  });

  it('row segments are contiguous: a row of one part occupies slots [(r mod R) w, (r mod R) w + w) of one ciphertext', () => {
    const L = new MatrixLayout(37, 70, 256, 32); // 3 parts (padding 96 - 70), R = 8, 5 team members
    for (let r = 0; r < L.rows; r++) {
      for (let p = 0; p < L.parts; p++) {
        const first = L.locate(r, p * L.width);
        for (let c = p * L.width; c < Math.min(L.cols, (p + 1) * L.width); c++) {
          const pos = L.locate(r, c);
          expect(pos.ct).toBe(first.ct);
          expect(pos.slot).toBe(first.slot + (c - p * L.width));
        }
      }
    }
  });

  it('pack accepts any ArrayLike (plain arrays)', () => {
    const L = new MatrixLayout(2, 3, 16);
    const vs = L.pack([1, 2, 3, 4, 5, 6]);
    expect(Array.from(vs[0])).toEqual([1, 2, 3, 0, 4, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(L.unpack(vs))).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('tileRow and columnMask', () => {
  it('tileRow puts the vector at the start of every row, zeros in the padding', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 12 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (logS, fw, fl) => {
        const S = 2 ** logS;
        const w = 2 ** Math.round(fw * logS);
        const len = Math.round(fl * w);
        const v = Float64Array.from({ length: len }, (_, i) => i + 1);
        const t = tileRow(v, w, S);
        expect(t.length).toBe(S);
        for (let s = 0; s < S; s++) expect(t[s]).toBe(s % w < len ? (s % w) + 1 : 0);
      }),
      { numRuns: 100 },
    );
  });

  it('columnMask: ones at column `col` of the first `rows` rows', () => {
    const m = columnMask(4, 16);
    expect(Array.from(m)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    const m2 = columnMask(4, 16, 2, 3, 0.5);
    expect(Array.from(m2)).toEqual([0, 0, 0.5, 0, 0, 0, 0.5, 0, 0, 0, 0.5, 0, 0, 0, 0, 0]);
    // A mask of column 0 keeps exactly the slots locate(r, 0) of a layout's part 0.
    const L = new MatrixLayout(8, 3, 16, 4);
    const mask = columnMask(L.width, L.slots);
    const ones = [...mask.keys()].filter((s) => mask[s] === 1);
    expect(ones).toEqual(Array.from({ length: L.rowsPerCt }, (_, r) => L.locate(r, 0).slot));
  });
});

describe('LayoutError', () => {
  it('slots that are not a power of two (names the value)', () => {
    for (const s of [0, 3, 12, 100, -4, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expectLayoutError(() => new MatrixLayout(4, 4, s, 1), 'MatrixLayout', 'slots must be a power of two', `got ${s}`);
    }
  });

  it('widths that are not a power of two, or exceed the slots (names the limit and the value)', () => {
    for (const w of [0, 3, 6, 0.5, -2, Number.NaN]) {
      expectLayoutError(() => new MatrixLayout(4, 4, 64, w), 'MatrixLayout', 'power of two', 'the 64 slots', `got ${w}`);
    }
    expectLayoutError(() => new MatrixLayout(4, 4, 64, 128), 'at most the 64 slots', 'got 128');
    expectLayoutError(() => new MatrixLayout(1, 1, 16, 4096), 'at most the 16 slots', 'got 4096');
  });

  it('rows and cols must be positive integers', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expectLayoutError(() => new MatrixLayout(bad, 4, 64), 'rows must be a positive integer', `got ${bad}`);
      expectLayoutError(() => new MatrixLayout(4, bad, 64), 'cols must be a positive integer', `got ${bad}`);
    }
  });

  it('pack: wrong-size matrices (names rows x cols, the expected and the actual count)', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer({ min: -5, max: 5 }).filter((d) => d !== 0), ({ rows, cols, slots, width }, d) => {
        const L = new MatrixLayout(rows, cols, slots, width);
        const n = Math.max(0, rows * cols + d);
        fc.pre(n !== rows * cols);
        expectLayoutError(() => L.pack(new Float64Array(n)), 'MatrixLayout.pack', `expected ${rows} x ${cols} = ${rows * cols} entries, got ${n}`);
      }),
      { numRuns: 50 },
    );
  });

  it('pack: non-finite entries (names the entry)', () => {
    const L = new MatrixLayout(3, 5, 16, 8);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const m = new Float64Array(15);
      m[2 * 5 + 3] = bad;
      expectLayoutError(() => L.pack(m), 'MatrixLayout.pack', 'entry (2, 3) is not finite', String(bad));
    }
    // a non-number in a plain array is not finite either
    const arr: number[] = new Array(15).fill(0);
    arr[4] = undefined as unknown as number;
    expectLayoutError(() => L.pack(arr), 'entry (0, 4) is not finite');
  });

  it('locate: out-of-range or non-integer positions (names the position and the shape)', () => {
    const L = new MatrixLayout(3, 5, 16, 8);
    for (const [r, c] of [
      [-1, 0],
      [3, 0],
      [0, -1],
      [0, 5],
      [0.5, 0],
      [0, 1.5],
      [Number.NaN, 0],
    ]) {
      expectLayoutError(() => L.locate(r, c), 'MatrixLayout.locate', `(${r}, ${c}) is outside a 3 x 5 matrix`);
    }
    expect(L.locate(1, 4)).toEqual({ ct: 0, slot: 1 * 8 + 4 });
    expect(L.locate(2, 4)).toEqual({ ct: 1, slot: 4 }); // R = 2 rows per ciphertext: row 2 starts team member 1
  });

  it('unpack: wrong number of vectors (names the expected and the actual count)', () => {
    const L = new MatrixLayout(20, 20, 64, 16); // 2 parts x 5 team members
    expect(L.ciphertexts).toBe(10);
    expectLayoutError(() => L.unpack(new Array(9).fill(new Float64Array(64))), 'MatrixLayout.unpack', 'expected 10 vectors, got 9');
    expectLayoutError(() => L.unpack([]), 'expected 10 vectors, got 0');
  });

  it('tileRow: a vector wider than the rows (names both)', () => {
    expectLayoutError(() => tileRow(new Float64Array(9), 8, 64), 'tileRow', 'a vector of 9 values does not fit rows of width 8');
  });

  it('is an Error with the operation in the message', () => {
    const e = new LayoutError('Op', 'detail');
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('Op: detail');
    expect(e.name).toBe('LayoutError');
  });
});
