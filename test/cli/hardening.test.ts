/**
 * Hardening of the `hecnn` command (issue 15, round two), at insecure test
 * parameters (logN 12, 8 + 2 primes: 7 levels) on a slice of the bundled data:
 *
 * - output paths are checked before any work starts: a missing directory, a
 *   file used as a directory, a directory as the output, an unwritable
 *   directory end in exit 2 and one line `hecnn: <path>: <what happened>`,
 *   never a stack trace, and nothing is left behind; a full device (ENOSPC)
 *   and a closed stdout (EPIPE) as well;
 * - keys, uploads and checkpoints are never overwritten without --force (and
 *   never by a report pointed at them); a key set is written all or nothing;
 * - a checkpoint whose class count differs from the test data's is refused
 *   before the secret key is loaded;
 * - `decrypt --share` rounds the exported weights to 2^-B;
 * - an allocation failure is one line and exit 2.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeSlice } from './spawn.js';
import { INSECURE_OPT_IN } from '../../src/ckks/index.js';
import { main } from '../../src/cli/hecnn.js';
import { DataOwner, buildDesign, decodeCheckpoint, decodeSecretKeyFile, encodeCheckpoint, parseCsv, selectRows } from '../../src/mlr/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const LITERAL = { logN: 12, logQ: new Array<number>(8).fill(30), logP: [30, 30], logDefaultScale: 30 };
const SMALL = { ...LITERAL, logQ: new Array<number>(7).fill(30) }; // 6 levels: the least keygen accepts
const FEATURES = 100;
const insecure = '--allow-insecure';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run `hecnn args` in its own process (closeStdout: the reader of stdout goes away at once, as `| head -0` would). */
function hecnn(args: string[], opts: { closeStdout?: boolean; uid?: number; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const ids = opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.uid };
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/hecnn.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...ids });
    let stdout = '';
    let stderr = '';
    if (opts.closeStdout === true) child.stdout.destroy();
    else child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Exit 2, exactly one line on stderr, no stack trace. */
function expectOneLineRefusal(r: Run, re: RegExp): void {
  expect(r.signal).toBe(null);
  expect(r.stderr).not.toMatch(/^ {4}at /m);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(re);
  expect(r.code).toBe(2);
}

