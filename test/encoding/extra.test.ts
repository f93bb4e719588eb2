/**
 * Row and column shifts, row replication, transposed layouts and products
 * with a plaintext left operand (logN 12, PN12QP180_INSECURE), each against
 * float64 math in bits, with the evaluator's counters equal to the cost model.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PN12QP180_INSECURE } from '../../src/ckks/presets.js';
import { MatrixLayout, MatrixOps, rotationStepsFor, tileRow } from '../../src/encoding/index.js';
import { type Ctx, makeCtx } from '../ckks/helpers.js';
import { bits, randMatrix, refABt } from './harness.js';

const WIDTH = 32;

describe('MatrixOps shifts, row replication, transposed layouts, plaintext A', () => {
  let ctx: Ctx;
  let ops: MatrixOps;
  let S: number;
  beforeAll(() => {
    const probe = new MatrixLayout(1, WIDTH, 2048, WIDTH);
    const { steps, conjugate } = rotationStepsFor(probe);
    // shiftColumns(k) rotates by k and k - width; shiftRows(k) by -k * width.
    const extra = [3, 3 - WIDTH, -2 * WIDTH, 5 * WIDTH];
    ctx = makeCtx('PN12QP180_INSECURE', PN12QP180_INSECURE, { steps: [...steps, ...extra], conjugate, seed: 91 });
    ops = new MatrixOps(ctx.ev);
    S = ctx.params.slots;
  });

  const enc = (v: Float64Array) => ctx.sym.encrypt(ctx.encoder.encode(v, ctx.params.maxLevel));
  const dec = (c: Parameters<typeof ctx.dec.decrypt>[0]) => ctx.encoder.decode(ctx.dec.decrypt(c));

  it('shiftRows moves every row down by k (cyclically), one rotation, no level', () => {
    const v = randMatrix(1, S, 1);
    ctx.ev.resetCounters();
    const r = ops.shiftRows(enc(v), 2, WIDTH);
    expect(ctx.ev.counters.rotations).toBe(MatrixOps.costShiftRows().rotations);
    const want = new Float64Array(S);
    for (let s = 0; s < S; s++) want[(s + 2 * WIDTH) % S] = v[s];
    expect(bits(dec(r), want)).toBeGreaterThanOrEqual(14);
    expect(r.level).toBe(ctx.params.maxLevel);
  });

  it('shiftColumns rotates each row cyclically by k within its width, at the cost model', () => {
    const v = randMatrix(1, S, 2);
    const ct = enc(v);
    ctx.ev.resetCounters();
    const r = ops.shiftColumns(ct, 3, WIDTH);
    const c = MatrixOps.costShiftColumns();
    expect(ctx.ev.counters.rotations).toBe(c.rotations);
    expect(ctx.ev.counters.ptMultiplications).toBe(c.ptMultiplications);
    expect(ctx.ev.counters.rescales).toBe(c.rescales);
    expect(ct.level - r.level).toBe(c.levels);
    const want = new Float64Array(S);
    for (let s = 0; s < S; s++) {
      const row0 = s - (s % WIDTH);
      want[s] = v[row0 + (((s % WIDTH) + 3) % WIDTH)];
    }
    expect(bits(dec(r), want)).toBeGreaterThanOrEqual(13);
    expect(() => ops.shiftColumns(ct, WIDTH, WIDTH)).toThrow(/k must be/);
  });

  it('replicateRow copies one row over all rows, at the cost model', () => {
    const v = randMatrix(1, S, 3);
    const ct = enc(v);
    ctx.ev.resetCounters();
    const r = ops.replicateRow(ct, 5, WIDTH);
    const c = MatrixOps.costReplicateRow(WIDTH, S);
    expect(ctx.ev.counters.rotations).toBe(c.rotations);
    expect(ct.level - r.level).toBe(c.levels);
    const want = new Float64Array(S);
    for (let s = 0; s < S; s++) want[s] = v[5 * WIDTH + (s % WIDTH)];
    expect(bits(dec(r), want)).toBeGreaterThanOrEqual(12);
  });

  it('transposed layouts: pack(M^T) through packTransposeOf, read back as M^T', () => {
    const rows = 20;
    const cols = 50;
    const L = new MatrixLayout(rows, cols, S, 64);
    const T = L.transposed();
    expect([T.rows, T.cols]).toEqual([cols, rows]);
    const m = randMatrix(rows, cols, 4);
    const got = T.unpack(T.packTransposeOf(m));
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expect(got[c * rows + r]).toBe(m[r * cols + c]);
    expect(() => T.packTransposeOf(new Float64Array(3))).toThrow(/entries/);
  });

  it('productABt with A as plaintexts and B encrypted equals the float64 product', () => {
    const rows = 40;
    const cols = 60;
    const L = new MatrixLayout(rows, cols, S, 64);
    const A = randMatrix(rows, cols, 5);
    const B = randMatrix(2, cols, 6);
    const lvl = ctx.params.maxLevel;
    const Apts = L.pack(A).map((v) => ctx.encoder.encode(v, lvl));
    const Brow = (j: number) =>
      Array.from({ length: L.parts }, (_, p) => enc(tileRow(B.subarray(j * cols + p * 64, j * cols + Math.min(cols, (p + 1) * 64)), 64, S)));
    const Z = ops.productABt(L, Apts, [Brow(0), Brow(1)]);
    const want = refABt(A, rows, cols, B, 2);
    for (let j = 0; j < 2; j++) {
      const got = new Float64Array(rows);
      for (let t = 0; t < L.teams; t++) {
        const d = dec(Z[j][t]);
        for (let r = t * L.rowsPerCt; r < Math.min(rows, (t + 1) * L.rowsPerCt); r++) got[r] = d[(r % L.rowsPerCt) * 64];
      }
      const w = Float64Array.from({ length: rows }, (_, r) => want[r * 2 + j]);
      expect(bits(got, w)).toBeGreaterThanOrEqual(11);
    }
  });

  it('tileRow and columnMask refuse bad geometry', () => {
    expect(() => tileRow([1], 3, 16)).toThrow(/powers of two/);
    expect(() => tileRow([1], 32, 16)).toThrow(/powers of two/);
  });
});
