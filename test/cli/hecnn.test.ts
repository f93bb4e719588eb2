/**
 * The `hecnn` command's input handling: bad files end in a message naming the
 * file, the line and the problem, exit code 2, and nothing written.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/hecnn.js';

describe('hecnn train: bad input', () => {
  let dir: string;
  let errors: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hecnn-'));
    errors = [];
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
      errors.push(a.join(' '));
    });
    vi.spyOn(console, 'log').mockImplementation(() => {});
  });
  afterEach(() => vi.restoreAllMocks());

  const cases: [string, string, RegExp][] = [
    ['ragged.csv', '1,0.5,0.25\n2,0.5\n', /ragged\.csv:2.*(cells|columns|ragged)/i],
    ['nonnumeric.csv', '1,0.5,0.25\n2,abc,0.1\n', /nonnumeric\.csv:2/],
    ['nan.csv', '1,0.5,0.25\n2,NaN,0.1\n', /nan\.csv:2/],
    ['label.csv', '1,0.5,0.25\n12,0.5,0.1\n', /label\.csv:2.*label/i],
    ['empty.csv', '', /empty\.csv.*empty/i],
  ];
  for (const [name, text, re] of cases) {
    it(`${name}: exit 2, a message naming file and line, no report written`, async () => {
      const file = join(dir, name);
      writeFileSync(file, text);
      const json = join(dir, 'out.json');
      const svg = join(dir, 'out.svg');
      const code = await main(['train', '--data', file, '--train-rows', '1:2', '--json', json, '--plot', svg]);
      expect(code).toBe(2);
      expect(errors.join('\n')).toMatch(re);
      expect(existsSync(json)).toBe(false);
      expect(existsSync(svg)).toBe(false);
    });
  }

  it('a preset without enough levels for one iteration: exit 2 naming the levels', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => `${i % 10},0.5,0.25`).join('\n');
    const file = join(dir, 'big.csv');
    writeFileSync(file, rows);
    const code = await main(['train', '--data', file, '--train-rows', '1:300', '--preset', 'PN12QP90_SEC128', '--iterations', '1']);
    expect(code).toBe(2);
    expect(errors.join('\n')).toMatch(/levels/);
  });

  it('unknown options and presets: exit 2', async () => {
    expect(await main(['train', '--bogus'])).toBe(2);
    expect(await main(['train', '--preset', 'NOPE'])).toBe(2);
    expect(await main(['train', '--train-rows', '5:2'])).toBe(2);
    expect(await main(['frobnicate'])).toBe(2);
  });
});
