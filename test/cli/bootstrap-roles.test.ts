/**
 * Owner and server as separate processes with bootstrapping keys
 * (`--preset PN11_TRAIN_BOOT_INSECURE`: logN 11, the residual chain of the
 * logN 16 bootstrapping preset, NOT SECURE) on a slice of the bundled data
 * (rows 1-16 to train, 17-32 to test, the first 60 features):
 *
 *   keygen -> encrypt -> train (every iteration, no exit 3) -> decrypt
 *
 * The owner's only commands are keygen, encrypt and decrypt. A server killed
 * with SIGKILL in the middle of a bootstrapping and resumed writes the same
 * checkpoint, bit for bit, as a run that was never interrupted (bootstrapping
 * uses no randomness). The round-trip refresh stays available with
 * `--refresh owner`.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, hecnn, writeSlice } from './spawn.js';
import { INSECURE_OPT_IN } from '../../src/ckks/index.js';
import { EXIT_NEEDS_REFRESH } from '../../src/cli/hecnn.js';
import { PlainTrainerState, buildDesign, decodeCheckpoint, decodeEvaluationKeysFile, parseCsv, predict, selectRows } from '../../src/mlr/index.js';

const FEATURES = 60;
const ITERATIONS = 3;


describe('hecnn with bootstrapping keys: the owner stays offline', () => {
  let dir: string;
  let csv: string;
  const f = (name: string): string => join(dir, name);
  const insecure = '--allow-insecure';
  const opts = { unsafeAllowInsecure: INSECURE_OPT_IN } as const;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hecnn-boot-'));
    csv = f('slice.csv');
    writeSlice(csv, 32, FEATURES);
    const kg = await hecnn(['keygen', '--preset', 'PN11_TRAIN_BOOT_INSECURE', insecure, '--width', '64', '--out', f('keys')]);
    expect(kg.stderr).toBe('');
    expect(kg.code).toBe(0);
    expect(kg.stdout).toMatch(/bootstrapping included: the server refreshes the weights itself \(512 slots, secret of Hamming weight 64\)/);
    const en = await hecnn(['encrypt', '--secret-key', f('keys/secret.key'), '--data', csv, '--train-rows', '1:16', '--out', f('upload.bin'), insecure]);
    expect(en.stderr).toBe('');
    expect(en.code).toBe(0);
  }, 180_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the evaluation-key file names the bootstrapping', () => {
    const { plan } = decodeEvaluationKeysFile(readFileSync(f('keys/eval.keys')), opts);
    expect(plan.bootstrap?.config.slots).toBe(512);
    expect(plan.bootstrap?.hammingWeight).toBe(64);
  });

  it('train runs every iteration with no exit 3; decrypt gives the mirror model', async () => {
    const t = await hecnn(['train', '--keys', f('keys/eval.keys'), '--upload', f('upload.bin'), '--checkpoint', f('cp.bin'), '--iterations', String(ITERATIONS), insecure]);
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/iteration 3: started \(bootstrapping the weights first\)/);
    expect(t.stdout).toMatch(/iteration 3: [\d.]+ s after bootstrapping the weights/);
    expect(t.stdout).toMatch(/all 3 iterations done/);
    copyFileSync(f('cp.bin'), f('uninterrupted.bin'));
    const cp = decodeCheckpoint(readFileSync(f('cp.bin')), opts).checkpoint;
    expect([cp.iteration, cp.refreshes, cp.needsRefresh]).toEqual([3, 1, false]);

    const dc = await hecnn(['decrypt', '--secret-key', f('keys/secret.key'), '--checkpoint', f('cp.bin'), '--data', csv, '--test-rows', '17:32', '--out', f('w.json'), insecure]);
    expect(dc.stderr).toBe('');
    expect(dc.code).toBe(0);
    const model = JSON.parse(readFileSync(f('w.json'), 'utf8')) as { weights: number[][] };
    const W = Float64Array.from(model.weights.flat());
    const all = parseCsv(readFileSync(csv, 'utf8'), { source: csv });
    const tr = buildDesign(selectRows(all, 0, 16));
    const mirror = new PlainTrainerState(tr.X, tr.Y, { method: 'SigmoidNAGQG', sigmoid: 'poly3', w0: 0.0128 });
    let m = mirror.step();
    for (let i = 1; i < ITERATIONS; i++) m = mirror.step();
    let d = 0;
    for (let i = 0; i < W.length; i++) d = Math.max(d, Math.abs(W[i] - m.W[i]));
    expect(d).toBeLessThan(1e-4);
    expect(Array.from(predict(tr.X, W))).toEqual(Array.from(predict(tr.X, m.W)));
  }, 180_000);

  it('SIGKILL in the middle of a bootstrapping, then --resume: the same checkpoint, bit for bit', async () => {
    expect(existsSync(f('uninterrupted.bin'))).toBe(true);
    let killed = false;
    const k = await hecnn(['train', '--keys', f('keys/eval.keys'), '--upload', f('upload.bin'), '--checkpoint', f('crash.bin'), '--iterations', String(ITERATIONS), insecure], (line, child) => {
      // Iteration 3 starts with the bootstrapping (seconds at this size): kill it inside.
      if (line === 'iteration 3: started (bootstrapping the weights first)') {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), 400);
      }
    });
    expect(killed).toBe(true);
    expect(k.signal).toBe('SIGKILL');
    expect(k.stdout).not.toMatch(/iteration 3: .*checkpoint written/);
    expect(decodeCheckpoint(readFileSync(f('crash.bin')), opts).checkpoint.iteration).toBe(2);
    const r = await hecnn(['train', '--keys', f('keys/eval.keys'), '--upload', f('upload.bin'), '--checkpoint', f('crash.bin'), '--resume', insecure]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(f('crash.bin')).equals(readFileSync(f('uninterrupted.bin')))).toBe(true);
  }, 180_000);

  it('--refresh owner is refused on a bootstrapping preset, --refresh bootstrap on one without: exit 2 before any key', async () => {
    const o = await hecnn(['keygen', '--preset', 'PN11_TRAIN_BOOT_INSECURE', '--refresh', 'owner', insecure, '--width', '64', '--out', f('okeys')]);
    expect(o.code).toBe(2);
    expect(o.stderr).toMatch(/laid out for bootstrapping/);
    expect(existsSync(f('okeys/secret.key'))).toBe(false);
    const b = await hecnn(['keygen', '--preset', 'PN12QP180_INSECURE', '--refresh', 'bootstrap', insecure, '--out', f('bad')]);
    expect(b.code).toBe(2);
    expect(existsSync(f('bad/secret.key'))).toBe(false);
    expect(EXIT_NEEDS_REFRESH).toBe(3);
  }, 180_000);

  it('in-process train on two threads: the encrypted prediction after the last iteration bootstraps on the workers first', async () => {
    const t = await hecnn(['train', '--preset', 'PN11_TRAIN_BOOT_INSECURE', insecure, '--data', csv, '--train-rows', '1:16', '--test-rows', '17:32', '--iterations', '2', '--threads', '2', '--json', f('inproc.json')]);
    expect(t.stderr).not.toMatch(/hecnn:/); // (progress bars go to stderr)
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/bootstrapped before the encrypted prediction/);
    const report = JSON.parse(readFileSync(f('inproc.json'), 'utf8'));
    expect(report.ownerRoundTrips).toBe(0);
    expect(report.bootstraps).toBe(0); // the training's: the one bootstrapping was the prediction's
    expect(report.encryptedPrediction.agreesWithDecryptedModel).toBe(1);
  }, 180_000);
});
