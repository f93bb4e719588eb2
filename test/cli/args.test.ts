/**
 * The `hecnn` argument parsing (src/cli/args.ts): strict option tables, a
 * refusal naming the flag and what was expected with the usage line, and the
 * usage error as a member of the library's error family.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HecnnError } from '../../src/core/errors.js';
import { UsageError, parseOptions, parsePositiveInt, parsePreset, parseRange, parseThreads } from '../../src/cli/args.js';
import { main } from '../../src/cli/hecnn.js';
import { trainOptions } from '../../src/cli/train.js';

const TABLE = { out: { type: 'string' }, width: { type: 'string' }, 'allow-insecure': { type: 'boolean' } } as const;
const USAGE = 'hecnn demo --out DIR [--width W] [--allow-insecure]';

/** The UsageError thrown by f. */
function refusal(f: () => unknown): UsageError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('no error thrown');
}

describe('parseOptions', () => {
  it('reads strings and switches, --name value and --name=value; the last repeated flag wins', () => {
    expect(parseOptions(['--out', 'a', '--allow-insecure', '--width=4'], TABLE, USAGE)).toEqual({ out: 'a', 'allow-insecure': true, width: '4' });
    expect(parseOptions(['--out', 'a', '--out', 'b'], TABLE, USAGE)).toEqual({ out: 'b' });
    expect(parseOptions([], TABLE, USAGE)).toEqual({});
  });

  it('-h and --help mean help, also after other options and before a refused one', () => {
    expect(parseOptions(['-h'], TABLE, USAGE)).toBe('help');
    expect(parseOptions(['--out', 'a', '--help'], TABLE, USAGE)).toBe('help');
    expect(parseOptions(['--help', '--bogus'], TABLE, USAGE)).toBe('help');
  });

  const refused: [string[], RegExp][] = [
    [['--bogus'], /^hecnn: unknown option --bogus; usage: hecnn demo /],
    [['--bogus', '--help'], /unknown option --bogus/],
    [['-x'], /unknown option -x/],
    [['stray'], /unexpected argument stray/],
    [['--', 'stray'], /unexpected argument stray/],
    [['--out'], /--out needs a value; usage:/],
    [['--out', '--width', '4'], /--out needs a value, got the option-like --width/],
    [['--allow-insecure=yes'], /--allow-insecure is a switch and takes no value/],
  ];
  for (const [argv, re] of refused) {
    it(`refuses ${JSON.stringify(argv)} with the flag, what was expected and the usage line`, () => {
      const e = refusal(() => parseOptions(argv, TABLE, USAGE));
      expect(e.message).toMatch(re);
      expect(e.message).toContain(`usage: ${USAGE}`);
      expect(e.message).not.toContain('\n');
    });
  }

  it('an option-like value is accepted in the --name=value form', () => {
    expect(parseOptions(['--out=-dir'], TABLE, USAGE)).toEqual({ out: '-dir' });
  });
});

describe('value checks', () => {
  it('ranges, positive integers, threads and presets', () => {
    expect(parseRange('--train-rows', '2:5')).toEqual([2, 5]);
    expect(refusal(() => parseRange('--train-rows', '5:2')).message).toBe('hecnn: --train-rows: need 1 <= A <= B, got 5:2');
    expect(refusal(() => parseRange('--train-rows', 'x')).message).toBe('hecnn: --train-rows takes A:B (1-based, inclusive), got x');
    expect(parsePositiveInt('--iterations', '7')).toBe(7);
    for (const bad of ['0', '-1', '1.5', 'abc', '']) expect(refusal(() => parsePositiveInt('--iterations', bad)).message).toMatch(/--iterations takes a positive integer/);
    expect(parseThreads('3')).toBe(3);
    expect(parseThreads(undefined)).toBeGreaterThanOrEqual(1);
    expect(refusal(() => parseThreads('65')).message).toMatch(/--threads takes an integer in 1\.\.64, got 65/);
    expect(parsePreset('PN12QP90_SEC128')).toBe('PN12QP90_SEC128');
    for (const bad of ['NOPE', 'toString', '__proto__']) expect(refusal(() => parsePreset(bad)).message).toMatch(/unknown preset/);
  });
});

describe('UsageError in the error family', () => {
  it('is an HecnnError with code USAGE and op hecnn', () => {
    const e = new UsageError('--out is required');
    expect(e).toBeInstanceOf(HecnnError);
    expect(e).toBeInstanceOf(Error);
    expect([e.code, e.op, e.name, e.message]).toEqual(['USAGE', 'hecnn', 'UsageError', 'hecnn: --out is required']);
  });
});

describe('main: bad command lines', () => {
  let errors: string[];
  beforeEach(() => {
    errors = [];
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
      errors.push(a.join(' '));
    });
    vi.spyOn(console, 'log').mockImplementation(() => {});
  });
  afterEach(() => vi.restoreAllMocks());

  const cases: [string[], string][] = [
    [['frobnicate'], 'hecnn: unknown command frobnicate (try: hecnn --help)'],
    [['keygen'], 'hecnn: --out is required'],
    [['keygen', '--out', 'x', '--preset', 'A', '--params', '{}'], 'hecnn: give --preset or --params, not both'],
    [['refresh', '--checkpoint', '/nonexistent/cp.bin'], 'hecnn: cannot read /nonexistent/cp.bin: '],
    [['decrypt', '--bogus'], 'hecnn: unknown option --bogus; usage: hecnn decrypt '],
    [['train', '--keys', 'k', '--upload', 'u', '--checkpoint', 'c', '--threads', '0'], 'hecnn: --threads takes an integer in 1..64, got 0'],
  ];
  for (const [argv, message] of cases) {
    it(`${JSON.stringify(argv)}: exit 2, one line`, async () => {
      expect(await main(argv)).toBe(2);
      expect(errors.length).toBe(1);
      expect(errors[0].startsWith(message)).toBe(true);
      expect(errors[0]).not.toContain('\n');
    });
  }

  it('help: exit 0 (exit 2 without a command)', async () => {
    for (const argv of [['--help'], ['-h'], ['train', '--help'], ['keygen', '-h'], ['train', '--keys', 'k', '--help']]) expect(await main(argv)).toBe(0);
    expect(await main([])).toBe(2);
    expect(errors).toEqual([]);
  });
});

describe('hecnn train: the default test rows of the bundled data', () => {
  const rows = (argv: string[]) => {
    const o = trainOptions(argv);
    if (o === 'help') throw new Error('help');
    return o.testRows;
  };
  it('rows 129:256 while the training stops before them, none (training metrics) once it reaches them', () => {
    expect(rows([])).toEqual([129, 256]);
    expect(rows(['--train-rows', '1:128'])).toEqual([129, 256]);
    expect(rows(['--train-rows', '1:256'])).toBeUndefined();
    expect(rows(['--train-rows', '100:200'])).toBeUndefined();
    expect(rows(['--train-rows', '1:256', '--test-rows', '1:10'])).toEqual([1, 10]);
  });
});
