/**
 * Parameter validation: the HomomorphicEncryption.org security bound (at the
 * bound and one bit above), the insecure opt-in, malformed literals, and the
 * presets.
 */

import { describe, expect, it } from 'vitest';
import { CkksError, InsecureParametersError } from '../../src/ckks/errors.js';
import { INSECURE_OPT_IN, type ParametersLiteral, createParameters } from '../../src/ckks/params.js';
import { PN12QP180_INSECURE, PRESETS } from '../../src/ckks/presets.js';
import { MAX_LOG_QP, maxLogQP, securityLevelOf } from '../../src/ckks/security.js';
import { generateNttPrimes, isPrime } from '../../src/ntt/index.js';
import { maxLogQPSparse } from '../../src/rlwe/sampling.js';
import { expectThrows } from './helpers.js';

const invalid = (lit: unknown, re?: RegExp): void => {
  expectThrows(() => createParameters(lit as ParametersLiteral), CkksError, 'INVALID_PARAMETERS', re);
};

const insecure = (lit: ParametersLiteral, re?: RegExp): void => {
  expectThrows(() => createParameters(lit), InsecureParametersError, 'INSECURE_PARAMETERS', re);
};

const log2Sum = (xs: readonly number[]): number => xs.reduce((s, q) => s + Math.log2(q), 0);

/** The smallest prime q = 1 mod 2^(logN+1) above 2^30 (too big for the word arithmetic). */
function primeAbove2To30(logN: number): number {
  const m = 2 ** (logN + 1);
  let q = 2 ** 30 + 1;
  while (!isPrime(q)) q += m;
  return q;
}

