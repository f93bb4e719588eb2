/**
 * One variable, FC_SEED, varies every randomized test: fast-check's global
 * seed (test/setup.ts) and the fuzz suites' own seeds (which they pass to
 * fc.assert explicitly, so they must take it from FC_SEED too).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_FC_SEED, fuzzSeed } from '../setup.js';

describe('FC_SEED', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('sets fast-check\'s global seed (default: a fixed one)', () => {
    expect(fc.readConfigureGlobal().seed).toBe(process.env.FC_SEED === undefined ? DEFAULT_FC_SEED : Number(process.env.FC_SEED));
  });

  it('fuzzSeed: a suite\'s fixed seed without FC_SEED, FC_SEED itself with it (so a printed seed reproduces a failure)', () => {
    vi.stubEnv('FC_SEED', undefined);
    expect(fuzzSeed(0xb0d1e)).toBe(0xb0d1e);
    vi.stubEnv('FC_SEED', '12345');
    expect(fuzzSeed(0xb0d1e)).toBe(12345);
    expect(fuzzSeed(0x5e71a1)).toBe(12345);
    vi.stubEnv('FC_SEED', 'twelve');
    expect(() => fuzzSeed(1)).toThrow(/FC_SEED/);
  });

  it('the fuzz suites take their seed from fuzzSeed (FC_SEED), not from a variable of their own', () => {
    for (const file of ['../ckks/serialize.fuzz.test.ts', './bundle.fuzz.test.ts']) {
      const src = readFileSync(new URL(file, import.meta.url), 'utf8');
      expect(src, file).not.toMatch(/FUZZ_SEED/);
      expect(src, file).toMatch(/const SEED = fuzzSeed\(/);
    }
  });
});