describe('hecnn hardening', () => {
  let dir: string;
  let csv: string;
  const f = (name: string): string => join(dir, name);
  const tempsIn = (d: string): string[] => readdirSync(d).filter((n) => n.includes('.tmp-'));
  const quiet = (): void => {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
  };
  const errorsOf = (): string => (console.error as unknown as { mock: { calls: unknown[][] } }).mock.calls.flat().join('\n');
  afterEach(() => vi.restoreAllMocks());

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hecnn-hard-'));
    csv = f('slice.csv');
    writeSlice(csv, 32, FEATURES);
    quiet();
    expect(await main(['keygen', '--params', JSON.stringify(LITERAL), insecure, '--width', '64', '--out', f('keys')])).toBe(0);
    expect(await main(['encrypt', '--secret-key', f('keys/secret.key'), '--data', csv, '--train-rows', '1:16', '--out', f('upload.bin'), insecure])).toBe(0);
    expect(await main(['train', '--keys', f('keys/eval.keys'), '--upload', f('upload.bin'), '--checkpoint', f('cp.bin'), '--iterations', '1', '--threads', '1', insecure])).toBe(0);
    vi.restoreAllMocks();
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('output paths are checked before the work starts: exit 2, one line, no stack trace, nothing left behind', () => {
    it('decrypt --out in a missing directory (ENOENT), under a file (ENOTDIR), --json a directory', async () => {
      const base = ['decrypt', '--secret-key', f('keys/secret.key'), '--checkpoint', f('cp.bin'), insecure];
      const missing = await hecnn([...base, '--out', f('missing/w.csv')]);
      expectOneLineRefusal(missing, new RegExp(`^hecnn: ${f('missing/w.csv')}: .*(no such file or directory|does not exist)`));
      expect(missing.stdout).toBe(''); // refused before the checkpoint was decrypted
      const notDir = await hecnn([...base, '--out', join(csv, 'w.csv')]);
      expectOneLineRefusal(notDir, new RegExp(`^hecnn: ${join(csv, 'w.csv')}: .*not a directory`));
      const isDir = await hecnn([...base, '--json', f('keys')]);
      expectOneLineRefusal(isDir, new RegExp(`^hecnn: ${f('keys')}: .*is a directory`));
      expect(existsSync(f('missing'))).toBe(false);
      expect(tempsIn(dir)).toEqual([]);
    });

    it('train --json / --plot in a bad place: refused before the data is read and the keys are made', async () => {
      // The default preset (N = 2^16): the work would take minutes; the refusal must come first.
      const base = ['train', '--data', csv, '--train-rows', '1:16', '--test-rows', '17:32', '--iterations', '1', '--threads', '1'];
      const json = await hecnn([...base, '--json', f('missing/report.json')]);
      expectOneLineRefusal(json, new RegExp(`^hecnn: ${f('missing/report.json')}: `));
      expect(json.stdout).toBe('');
      const plot = await hecnn([...base, '--plot', join(csv, 'plot.svg')]);
      expectOneLineRefusal(plot, new RegExp(`^hecnn: ${join(csv, 'plot.svg')}: .*not a directory`));
      expect(plot.stdout).toBe('');
    });

    it('keygen --out /proc/... ends at once (no mkdir loop)', async () => {
      const t0 = Date.now();
      const r = await hecnn(['keygen', '--params', JSON.stringify(SMALL), insecure, '--width', '64', '--out', '/proc/hecnn-no-such-dir/keys'], { timeoutMs: 30_000 });
      expectOneLineRefusal(r, /^hecnn: \/proc\/hecnn-no-such-dir/);
      expect(Date.now() - t0).toBeLessThan(30_000);
    });

    it('keygen --out in a directory without write permission (EACCES): nothing generated, nothing written', async () => {
      const ro = f('readonly');
      mkdirSync(ro);
      chmodSync(ro, 0o555);
      // root ignores permission bits: run the command as nobody then (65534).
      const asRoot = process.getuid?.() === 0;
      if (asRoot) chmodSync(dir, 0o755);
      const r = await hecnn(['keygen', '--params', JSON.stringify(SMALL), insecure, '--width', '64', '--out', join(ro, 'keys')], asRoot ? { uid: 65534 } : {});
      expectOneLineRefusal(r, new RegExp(`^hecnn: ${join(ro, 'keys')}: .*permission denied`));
      expect(r.stdout).toBe('');
      expect(readdirSync(ro)).toEqual([]);
    });

    it('decrypt --out /dev/full (ENOSPC): exit 2, one line, the device is left alone', async () => {
      const r = await hecnn(['decrypt', '--secret-key', f('keys/secret.key'), '--checkpoint', f('cp.bin'), '--out', '/dev/full', insecure]);
      expectOneLineRefusal(r, /^hecnn: \/dev\/full: no space left on device/);
      expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
    });

    it('a closed stdout (EPIPE, as in `hecnn ... | head -0`) ends the process quietly: no stack trace, nothing on stderr', async () => {
      for (const args of [['--help'], ['decrypt', '--secret-key', f('keys/secret.key'), '--checkpoint', f('cp.bin'), insecure]]) {
        const r = await hecnn(args, { closeStdout: true });
        expect(r.stderr, args.join(' ')).toBe('');
        expect(r.code === 0 || r.code === 141, `${args.join(' ')}: exit ${r.code}`).toBe(true);
      }
    });

    it('an allocation failure in keygen (RangeError: Array buffer allocation failed): exit 2, one line, nothing written', async () => {
      quiet();
      vi.spyOn(DataOwner.prototype, 'evaluationKeys').mockImplementation(() => {
        throw new RangeError('Array buffer allocation failed');
      });
      expect(await main(['keygen', '--params', JSON.stringify(SMALL), insecure, '--width', '64', '--out', f('oom')])).toBe(2);
      expect(errorsOf()).toMatch(/^hecnn: out of memory/);
      expect(errorsOf().split('\n')).toHaveLength(1);
      expect(existsSync(f('oom'))).toBe(false);
    });
  });

  describe('keys, uploads and checkpoints are not overwritten without --force', () => {
    it('keygen refuses a directory that already holds a key set; --force replaces it', async () => {
      quiet();
      const k = f('keys-small');
      expect(await main(['keygen', '--params', JSON.stringify(SMALL), insecure, '--width', '64', '--out', k])).toBe(0);
      const before = readFileSync(join(k, 'secret.key'));
      expect(await main(['keygen', '--params', JSON.stringify(SMALL), insecure, '--width', '64', '--out', k])).toBe(2);
      expect(errorsOf()).toMatch(/secret\.key.*exists.*--force/);
      expect(readFileSync(join(k, 'secret.key')).equals(before)).toBe(true);
      expect(await main(['keygen', '--params', JSON.stringify(SMALL), insecure, '--width', '64', '--out', k, '--force'])).toBe(0);
      expect(readFileSync(join(k, 'secret.key')).equals(before)).toBe(false);
      expect(statSync(join(k, 'secret.key')).mode & 0o777).toBe(0o600);
      expect(tempsIn(k)).toEqual([]);
    });

    it('keygen writes the key set all or nothing: eval.keys unwritable means no secret.key either', async () => {
      quiet();
      const k = f('keys-half');
      mkdirSync(join(k, 'eval.keys'), { recursive: true });
      writeFileSync(join(k, 'eval.keys', 'x'), 'x');
      expect(await main(['keygen', '--params', JSON.stringify(SMALL), insecure, '--width', '64', '--out', k])).toBe(2);
      expect(existsSync(join(k, 'secret.key'))).toBe(false);
      expect(tempsIn(k)).toEqual([]);
    });

    it('encrypt --out and decrypt --out/--json refuse the secret key, the upload and the checkpoint', async () => {
      quiet();
      const sk = readFileSync(f('keys/secret.key'));
      const up = readFileSync(f('upload.bin'));
      const cp = readFileSync(f('cp.bin'));
      const enc = ['encrypt', '--secret-key', f('keys/secret.key'), '--data', csv, '--train-rows', '1:16', insecure];
      expect(await main([...enc, '--out', f('keys/secret.key')])).toBe(2);
      expect(await main([...enc, '--out', f('upload.bin')])).toBe(2);
      expect(await main([...enc, '--out', f('cp.bin')])).toBe(2);
      const dec = ['decrypt', '--secret-key', f('keys/secret.key'), '--checkpoint', f('cp.bin'), insecure];
      expect(await main([...dec, '--out', f('keys/secret.key')])).toBe(2);
      expect(await main([...dec, '--out', f('cp.bin')])).toBe(2);
      expect(await main([...dec, '--json', f('upload.bin')])).toBe(2);
      expect(await main([...dec, '--data', csv, '--test-rows', '17:32', '--out', csv])).toBe(2); // an input file
      expect(errorsOf()).toMatch(/--force/);
      expect(readFileSync(f('keys/secret.key')).equals(sk)).toBe(true);
      expect(readFileSync(f('upload.bin')).equals(up)).toBe(true);
      expect(readFileSync(f('cp.bin')).equals(cp)).toBe(true);
      // An ordinary report file is replaced as before; an upload with --force.
      writeFileSync(f('old.csv'), 'old\n');
      expect(await main([...dec, '--out', f('old.csv')])).toBe(0);
      expect(readFileSync(f('old.csv'), 'utf8')).not.toBe('old\n');
      expect(await main([...enc, '--out', f('upload2.bin')])).toBe(0);
      expect(await main([...enc, '--out', f('upload2.bin'), '--force'])).toBe(0);
    });
  });

  it('decrypt: a checkpoint of 9 classes against test data with label 9 is refused before the secret key is loaded', async () => {
    quiet();
    const { params, sk, plan } = decodeSecretKeyFile(readFileSync(f('keys/secret.key')), { unsafeAllowInsecure: INSECURE_OPT_IN });
    const owner = DataOwner.fromSecretKey(params, sk);
    const tr = buildDesign(selectRows(parseCsv(readFileSync(csv, 'utf8')), 0, 16));
    const up = owner.encryptDataset(tr.X, { rows: 16, cols: 9, data: new Float64Array(16 * 9) }, { width: plan.width });
    owner.wipe();
    const W = Array.from({ length: 5 }, () => [up.W0, up.W0]);
    writeFileSync(f('k9.bin'), encodeCheckpoint(params, { keyId: plan.keyId, uploadDigest: new Uint8Array(32), shape: up.shape, width: up.width, iteration: 0, refreshes: 0, maxIterations: 1, needsRefresh: false, weights: { W, V: W } }));
    const load = vi.spyOn(DataOwner, 'fromSecretKey');
    expect(await main(['decrypt', '--secret-key', f('keys/secret.key'), '--checkpoint', f('k9.bin'), '--data', csv, '--test-rows', '17:32', insecure])).toBe(2);
    expect(errorsOf()).toMatch(/label 9.*9 classes|9 classes.*label 9/);
    expect(load).not.toHaveBeenCalled();
  });

  it('decrypt --share rounds the exported weights to multiples of 2^-B (default B = 16); a bad B is refused', async () => {
    quiet();
    const dec = ['decrypt', '--secret-key', f('keys/secret.key'), '--checkpoint', f('cp.bin'), insecure];
    expect(await main([...dec, '--out', f('exact.json')])).toBe(0);
    expect(await main([...dec, '--out', f('shared16.json'), '--share'])).toBe(0);
    expect(await main([...dec, '--out', f('shared8.csv'), '--share-bits', '8'])).toBe(0);
    const exact = (JSON.parse(readFileSync(f('exact.json'), 'utf8')) as { weights: number[][] }).weights.flat();
    const s16 = (JSON.parse(readFileSync(f('shared16.json'), 'utf8')) as { weights: number[][]; sharedBits: number }) ;
    const s8 = readFileSync(f('shared8.csv'), 'utf8').trim().split('\n').flatMap((l) => l.split(',').map(Number));
    expect(s16.sharedBits).toBe(16);
    expect(exact.some((x) => !Number.isInteger(x * 2 ** 16))).toBe(true); // the full weights carry low-order bits
    for (const [vals, b] of [[s16.weights.flat(), 16], [s8, 8]] as const) {
      expect(vals.length).toBe(exact.length);
      vals.forEach((x, i) => {
        expect(Number.isInteger(x * 2 ** b)).toBe(true);
        expect(Math.abs(x - exact[i])).toBeLessThanOrEqual(2 ** -(b + 1));
      });
    }
    for (const bad of ['0', '53', '2.5', 'x']) expect(await main([...dec, '--out', f('bad.csv'), '--share-bits', bad])).toBe(2);
    expect(existsSync(f('bad.csv'))).toBe(false);
    expect(decodeCheckpoint(readFileSync(f('cp.bin')), { unsafeAllowInsecure: INSECURE_OPT_IN }).checkpoint.iteration).toBe(1);
  });
});
