/**
 * The command refuses feature values the encrypted circuit cannot take
 * (issue 15, item 6), before any key is made or loaded and before anything
 * is encrypted: a CSV with one feature of 1e4 ends `hecnn train` and `hecnn
 * encrypt` with exit 2 and one line naming the row (it used to train with
 * exit 0 into a model unrelated to the plaintext one).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { KeyGenerator } from '../../src/ckks/index.js';
import { main } from '../../src/cli/hecnn.js';
import { DataOwner } from '../../src/mlr/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('hecnn: feature range decided before encryption', () => {
  let dir: string;
  const f = (name: string): string => join(dir, name);
  afterEach(() => vi.restoreAllMocks());
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hecnn-range-'));
    const lines = readFileSync(join(ROOT, 'data/mnist-regnet-x-400mf-first256.csv'), 'utf8').split('\n').filter((l) => /^\d/.test(l));
    const rows = lines.slice(0, 32).map((l) => l.split(',').slice(0, 101));
    rows[4][7] = '10000'; // row 5 of the file
    writeFileSync(f('big.csv'), rows.map((r) => r.join(',')).join('\n') + '\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (args: string[]): Promise<{ code: number; err: string }> => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const e = vi.spyOn(console, 'error').mockImplementation(() => {});
    const code = await main(args);
    return { code, err: e.mock.calls.flat().join('\n') };
  };

  it('train: exit 2, one line naming the row, no key generated', async () => {
    const gen = vi.spyOn(KeyGenerator.prototype, 'genSecretKey');
    const { code, err } = await run(['train', '--data', f('big.csv'), '--train-rows', '1:16', '--iterations', '1', '--threads', '1', '--no-mirror']);
    expect(code).toBe(2);
    expect(err.split('\n')).toHaveLength(1);
    expect(err).toMatch(/big\.csv:5: the features' absolute values add up to 1\.0\d\de\+4; .*scale the features down/);
    expect(gen).not.toHaveBeenCalled();
  });

  it('encrypt: exit 2, one line, the secret key never loaded', async () => {
    const load = vi.spyOn(DataOwner, 'fromSecretKey');
    writeFileSync(f('dummy.key'), new Uint8Array(16));
    const { code, err } = await run(['encrypt', '--secret-key', f('dummy.key'), '--data', f('big.csv'), '--train-rows', '3:10', '--out', f('u.bin')]);
    expect(code).toBe(2);
    expect(err.split('\n')).toHaveLength(1);
    expect(err).toMatch(/big\.csv:5:/);
    expect(load).not.toHaveBeenCalled();
  });
});