describe('createParameters: security bound (logN 12, 128 bits: log2(QP) <= 109)', () => {
  // Explicit primes (the largest NTT primes below 2^b): P one of 30 bits, Q of 30, 25 and `last` bits.
  // 30 + 30 + 25 + 24 = 109 less a few thousandths of a bit; with 25 instead of 24, about 110.
  const chain = (last: number): { Q: number[]; P: number[] } => {
    const ps = generateNttPrimes(12, [30, 30, 25, last]);
    return { P: [ps[0]], Q: ps.slice(1) };
  };

  it('the bound table has the published 128-bit values', () => {
    expect(maxLogQP(12, 128)).toBe(109);
    expect(maxLogQP(13, 128)).toBe(218);
    expect(maxLogQP(14, 128)).toBe(438);
    expect(maxLogQP(15, 128)).toBe(881);
    expect(MAX_LOG_QP[128][16]).toBe(1747);
    expect(securityLevelOf(12, 109)).toBe(128);
    expect(securityLevelOf(12, 109.0001)).toBe(0);
    expect(securityLevelOf(12, 75)).toBe(192);
    expect(securityLevelOf(12, 58)).toBe(256);
  });

  it('log2(QP) just below 109 is accepted without the opt-in', () => {
    const { Q, P } = chain(24);
    const logQP = log2Sum([...Q, ...P]);
    expect(logQP).toBeGreaterThan(108.99);
    expect(logQP).toBeLessThanOrEqual(109);
    const p = createParameters({ logN: 12, Q, P, logDefaultScale: 20 });
    expect(p.logQP).toBeCloseTo(logQP, 10);
    expect(p.securityLevel).toBe(128);
    expect(p.insecure).toBe(false);
    expect(p.Q).toEqual(Q);
    expect(p.P).toEqual(P);
    expect(p.maxLevel).toBe(2);
    expect(p.dnum).toBe(3); // digitSize defaults to |P| = 1
  });

  it('one bit above (log2(QP) ~ 110) is refused with InsecureParametersError, accepted with the opt-in', () => {
    const { Q, P } = chain(25);
    const logQP = log2Sum([...Q, ...P]);
    expect(logQP).toBeGreaterThan(109.99);
    expect(logQP).toBeLessThanOrEqual(110);
    insecure({ logN: 12, Q, P, logDefaultScale: 20 }, /^createParameters: log2\(QP\) = 109\.\d\d exceeds the 128-bit bound 109 for logN = 12/);
    const p = createParameters({ logN: 12, Q, P, logDefaultScale: 20, unsafeAllowInsecure: INSECURE_OPT_IN });
    expect(p.insecure).toBe(true);
    expect(p.securityLevel).toBe(0);
    expect(p.literal.unsafeAllowInsecure).toBe(INSECURE_OPT_IN);
  });

  it('the same with prime sizes (logQ / logP)', () => {
    // 30 + 30 + 25 + 24 bits: the primes are just below (or at most near) 2^b, so log2(QP) ~ 109.
    const ok = createParameters({ logN: 12, logQ: [30, 25, 24], logP: [30], logDefaultScale: 20 });
    expect(ok.logQP).toBeLessThanOrEqual(109);
    expect(ok.securityLevel).toBe(128);
    insecure({ logN: 12, logQ: [30, 25, 25], logP: [30], logDefaultScale: 20 });
  });

  it('a wrong opt-in string is refused (INVALID_PARAMETERS), even for otherwise secure parameters', () => {
    const { Q, P } = chain(25);
    const bad = 'I understand these parameters are not secure.';
    invalid({ logN: 12, Q, P, logDefaultScale: 20, unsafeAllowInsecure: bad }, /unsafeAllowInsecure must be exactly/);
    invalid({ logN: 12, Q, P, logDefaultScale: 20, unsafeAllowInsecure: 'yes' });
    invalid({ logN: 12, logQ: [30], logP: [30], logDefaultScale: 20, unsafeAllowInsecure: true });
    // The right string on secure parameters: accepted, and the parameters are not marked insecure.
    const p = createParameters({ logN: 12, logQ: [30], logP: [30], logDefaultScale: 20, unsafeAllowInsecure: INSECURE_OPT_IN });
    expect(p.insecure).toBe(false);
    expect(p.securityLevel).toBe(192); // log2(QP) ~ 60: above the 256-bit bound 58, below the 192-bit bound 75
  });

  it('a higher requested security level tightens the bound (192 bits at logN 12: 75)', () => {
    insecure({ logN: 12, logQ: [30, 30], logP: [30], logDefaultScale: 20, securityLevel: 192 }, /192-bit bound 75/);
    const p = createParameters({ logN: 12, logQ: [30], logP: [30], logDefaultScale: 20, securityLevel: 192 });
    expect(p.securityLevel).toBe(192);
    invalid({ logN: 12, logQ: [30], logP: [30], logDefaultScale: 20, securityLevel: 100 }, /securityLevel must be 128, 192 or 256/);
  });

  it('a ring degree without a published bound needs the opt-in', () => {
    insecure({ logN: 9, logQ: [20], logP: [20], logDefaultScale: 10 }, /no 128-bit bound is known for logN = 9/);
    const p = createParameters({ logN: 9, logQ: [20], logP: [20], logDefaultScale: 10, unsafeAllowInsecure: INSECURE_OPT_IN });
    expect(p.insecure).toBe(true);
  });
});

