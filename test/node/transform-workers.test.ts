/**
 * NodeTransformWorkers (src/node/transform-workers.ts): double-hoisted linear
 * transforms and a bootstrapping with their baby and giant steps shared with
 * worker threads give the same ciphertexts, word for word, as on one thread;
 * the counters are those of the plan; a failing job is reported, not hung on;
 * compact keys (a_j regenerated from the seed on each thread) change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CkksError, EvaluationKeys, Evaluator, MissingKeyError, compactGaloisKeys } from '../../src/ckks/index.js';
import { Bootstrapper, type CircuitJob, LinearTransform, diagonalsOf, linearTransformSteps, replicateAll } from '../../src/circuits/index.js';
import { NodeTransformWorkers } from '../../src/node/index.js';
import { bsgsDoubleHoisted } from '../../src/circuits/bsgs-qp.js';
import { relinearizeOnWorkers } from '../../src/circuits/relin-split.js';
import { galoisElementForRotation } from '../../src/ntt/index.js';
import { bootLiteral, makeBootCtx } from '../circuits/bootstrap_helpers.js';
import { type Ctx, SHALLOW11, encrypt, makeCtx, uniformVec } from '../circuits/helpers.js';

const N1 = 64;
const N2 = 256;

describe('NodeTransformWorkers (logN 11)', () => {
  let ctx: Ctx;
  let workers: NodeTransformWorkers;
  const dense = uniformVec(N1 * N1, 41).map((v) => v / 8);
  const wide = uniformVec(N2 * N2, 42).map((v) => v / 64);
  beforeAll(async () => {
    const steps = new Set([...linearTransformSteps(diagonalsOf(dense, N1).keys(), N1), ...linearTransformSteps(diagonalsOf(wide, N2).keys(), N2, { giantCost: 4 })]);
    ctx = makeCtx(SHALLOW11, { steps: [...steps] });
    workers = await NodeTransformWorkers.create(ctx.params, ctx.keys, { threads: 2 });
  }, 60_000);
  afterAll(async () => workers?.close());

  it('the same words as one thread, and the plan counters', () => {
    for (const [M, n, opts] of [[dense, N1, {}], [wide, N2, { giantCost: 4 }]] as const) {
      const diags = diagonalsOf(M, n);
      const ct = encrypt(ctx, uniformVec(n, 43), { slots: n });
      const one = new LinearTransform(ctx.encoder, diags, n, ct.level, { ...opts, hoisting: 'double' });
      const many = new LinearTransform(ctx.encoder, diags, n, ct.level, { ...opts, hoisting: 'double', workers });
      expect(many.plan).toEqual(one.plan);
      const a = one.evaluate(ctx.ev, ct);
      for (let r = 0; r < 2; r++) {
        ctx.ev.resetCounters();
        const b = many.evaluate(ctx.ev, ct);
        expect(ctx.ev.counters.rotations).toBe(many.plan.rotations);
        expect(ctx.ev.counters.keySwitches).toBe(many.plan.rotations);
        expect(ctx.ev.counters.decompositions).toBe(many.plan.decompositions);
        expect(ctx.ev.counters.ptMultiplications).toBe(many.plan.ptMultiplications);
        expect(b.level).toBe(a.level);
        expect(b.scale).toBe(a.scale);
        expect(b.c[0].data).toEqual(a.c[0].data);
        expect(b.c[1].data).toEqual(a.c[1].data);
      }
    }
  });

  it('relinearizeOnWorkers: the words and counters of Evaluator.relinearize at every level (digits, limbs and ModDown split over 3 threads)', () => {
    const x = uniformVec(N1, 51);
    const y = uniformVec(N1, 52);
    for (let level = ctx.params.maxLevel; level >= 0; level--) {
      const cx = encrypt(ctx, x, { level });
      const cy = encrypt(ctx, y, { level });
      const want = ctx.ev.relinearizeNew(ctx.ev.mulNew(cx, cy));
      const d2 = ctx.ev.mulNew(cx, cy);
      ctx.ev.resetCounters();
      const got = relinearizeOnWorkers(ctx.ev, d2, workers);
      expect(got).toBe(d2);
      expect(got.degree).toBe(1);
      expect({ ...ctx.ev.counters }).toMatchObject({ keySwitches: 1, decompositions: 1 });
      expect(got.c[0].data).toEqual(want.c[0].data);
      expect(got.c[1].data).toEqual(want.c[1].data);
      expect([got.level, got.scale, got.slots]).toEqual([want.level, want.scale, want.slots]);
    }
    // A degree-1 input is left as it is; no relinearization key: MissingKeyError before any job.
    const one = encrypt(ctx, x);
    expect(relinearizeOnWorkers(ctx.ev, one, workers)).toBe(one);
    const bare = new Evaluator(ctx.params, new EvaluationKeys(ctx.params));
    expect(() => relinearizeOnWorkers(bare, bare.mulNew(one, one), workers)).toThrow(MissingKeyError);
  });

  it('a failing job is reported as a CkksError, and the pool keeps working', () => {
    const bad = { type: 'bsgs', transform: -1, level: 1, phase: 'giants', babies: [] } as unknown as CircuitJob;
    workers.post(0, bad);
    expect(() => workers.wait()).toThrow(/lacks its giant steps/);
    expect(() => workers.post(5, bad)).toThrow(CkksError);
    // Still usable: a transform after the failure gives the one-thread words.
    const diags = diagonalsOf(dense, N1);
    const ct = encrypt(ctx, uniformVec(N1, 45), { slots: N1 });
    const a = new LinearTransform(ctx.encoder, diags, N1, ct.level).evaluate(ctx.ev, ct);
    const b = new LinearTransform(ctx.encoder, diags, N1, ct.level, { workers }).evaluate(ctx.ev, ct);
    expect(b.c[0].data).toEqual(a.c[0].data);
    expect(b.c[1].data).toEqual(a.c[1].data);
  });

  it('replicateAll: inputs replicated on the workers give the words and counters of one thread', () => {
    const lt = new LinearTransform(ctx.encoder, diagonalsOf(dense, N1), N1, ctx.params.maxLevel, { hoisting: 'double' });
    const steps = lt.plan.babySteps.filter((s) => s !== 0).slice(0, 3);
    expect(steps.length).toBe(3);
    const xs = [0, 1, 2, 3, 4].map((i) => encrypt(ctx, uniformVec(N1, 50 + i), { slots: N1 }));
    const before = xs.map((x) => x.c[1].data.slice());
    ctx.ev.resetCounters();
    const one = replicateAll(ctx.ev, xs, steps);
    const counters = { ...ctx.ev.counters };
    expect(counters.rotations).toBe(15);
    ctx.ev.resetCounters();
    const many = replicateAll(ctx.ev, xs, steps, workers);
    expect({ ...ctx.ev.counters }).toEqual(counters);
    many.forEach((y, i) => {
      expect([y.level, y.scale, y.slots]).toEqual([one[i].level, one[i].scale, one[i].slots]);
      expect(y.c[0].data).toEqual(one[i].c[0].data);
      expect(y.c[1].data).toEqual(one[i].c[1].data);
    });
    xs.forEach((x, i) => expect(x.c[1].data).toEqual(before[i]));
    // A malformed job is reported by the worker.
    const bad = { type: 'replicate', level: 99, scale: 1, slots: N1, c0: new Uint32Array(1), c1: new Uint32Array(1), steps: new Int32Array(0), out0: new Uint32Array(1), out1: new Uint32Array(1), meta: new Float64Array(7) } as unknown as CircuitJob;
    workers.post(0, bad);
    expect(() => workers.wait()).toThrow(/do not match level 99/);
    // An error of the caller's own part (a key removed here only) waits for the posted jobs first.
    const events: string[] = [];
    const fake = { threads: 1, post: () => events.push('post'), wait: () => events.push('wait') };
    const g = galoisElementForRotation(steps[0], ctx.params.logN);
    const saved = ctx.keys.galois.get(g);
    ctx.keys.galois.delete(g);
    try {
      expect(() => replicateAll(ctx.ev, xs, steps, fake)).toThrow(/Galois key|key/);
    } finally {
      ctx.keys.galois.set(g, saved as NonNullable<typeof saved>);
    }
    expect(events).toEqual(['post', 'post', 'wait']);
  });

  it('an error on the side of the caller waits for the posted jobs before the shared scratch is reused', () => {
    // A fake worker set: it records posts and waits; the caller's own part fails (a key removed).
    const diags = diagonalsOf(dense, N1);
    const ct = encrypt(ctx, uniformVec(N1, 47), { slots: N1 });
    const events: string[] = [];
    const fake = { threads: 1, post: () => events.push('post'), wait: () => events.push('wait') };
    const lt = new LinearTransform(ctx.encoder, diags, N1, ct.level, { hoisting: 'double' });
    const steps = lt.plan.babySteps;
    const g = galoisElementForRotation(steps[0], ctx.params.logN); // the caller's first baby step (dealt round robin)
    const saved = ctx.keys.galois.get(g);
    ctx.keys.galois.delete(g);
    try {
      expect(() => bsgsDoubleHoisted(ctx.ev, ct, lt.id, lt.plan.giants, steps, [], ct.scale, N1, fake)).toThrow();
    } finally {
      ctx.keys.galois.set(g, saved as NonNullable<typeof saved>);
    }
    expect(events).toEqual(['post', 'wait']);
  });

  for (const [name, logSlots] of [['sparse', 5], ['full', 9]] as const) {
    it(`a ${name}-slot bootstrapping with workers equals the one-thread result word for word, with the same counters`, async () => {
      const n = 2 ** logSlots;
      const opts = { slots: n, ctsLevels: 2, stcLevels: 2, hoisting: 'double' as const };
      const b = makeBootCtx(bootLiteral(10, logSlots), opts);
      const pool = await NodeTransformWorkers.create(b.params, b.keys, { threads: 1 });
      try {
        const many = new Bootstrapper(b.ev, b.encoder, { ...opts, workers: pool });
        const ct = b.enc.encrypt(b.encoder.encode({ re: uniformVec(n, 44), im: uniformVec(n, 46) }, b.params.levelTops[0], 2 ** 30, n));
        b.ev.resetCounters();
        const x = b.bt.bootstrap(ct);
        const one = { ...b.ev.counters };
        b.ev.resetCounters();
        const y = many.bootstrap(ct);
        expect({ ...b.ev.counters }).toEqual(one);
        expect(y.level).toBe(x.level);
        expect(y.scale).toBe(x.scale);
        expect(y.c[0].data).toEqual(x.c[0].data);
        expect(y.c[1].data).toEqual(x.c[1].data);
        // Again: the first one gave its shared slabs up when it ended, this one takes new ones.
        const y2 = many.bootstrap(ct);
        expect(y2.c[0].data).toEqual(x.c[0].data);
        expect(y2.c[1].data).toEqual(x.c[1].data);
        if (name === 'sparse') {
          // Every Galois key held compact (a_j regenerated from the seed on each thread): the same words again;
          // and with the diagonals held as coefficients (brought to NTT form by the part that uses each).
          const compact = compactGaloisKeys(b.params, b.keys, [...b.keys.galois.keys()]);
          const cpool = await NodeTransformWorkers.create(b.params, compact, { threads: 1 });
          try {
            const z = new Bootstrapper(new Evaluator(b.params, compact), b.encoder, { ...opts, workers: cpool }).bootstrap(ct);
            expect(z.c[0].data).toEqual(x.c[0].data);
            expect(z.c[1].data).toEqual(x.c[1].data);
            const coeffs = new Bootstrapper(b.ev, b.encoder, { ...opts, workers: cpool, diagonalForm: { cts: 'coefficients', stc: 'coefficients' } });
            const w = coeffs.bootstrap(ct);
            expect(w.c[0].data).toEqual(x.c[0].data);
            expect(w.c[1].data).toEqual(x.c[1].data);
            expect(coeffs.diagonalBytes).toBeLessThan(many.diagonalBytes / 4);
          } finally {
            await cpool.close();
          }
        }
      } finally {
        await pool.close();
      }
    }, 120_000);
  }
});
