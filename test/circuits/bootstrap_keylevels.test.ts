/**
 * Bootstrapping with evaluation keys restricted to the levels they are used
 * at (Bootstrapper.keyLevels; logN 11, n = 32 sparse slots, insecure): the
 * levels declared per phase (SubSum and CoeffsToSlots at the top levels,
 * SlotsToCoeffs below EvalMod), the keys' size against full keys, the same
 * precision bar as with full keys (bootstrap.test.ts: >= 20 bits min, >= 22
 * mean), a product and a rotation after, and a key generated one level too
 * low refused by the constructor (LevelMismatchError, before any work).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { EvaluationKeys, Evaluator, LevelMismatchError, SwitchingKey } from '../../src/ckks/index.js';
import { galoisElementForRotation } from '../../src/ntt/index.js';
import { type BootstrapOptions, Bootstrapper, precisionStats } from '../../src/circuits/index.js';
import { type BootCtx, REPORT, bootLiteral, makeBootCtx, uniform } from './bootstrap_helpers.js';

describe('bootstrapping with keys restricted to their levels (logN 11, n = 32)', () => {
  const n = 32;
  const opts: BootstrapOptions = { slots: n, ctsLevels: 2, stcLevels: 2 };
  let ctx: BootCtx;
  const re = uniform(n, 21);
  const im = uniform(n, 22);
  beforeAll(() => {
    ctx = makeBootCtx(bootLiteral(11, 5), opts, [1], 64, true);
  });

  it('declares the level of every key: SubSum and CoeffsToSlots at the top levels, SlotsToCoeffs below EvalMod', () => {
    const prm = ctx.params;
    const kl = Bootstrapper.keyLevels(prm, opts);
    const cost = Bootstrapper.cost(prm, opts);
    const top = prm.depth;
    const stcTop = prm.levelTops[top - cost.ctsLevels - cost.evalModLevels];
    expect([...kl.rotations.keys()].sort((a, b) => a - b)).toEqual(Bootstrapper.rotationSteps(prm, opts));
    expect(Bootstrapper.rotationKeyLevels(prm, opts)).toEqual(kl.rotations);
    for (let s = n; s < prm.maxSlots; s *= 2) expect(kl.rotations.get(s), `SubSum step ${s}`).toBe(prm.maxLevel);
    const levels = new Set(kl.rotations.values());
    expect(levels.has(prm.maxLevel)).toBe(true);
    for (const l of levels) expect(l === prm.maxLevel || l === prm.levelTops[top - 1] || l <= stcTop, `level ${l}`).toBe(true);
    expect([...levels].some((l) => l <= stcTop)).toBe(true);
    expect(kl.conjugation).toBe(prm.levelTops[top - cost.ctsLevels]);
    expect(kl.relin).toBe(prm.levelTops[top - cost.ctsLevels]);
    // The keys held are those levels, and smaller than full keys.
    let bytes = 0;
    let fullBytes = 0;
    const fullKeyBytes = 2 * prm.dnum * (prm.Q.length + prm.P.length) * prm.N * 4;
    for (const [s, l] of kl.rotations) {
      const key = ctx.keys.galois.get(galoisElementForRotation(s, prm.logN)) as SwitchingKey;
      expect(key.level).toBeGreaterThanOrEqual(l); // equal, or higher when the step shares its key with the extra step 1 (top)
      bytes += key.byteLength;
      fullBytes += fullKeyBytes;
    }
    if (REPORT) console.log(`restricted rotation keys: ${(bytes / 2 ** 20).toFixed(1)} MiB, full: ${(fullBytes / 2 ** 20).toFixed(1)} MiB`);
    expect(bytes).toBeLessThan(0.8 * fullBytes);
  });

  it('bootstraps within the full keys\' bar; a product and a rotation after', () => {
    const ct = ctx.enc.encrypt(ctx.encoder.encode({ re, im }, ctx.params.levelTops[0], 2 ** 30, n));
    const out = ctx.bt.bootstrap(ct);
    const s = precisionStats(ctx.encoder.decodeComplex(ctx.dec.decrypt(out)), { re, im });
    if (REPORT) console.log(`restricted keys: real min ${s.real.minBits.toFixed(2)} mean ${s.real.meanBits.toFixed(2)}, imag min ${s.imag.minBits.toFixed(2)} mean ${s.imag.meanBits.toFixed(2)}`);
    expect(Math.min(s.real.minBits, s.imag.minBits)).toBeGreaterThanOrEqual(20);
    expect(Math.min(s.real.meanBits, s.imag.meanBits)).toBeGreaterThanOrEqual(22);
    const sq = ctx.ev.rescale(ctx.ev.mulRelinNew(out, out), ctx.ev.mulRelinNew(out, out));
    const rot = ctx.ev.rotateNew(sq, 1);
    const got = ctx.encoder.decodeComplex(ctx.dec.decrypt(rot));
    let err = 0;
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % n;
      const wr = re[j] * re[j] - im[j] * im[j];
      const wi = 2 * re[j] * im[j];
      err = Math.max(err, Math.abs(got.re[i] - wr), Math.abs(got.im[i] - wi));
    }
    expect(-Math.log2(err)).toBeGreaterThanOrEqual(17);
  });

  it('refuses a key generated below its use, before any work', () => {
    const prm = ctx.params;
    const kl = Bootstrapper.keyLevels(prm, opts);
    const [step, level] = [...kl.rotations].find(([, l]) => l > 0) as [number, number];
    const g = galoisElementForRotation(step, prm.logN);
    const low = ctx.keys.galois.get(g) as SwitchingKey;
    // the same key cut one level lower (limbs Q_0..Q_{level-1} and P, the digits covering them)
    const N = prm.N;
    const K = prm.P.length;
    const l = level - 1;
    const digits = Math.ceil((l + 1) / prm.digitSize);
    const cut = (p: SwitchingKey['b'][number]): SwitchingKey['b'][number] => {
      const q = new (p.constructor as new (N: number, limbs: number, data?: Uint32Array, ntt?: boolean) => typeof p)(N, l + 1 + K, undefined, true);
      q.data.set(p.data.subarray(0, (l + 1) * N));
      q.data.set(p.data.subarray((level + 1) * N, (level + 1 + K) * N), (l + 1) * N);
      return q;
    };
    const galois = new Map(ctx.keys.galois);
    galois.set(g, new SwitchingKey(prm, low.b.slice(0, digits).map(cut), low.a.slice(0, digits).map(cut), low.seed, l));
    const ev = new Evaluator(prm, new EvaluationKeys(prm, ctx.keys.relin, galois));
    expect(() => new Bootstrapper(ev, ctx.encoder, opts)).toThrow(LevelMismatchError);
    expect(() => new Bootstrapper(ev, ctx.encoder, opts)).toThrow(new RegExp(`rotation ${step} \\(level ${l}, needed ${level}\\)`));
  });
});