describe('createParameters: malformed literals (CkksError INVALID_PARAMETERS)', () => {
  const base = { logN: 12, logQ: [30, 30], logP: [30], logDefaultScale: 25 };

  it('the base literal is valid', () => {
    expect(createParameters(base).N).toBe(4096);
  });

  it('not an object', () => {
    invalid(null, /the literal must be an object/);
    invalid(undefined);
    invalid(12);
  });

  it('logN out of range or not an integer', () => {
    invalid({ ...base, logN: 3 }, /logN must be an integer in \[4, 17\], got 3/);
    invalid({ ...base, logN: 18 }, /logN must be an integer in \[4, 17\]/);
    invalid({ ...base, logN: 12.5 });
    invalid({ ...base, logN: '12' });
    invalid({ ...base, logN: undefined });
  });

  it('prime sizes out of range: above 30 bits, below logN + 2', () => {
    invalid({ ...base, logQ: [31, 30] }, /logQ\[0\] must be an integer in \[14, 30\], got 31/);
    invalid({ ...base, logP: [31] }, /logP\[0\]/);
    invalid({ ...base, logQ: [30, 13] }, /logQ\[1\]/);
    invalid({ ...base, logQ: [] }, /logQ must be a non-empty array/);
    invalid({ ...base, logQ: [30, 29.5] });
  });

  it('explicit primes: too big (above 2^30), not prime, not 1 mod 2N', () => {
    const [p0, q0, q1] = generateNttPrimes(12, [30, 30, 30]);
    expect(createParameters({ logN: 12, Q: [q0, q1], P: [p0], logDefaultScale: 25 }).Q).toEqual([q0, q1]);
    const big = primeAbove2To30(12);
    expect(big).toBeGreaterThan(2 ** 30);
    invalid({ logN: 12, Q: [q0, big], P: [p0], logDefaultScale: 25 });
    invalid({ logN: 12, Q: [q0, q1], P: [big], logDefaultScale: 25 });
    // Not prime: q1 - 2N is 1 mod 2N; take the next such candidate that is composite.
    let composite = q1 - 8192;
    while (isPrime(composite)) composite -= 8192;
    invalid({ logN: 12, Q: [q0, composite], P: [p0], logDefaultScale: 25 });
    invalid({ logN: 12, Q: [q0, q1 + 1], P: [p0], logDefaultScale: 25 }); // even
    // 7681 = 1 mod 512 but not 1 mod 8192: an NTT prime for small rings only.
    expect(isPrime(7681)).toBe(true);
    invalid({ logN: 12, Q: [q0, 7681], P: [p0], logDefaultScale: 25 });
    invalid({ logN: 12, Q: [], P: [p0], logDefaultScale: 25 }, /Q must be a non-empty array/);
  });

  it('duplicate primes, within Q or between Q and P', () => {
    const [p0, q0, q1] = generateNttPrimes(12, [30, 30, 30]);
    invalid({ logN: 12, Q: [q0, q0], P: [p0], logDefaultScale: 25 }, /must all be distinct/);
    invalid({ logN: 12, Q: [q0, q1], P: [q1], logDefaultScale: 25 }, /must all be distinct/);
    invalid({ logN: 12, Q: [q0, q1], P: [p0, p0], logDefaultScale: 25 }, /must all be distinct/);
  });

  it('Q and logQ (or P and logP): exactly one of each', () => {
    const [p0, q0] = generateNttPrimes(12, [30, 30]);
    invalid({ logN: 12, Q: [q0], logQ: [30], P: [p0], logDefaultScale: 25 }, /exactly one of Q/);
    invalid({ logN: 12, P: [p0], logDefaultScale: 25 }, /exactly one of Q/);
    invalid({ logN: 12, logQ: [30], logDefaultScale: 25 }, /exactly one of P/);
    invalid({ logN: 12, logQ: [30], logP: [30], P: [p0], logDefaultScale: 25 }, /exactly one of P/);
  });

  it('P not larger than a key-switching digit', () => {
    invalid({ ...base, logP: [25] }, /special modulus P \(\d+\.\d bits\) must exceed each key-switching digit/);
    invalid({ ...base, logN: 13, logQ: [30, 30, 30], logP: [30], digitSize: 2 }, /digit 0 has 60\.0 bits/);
    // Two special primes cover digits of two primes.
    expect(createParameters({ ...base, logN: 13, logQ: [30, 30, 30], logP: [30, 30], digitSize: 2 }).dnum).toBe(2);
    // P is the largest 30-bit prime, so explicit Q primes larger than P are refused.
    const [a, b] = generateNttPrimes(12, [30, 30]);
    invalid({ logN: 12, Q: [a], P: [b], logDefaultScale: 25 }, /must exceed each key-switching digit/);
  });

  it('digitSize, logSlots, logDefaultScale out of range', () => {
    invalid({ ...base, digitSize: 0 }, /digitSize must be an integer in \[1, 2\]/);
    invalid({ ...base, digitSize: 3 });
    invalid({ ...base, logSlots: 12 }, /logSlots must be an integer in \[0, 11\]/);
    invalid({ ...base, logSlots: -1 });
    invalid({ ...base, logDefaultScale: 0 }, /logDefaultScale must be a positive number below log2\(Q\)/);
    invalid({ ...base, logDefaultScale: 60 });
    invalid({ ...base, logDefaultScale: Number.NaN });
    expect(createParameters({ ...base, logSlots: 5 }).slots).toBe(32);
  });
});

