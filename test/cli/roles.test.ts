/**
 * The owner and the server as separate processes (`node --import tsx
 * src/cli/hecnn.ts ...`) over files in a temporary directory, at insecure test
 * parameters (logN 12, 12 + 4 primes of 30 bits: 11 levels, so the levels run
 * out every 2 iterations) on a slice of the bundled data (rows 1-16 to train,
 * 17-32 to test, the first 100 features):
 *
 *   keygen -> encrypt -> train (exit 3: needs refresh) -> refresh -> train --resume -> decrypt
 *
 * The model must match the in-process trainer on the same data and options.
 * Encryption is randomized, so the two runs differ by CKKS noise only: the
 * encrypted trainer stays within 1e-3 of the plaintext mirror at these sizes
 * (test/mlr/encrypted.test.ts; measured here about 1e-5), so two runs agree
 * to 1e-3 as well, and their predictions are the same.
 *
 * The server's evaluation uses no randomness (only the owner encrypts), so a
 * server killed with SIGKILL in the middle of an iteration and resumed from
 * its last checkpoint writes the same checkpoint, bit for bit, as a run that
 * was never interrupted.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ROOT, hecnn, writeSlice } from './spawn.js';
import { Evaluator, INSECURE_OPT_IN, KeyGenerator, PN12QP180_INSECURE, SecretKey, createParameters, randomSeed } from '../../src/ckks/index.js';
import { EXIT_NEEDS_REFRESH, main } from '../../src/cli/hecnn.js';
import {
  DataOwner,
  EncryptedTrainer,
  KEY_ID_BYTES,
  PlainTrainerState,
  buildDesign,
  decodeCheckpoint,
  encodeEvaluationKeysFile,
  encodeSecretKeyFile,
  generateSigningKey,
  parseCsv,
  predict,
  selectRows,
  trainingLayout,
} from '../../src/mlr/index.js';

const LITERAL = { logN: 12, logQ: new Array<number>(12).fill(30), logP: [30, 30, 30, 30], logDefaultScale: 30 };
const WIDTH = 64;
const ITERATIONS = 3;
const FEATURES = 100;


describe('hecnn owner and server as separate processes', () => {
  let dir: string;
  let csv: string;
  const f = (name: string): string => join(dir, name);
  const insecure = '--allow-insecure';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hecnn-roles-'));
    // Rows 1-32 of the bundled data, label and the first 100 features.
    csv = f('slice.csv');
    writeSlice(csv, 32, FEATURES);
    const kg = await hecnn(['keygen', '--params', JSON.stringify(LITERAL), insecure, '--width', String(WIDTH), '--out', f('keys')]);
    expect(kg.stderr).toBe('');
    expect(kg.code).toBe(0);
    const en = await hecnn(['encrypt', '--secret-key', f('keys/secret.key'), '--data', csv, '--train-rows', '1:16', '--out', f('upload.bin'), insecure]);
    expect(en.stderr).toBe('');
    expect(en.code).toBe(0);
    expect(en.stdout).toMatch(/upload .*: [\d.]+ MB \(seeded; [\d.]+ MB with every ciphertext in full\)/);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keygen writes a secret-key file (mode 0600) and an evaluation-key file', () => {
    expect(existsSync(f('keys/secret.key'))).toBe(true);
    expect(existsSync(f('keys/eval.keys'))).toBe(true);
    expect(statSync(f('keys/secret.key')).mode & 0o777).toBe(0o600);
  });

  it('the server refuses the secret-key file: exit 2, a clear message, no checkpoint', async () => {
    const r = await hecnn(['train', '--keys', f('keys/secret.key'), '--upload', f('upload.bin'), '--checkpoint', f('refused.bin'), insecure]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/secret-key file: the server refuses it/);
    expect(existsSync(f('refused.bin'))).toBe(false);
  });

  it('train (exit 3 when the levels run out), refresh, train --resume, decrypt: the model of the in-process trainer', async () => {
    const t1 = await hecnn(['train', '--keys', f('keys/eval.keys'), '--upload', f('upload.bin'), '--checkpoint', f('cp.bin'), '--iterations', String(ITERATIONS), insecure]);
    expect(t1.stderr).toBe('');
    expect(t1.code).toBe(EXIT_NEEDS_REFRESH);
    expect(t1.stdout).toMatch(/iteration 2: .*checkpoint written/);
    copyFileSync(f('cp.bin'), f('uninterrupted.bin')); // for the crash test
    const opts = { unsafeAllowInsecure: INSECURE_OPT_IN } as const;
    const c1 = decodeCheckpoint(readFileSync(f('cp.bin')), opts).checkpoint;
    expect([c1.iteration, c1.refreshes, c1.needsRefresh]).toEqual([2, 0, true]);
    // Resuming before the refresh: still exit 3.
    const early = await hecnn(['train', '--keys', f('keys/eval.keys'), '--upload', f('upload.bin'), '--checkpoint', f('cp.bin'), '--resume', insecure]);
    expect(early.code).toBe(EXIT_NEEDS_REFRESH);
    expect(early.stdout).toMatch(/still needs a refresh/);

    const rf = await hecnn(['refresh', '--secret-key', f('keys/secret.key'), '--checkpoint', f('cp.bin'), insecure]);
    expect(rf.stderr).toBe('');
    expect(rf.code).toBe(0);
    const c2 = decodeCheckpoint(readFileSync(f('cp.bin')), opts).checkpoint;
    expect([c2.iteration, c2.refreshes, c2.needsRefresh]).toEqual([2, 1, false]);

    const t2 = await hecnn(['train', '--keys', f('keys/eval.keys'), '--upload', f('upload.bin'), '--checkpoint', f('cp.bin'), '--resume', insecure]);
    expect(t2.stderr).toBe('');
    expect(t2.code).toBe(0);
    expect(t2.stdout).toMatch(/all 3 iterations done/);

    const dc = await hecnn(['decrypt', '--secret-key', f('keys/secret.key'), '--checkpoint', f('cp.bin'), '--data', csv, '--test-rows', '17:32', '--out', f('w.json'), '--json', f('report.json'), insecure]);
    expect(dc.stderr).toBe('');
    expect(dc.code).toBe(0);
    expect(dc.stdout).toMatch(/test: 16 samples, accuracy [\d.]+%/);
    const model = JSON.parse(readFileSync(f('w.json'), 'utf8')) as { classes: number; columns: number; iteration: number; refreshes: number; weights: number[][] };
    expect([model.classes, model.columns, model.iteration, model.refreshes]).toEqual([10, FEATURES + 1, 3, 1]);
    const Wcli = Float64Array.from(model.weights.flat());

    // The in-process trainer (owner and server in this process), same data and options.
    const all = parseCsv(readFileSync(csv, 'utf8'), { source: csv });
    const tr = buildDesign(selectRows(all, 0, 16));
    const te = buildDesign(selectRows(all, 16, 32));
    const params = createParameters({ ...LITERAL, unsafeAllowInsecure: INSECURE_OPT_IN });
    const owner = new DataOwner(params);
    const upload = owner.encryptDataset(tr.X, tr.Y, { width: WIDTH });
    const layout = trainingLayout(params, upload.shape, WIDTH);
    const trainer = new EncryptedTrainer(new Evaluator(params, owner.evaluationKeys(layout)), upload, owner, { maxIterations: ITERATIONS });
    const mirror = new PlainTrainerState(tr.X, tr.Y, { method: 'SigmoidNAGQG', sigmoid: 'poly3', w0: 0.0128 });
    let m = mirror.step();
    for (let i = 0; i < ITERATIONS; i++) trainer.step();
    for (let i = 1; i < ITERATIONS; i++) m = mirror.step();
    expect(trainer.refreshes).toBe(1);
    const Win = owner.decryptWeights(trainer.weights.W).data;
    owner.wipe();
    const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
      let d = 0;
      for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
      return d;
    };
    expect(Wcli.length).toBe(Win.length);
    expect(maxDiff(Wcli, Win)).toBeLessThan(1e-3);
    expect(maxDiff(Wcli, m.W)).toBeLessThan(1e-3);
    expect(maxDiff(Win, m.W)).toBeLessThan(1e-3);
    for (const d of [tr, te]) expect(Array.from(predict(d.X, Wcli))).toEqual(Array.from(predict(d.X, Win)));
    const report = JSON.parse(readFileSync(f('report.json'), 'utf8')) as { predictions: number[] };
    expect(report.predictions).toEqual(Array.from(predict(te.X, Win)));
    console.log(`roles: max |W_cli - W_in-process| = ${maxDiff(Wcli, Win).toExponential(2)}, max |W_cli - mirror| = ${maxDiff(Wcli, m.W).toExponential(2)}`);
  });

  it('SIGKILL mid-iteration, then --resume: the same checkpoint, bit for bit, as the uninterrupted run', async () => {
    expect(existsSync(f('uninterrupted.bin'))).toBe(true);
    let killedAt = '';
    const killed = await hecnn(['train', '--keys', f('keys/eval.keys'), '--upload', f('upload.bin'), '--checkpoint', f('crash.bin'), '--iterations', String(ITERATIONS), insecure], (line, child) => {
      // Iteration 1 and its checkpoint are done; iteration 2 runs (about 1.5 s): kill it a little later.
      if (line === 'iteration 2: started') {
        killedAt = line;
        setTimeout(() => child.kill('SIGKILL'), 300);
      }
    });
    expect(killedAt).toBe('iteration 2: started');
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stdout).not.toMatch(/iteration 2: .*checkpoint written/);
    const opts = { unsafeAllowInsecure: INSECURE_OPT_IN } as const;
    const atKill = decodeCheckpoint(readFileSync(f('crash.bin')), opts).checkpoint;
    expect([atKill.iteration, atKill.needsRefresh]).toEqual([1, false]); // the last complete checkpoint, intact
    const resumed = await hecnn(['train', '--keys', f('keys/eval.keys'), '--upload', f('upload.bin'), '--checkpoint', f('crash.bin'), '--resume', insecure]);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(EXIT_NEEDS_REFRESH);
    expect(resumed.stdout).toMatch(/iteration 2: .*checkpoint written/);
    const a = readFileSync(f('crash.bin'));
    const b = readFileSync(f('uninterrupted.bin'));
    expect(a.length).toBe(b.length);
    expect(a.equals(b)).toBe(true);
    // Only complete files are left behind under the checkpoint's name (a temporary file may remain, never the checkpoint half-written).
    expect(readdirSync(dir).filter((n) => n.startsWith('crash.bin') && !n.startsWith('crash.bin.tmp-'))).toEqual(['crash.bin']);
  });

  it('parameters too short for one iteration: keygen refuses them before any key is made; the server exits 2 naming the levels, not 3', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await main(['keygen', '--preset', 'PN12QP180_INSECURE', insecure, '--width', '64', '--out', f('short')])).toBe(2);
      expect(err.mock.calls.flat().join('\n')).toMatch(/3 levels; training needs at least 6 levels/);
      expect(existsSync(f('short/secret.key'))).toBe(false);
      // A key set made by other means (the library, as keygen does) still meets the server's own check.
      const params = createParameters(PN12QP180_INSECURE);
      const sk = new KeyGenerator(params).genSecretKey();
      const owner = DataOwner.fromSecretKey(params, sk);
      const plan = { keyId: randomSeed().slice(0, KEY_ID_BYTES), width: 64, signingKey: generateSigningKey() };
      mkdirSync(f('short'), { recursive: true });
      writeFileSync(f('short/eval.keys'), encodeEvaluationKeysFile(params, owner.evaluationKeys(trainingLayout(params, { n: 1, d: 64, K: 1 }, 64)), plan));
      writeFileSync(f('short/secret.key'), encodeSecretKeyFile(params, sk, plan), { mode: 0o600 });
      expect(await main(['encrypt', '--secret-key', f('short/secret.key'), '--data', csv, '--train-rows', '1:16', '--out', f('short/u.bin'), insecure])).toBe(0);
      expect(await main(['train', '--keys', f('short/eval.keys'), '--upload', f('short/u.bin'), '--checkpoint', f('short/c.bin'), insecure])).toBe(2);
      expect(err.mock.calls.flat().join('\n')).toMatch(/3 levels; one iteration needs 6/);
      expect(existsSync(f('short/c.bin'))).toBe(false);
      // Without the opt-in, test parameters are refused (keygen and every loader).
      expect(await main(['keygen', '--preset', 'PN12QP180_INSECURE', '--out', f('short2')])).toBe(2);
      expect(await main(['train', '--keys', f('short/eval.keys'), '--upload', f('short/u.bin'), '--checkpoint', f('short/c.bin')])).toBe(2);
    } finally {
      err.mockRestore();
    }
  });

  it('the owner commands wipe the secret key when done', async () => {
    const spy = vi.spyOn(SecretKey.prototype, 'wipe');
    try {
      const run = async (args: string[]): Promise<void> => {
        spy.mockClear();
        expect(await main(args)).toBe(0);
        expect(spy.mock.contexts.length, args[0]).toBeGreaterThan(0);
        for (const sk of spy.mock.contexts) expect((sk as SecretKey).isWiped).toBe(true);
      };
      copyFileSync(f('uninterrupted.bin'), f('to-refresh.bin'));
      await run(['encrypt', '--secret-key', f('keys/secret.key'), '--data', csv, '--train-rows', '1:16', '--out', f('upload2.bin'), insecure]);
      await run(['refresh', '--secret-key', f('keys/secret.key'), '--checkpoint', f('to-refresh.bin'), insecure]);
      await run(['decrypt', '--secret-key', f('keys/secret.key'), '--checkpoint', f('to-refresh.bin'), '--out', f('w2.csv'), insecure]);
      await run(['keygen', '--params', JSON.stringify({ ...LITERAL, logQ: new Array<number>(8).fill(30) }), insecure, '--width', '64', '--out', f('keys2')]);
    } finally {
      spy.mockRestore();
    }
  });
});