describe('presets', () => {
  const names = Object.keys(PRESETS);

  it('lists the eleven presets', () => {
    expect(names.sort()).toEqual(
      [
        'PN11_TRAIN_BOOT_INSECURE',
        'PN12QP180_INSECURE',
        'PN12QP90_SEC128',
        'PN13QP210_SEC128',
        'PN14QP420_SEC128',
        'PN16QP1200_TRAIN_SEC128',
        'PN16QP690_TRAIN_SEC128',
        'PN16QP1530_TRAIN_BOOT_H192',
        'PN16QP1740_SEC128',
        'PN16QP1710_HP_SEC128',
        'PN16QP420_SEC128',
      ].sort(),
    );
  });

  it('the bootstrapping training preset is within the sparse-secret bound for h = 192 and the dense bound', () => {
    const p = createParameters(PRESETS.PN16QP1530_TRAIN_BOOT_H192);
    expect(p.insecure).toBe(false);
    expect(p.logQP).toBeLessThanOrEqual(maxLogQPSparse(16, 192) as number);
    expect(p.logQP).toBeLessThanOrEqual(maxLogQP(16, 128) as number);
    // 42 ciphertext primes: base 2, residual 13 (two 2-prime levels for Z), StC 3, EvalMod 18, CtS 6.
    expect(p.Q.length).toBe(42);
    expect(p.levelTops.slice(0, 12)).toEqual([1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 13, 14]);
  });

  it.each(names.filter((n) => n.endsWith('_SEC128')))('%s is accepted without the opt-in, at >= 128 bits', (name) => {
    const lit = PRESETS[name];
    expect(lit.unsafeAllowInsecure).toBeUndefined();
    const p = createParameters(lit);
    expect(p.securityLevel).toBeGreaterThanOrEqual(128);
    expect(p.insecure).toBe(false);
    expect(p.logQP).toBeLessThanOrEqual(maxLogQP(p.logN, 128) as number);
    // High-precision presets (levels of two primes) default to 2^60, the others to one prime's 2^30.
    expect(p.defaultScale).toBe(p.levelPrimes.some((k) => k > 1) ? 2 ** 60 : 2 ** 30);
    expect(p.Q.every((q) => q < 2 ** 30)).toBe(true);
    expect(p.P.every((q) => q < 2 ** 30)).toBe(true);
    // The name's QP figure is log2(QP) rounded.
    const qp = Number(/QP(\d+)/.exec(name)?.[1]);
    expect(Math.abs(p.logQP - qp)).toBeLessThan(10);
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.Q)).toBe(true);
  });

  it('PN12QP180_INSECURE requires its opt-in', () => {
    expect(PN12QP180_INSECURE.unsafeAllowInsecure).toBe(INSECURE_OPT_IN);
    const p = createParameters(PN12QP180_INSECURE);
    expect(p.insecure).toBe(true);
    expect(p.securityLevel).toBe(0);
    expect(p.logQP).toBeGreaterThan(109);
    const { unsafeAllowInsecure: _drop, ...withoutOptIn } = PN12QP180_INSECURE;
    insecure(withoutOptIn, /exceeds the 128-bit bound 109 for logN = 12/);
  });

  it('presets are frozen literals', () => {
    for (const name of names) expect(Object.isFrozen(PRESETS[name])).toBe(true);
    expect(Object.isFrozen(PRESETS)).toBe(true);
  });
});

describe('the 2024 HomomorphicEncryption.org table (ia.cr/2024/463) beside the enforced one', () => {
  it('holds the guidelines rows and reports against them; the enforced bounds are unchanged', async () => {
    const { MAX_LOG_QP_2024, securityLevelOf2024 } = await import('../../src/ckks/security.js');
    expect(MAX_LOG_QP_2024[128]).toEqual({ 11: 54, 12: 108, 13: 218, 14: 438, 15: 881, 16: 1777, 17: 3576 });
    expect(MAX_LOG_QP_2024[192][16]).toBe(1229);
    expect(MAX_LOG_QP_2024[256][17]).toBe(1918);
    // logN 12: 109 bits pass the enforced table, not the 2024 one.
    expect(securityLevelOf(12, 109)).toBe(128);
    expect(securityLevelOf2024(12, 109)).toBe(0);
    expect(securityLevelOf2024(12, 108)).toBe(128);
    // logN 16 and 17 (OpenFHE's rows enforced: 1747, 3523) are below the 2024 bounds.
    expect(securityLevelOf2024(16, 1747)).toBe(128);
    expect(securityLevelOf2024(17, 3523)).toBe(128);
    expect(MAX_LOG_QP[128][17]).toBe(3523);
    // No logN 10 row in the 2024 script.
    expect(securityLevelOf2024(10, 10)).toBe(0);
  });
});
