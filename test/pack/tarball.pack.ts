/**
 * The package as a user gets it (issue 16): `npm pack` of the built tree,
 * installed into a temporary project, then
 *
 *  - ESM and CommonJS imports of every export, one library instance across
 *    `@hecnn/ckks`, its subpaths and `/node` (instanceof, the pool's errors);
 *  - the worker pool path across entry points, through a refresh
 *    (examples/pool.ts);
 *  - every example of examples/ and every TypeScript block of the README that
 *    imports the package;
 *  - the installed command: --version, --help, each subcommand's help, `npx
 *    hecnn train --iterations 1` on a small preset that can train (the bundled
 *    data), and the owner/server commands on the bundled data with small test
 *    parameters, each without --data.
 *
 * Run with `npm run build && npm run test:pack` (not part of `npm test`: it
 * needs the build). Installs offline-first from npm's cache (npm ci filled it).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const TSX = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx/esm')).href;
let dir = '';
let project = '';
let pack: { filename: string; size: number; unpackedSize: number; files: { path: string }[] };

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run a command in the temporary project, asynchronously (a synchronous child
 * would block vitest's worker for minutes and time out its reporting).
 */
function run(cmd: string, args: string[], opts: { timeout?: number; cwd?: string } = {}): Promise<Ran> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? project, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeout ?? 600_000);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolvePromise({ status, stdout, stderr });
    });
  });
}

function ok(r: Ran): Ran {
  if (r.status !== 0) throw new Error(`exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

const hecnn = (...args: string[]): Promise<Ran> => run(join(project, 'node_modules/.bin/hecnn'), args);

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/index.js')) || !existsSync(join(ROOT, 'dist/owner/index.html'))) throw new Error('dist/ is missing: run npm run build first');
  dir = mkdtempSync(join(tmpdir(), 'hecnn-pack-'));
  const out = ok(await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT })).stdout;
  pack = (JSON.parse(out) as (typeof pack)[])[0];
  console.log(`packed ${pack.filename}: ${(pack.size / 1e6).toFixed(2)} MB packed, ${(pack.unpackedSize / 1e6).toFixed(2)} MB unpacked, ${pack.files.length} files`);
  project = join(dir, 'user');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'hecnn-user', private: true, version: '1.0.0', type: 'module' }));
  ok(await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, pack.filename)]));
  mkdirSync(join(project, 'examples'));
  for (const f of readdirSync(join(project, 'node_modules/@hecnn/ckks/examples'))) {
    const p = join(project, 'node_modules/@hecnn/ckks/examples', f);
    if (statSync(p).isFile()) copyFileSync(p, join(project, 'examples', f));
  }
}, 600_000);

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('ships the library once, the data the command needs, the docs and examples, and no source maps', async () => {
    const files = pack.files.map((f) => f.path);
    for (const f of ['LICENSE', 'README.md', 'CHANGELOG.md', 'SECURITY.md', 'data/mnist-regnet-x-400mf-first256.csv', 'dist/cli/hecnn.js', 'dist/node/pair-worker.js', 'dist/node/transform-worker.js', 'dist/browser/pair-worker.js', 'dist/owner/index.html', 'examples/pool.ts']) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('src/'))).toEqual([]);
    expect(files).not.toContain('data/mnist-raw-pixels-5000.csv.gz');
    // The command and the workers import the shared chunks instead of carrying a copy of the library.
    const cli = readFileSync(join(project, 'node_modules/@hecnn/ckks/dist/cli/hecnn.js'), 'utf8');
    expect(cli.length).toBeLessThan(80_000);
    expect(cli).not.toMatch(/class RnsPoly|class Ciphertext/);
    expect(readFileSync(join(project, 'node_modules/@hecnn/ckks/dist/node/pair-worker.js'), 'utf8').length).toBeLessThan(5_000);
  });

  it('ESM: every export loads, and classes are one instance across entry points', async () => {
    writeFileSync(
      join(project, 'esm.mjs'),
      `
import * as root from '@hecnn/ckks';
import * as ntt from '@hecnn/ckks/ntt';
import * as rlwe from '@hecnn/ckks/rlwe';
import * as ckks from '@hecnn/ckks/ckks';
import * as encoding from '@hecnn/ckks/encoding';
import * as mlr from '@hecnn/ckks/mlr';
import * as node from '@hecnn/ckks/node';
import * as browser from '@hecnn/ckks/browser';
const same = [
  root.Ciphertext === ckks.Ciphertext, root.RnsPoly === ntt.RnsPoly, root.TrainerError === mlr.TrainerError,
  root.CkksError === ckks.CkksError, rlwe.CkksError === ckks.CkksError, root.HecnnError === encoding.HecnnError,
  root.EncryptedTrainer === mlr.EncryptedTrainer,
];
if (same.some((x) => !x)) throw new Error('two instances: ' + same);
let err;
try { await node.NodePairPool.create({ Ym: [1] }, {}, { threads: 0 }); } catch (e) { err = e; }
if (!(err instanceof root.TrainerError) || !(err instanceof root.HecnnError)) throw new Error('the pool error is not a TrainerError of @hecnn/ckks: ' + err);
if (typeof browser.BrowserPairPool.create !== 'function' || typeof browser.sealSecretKeyFile !== 'function') throw new Error('browser exports');
console.log('esm ok');
`,
    );
    expect(ok(await run('node', ['esm.mjs'])).stdout).toContain('esm ok');
  });

  it('NodeTransformWorkers from the installed package: a transform on two threads equals one thread', async () => {
    writeFileSync(
      join(project, 'tw.mjs'),
      `
import { createParameters, KeyGenerator, Encoder, Encryptor, Evaluator, INSECURE_OPT_IN } from '@hecnn/ckks/ckks';
import { LinearTransform, diagonalsOf, linearTransformSteps } from '@hecnn/ckks/circuits';
import { NodeTransformWorkers } from '@hecnn/ckks/node';
const params = createParameters({ logN: 11, logQ: [30, 30, 30, 30], logP: [30, 30], logDefaultScale: 30, unsafeAllowInsecure: INSECURE_OPT_IN });
const n = 64;
const diags = diagonalsOf(Float64Array.from({ length: n * n }, (_, i) => ((i * 7919) % 17) / 64 - 0.125), n);
const kg = new KeyGenerator(params, { shared: true });
const sk = kg.genSecretKey();
const keys = kg.genEvaluationKeys(sk, { steps: linearTransformSteps(diags.keys(), n) });
const ev = new Evaluator(params, keys);
const enc = new Encoder(params);
const ct = new Encryptor(params, sk).encrypt(enc.encode(Float64Array.from({ length: n }, (_, i) => Math.sin(i)), params.maxLevel, undefined, n));
const pool = await NodeTransformWorkers.create(params, keys, { threads: 1 });
const a = new LinearTransform(enc, diags, n, ct.level).evaluate(ev, ct);
const b = new LinearTransform(enc, diags, n, ct.level, { workers: pool }).evaluate(ev, ct);
await pool.close();
for (const k of [0, 1]) if (a.c[k].data.some((v, i) => v !== b.c[k].data[i])) throw new Error('two threads differ from one');
console.log('transform workers ok');
`,
    );
    expect(ok(await run('node', ['tw.mjs'])).stdout).toContain('transform workers ok');
  });

  it('CommonJS: require of every layer and /node, one instance among them (examples/require.cjs)', async () => {
    writeFileSync(
      join(project, 'cjs.cjs'),
      `
const root = require('@hecnn/ckks');
const ckks = require('@hecnn/ckks/ckks');
const mlr = require('@hecnn/ckks/mlr');
const ntt = require('@hecnn/ckks/ntt');
require('@hecnn/ckks/rlwe'); require('@hecnn/ckks/encoding');
const { NodePairPool } = require('@hecnn/ckks/node');
if (root.Ciphertext !== ckks.Ciphertext || root.TrainerError !== mlr.TrainerError || root.RnsPoly !== ntt.RnsPoly) throw new Error('two instances');
NodePairPool.create({ Ym: [1] }, {}, { threads: 0 }).catch((e) => {
  if (!(e instanceof root.TrainerError)) throw new Error('pool error not a TrainerError');
  console.log('cjs ok');
});
`,
    );
    expect(ok(await run('node', ['cjs.cjs'])).stdout).toContain('cjs ok');
    expect(ok(await run('node', ['examples/require.cjs'])).stdout).toContain('one Ciphertext class');
  });

  it('the pool across entry points, through a refresh (examples/pool.ts)', async () => {
    expect(ok(await run('node', ['--import', TSX, 'examples/pool.ts'])).stdout).toMatch(/refreshes: [1-9]/);
  });

  it('the other examples run against the installed package', async () => {
    const examples = readdirSync(join(project, 'examples')).filter((f) => f.endsWith('.ts') && f !== 'pool.ts');
    expect(examples).toContain('demo.ts');
    for (const f of examples) ok(await run('node', ['--import', TSX, join('examples', f)]));
  });

  it("the README's TypeScript examples that import the package run", async () => {
    const readme = readFileSync(join(project, 'node_modules/@hecnn/ckks/README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => b.includes("from '@hecnn/ckks"));
    expect(blocks.length).toBeGreaterThan(0);
    for (const [i, code] of blocks.entries()) {
      writeFileSync(join(project, `readme-${i}.mts`), code);
      ok(await run('node', ['--import', TSX, `readme-${i}.mts`]));
    }
  });

  it('the installed command: --version, --help listing the commands, every subcommand its own help', async () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(ok(await hecnn('--version')).stdout.trim()).toBe(version);
    const help = ok(await hecnn('--help')).stdout;
    for (const c of ['train', 'keygen', 'encrypt', 'refresh', 'decrypt', 'serve --owner']) expect(help).toContain(`  ${c}`);
    expect(help).not.toMatch(/src\//);
    const seen = new Set<string>();
    for (const args of [['train'], ['train', '--keys', 'k'], ['keygen'], ['encrypt'], ['refresh'], ['decrypt'], ['serve']]) {
      const h = ok(await hecnn(...args, '--help')).stdout;
      expect(h).toMatch(/^usage: hecnn /);
      expect(h).not.toMatch(/src\//);
      seen.add(h);
    }
    expect(seen.size).toBe(7);
    const train = ok(await hecnn('train', '--help')).stdout;
    for (const p of ['PN12QP90_SEC128', 'PN13QP210_SEC128', 'PN12QP180_INSECURE']) expect(train).not.toContain(p);
    const r = await hecnn('train', '--preset', 'PN12QP90_SEC128');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/training needs at least 6/);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('npx hecnn train --iterations 1 on a small preset, with the bundled data', async () => {
    const r = ok(await run('npx', ['--no-install', 'hecnn', 'train', '--iterations', '1', '--preset', 'PN14QP420_SEC128', '--threads', '2', '--no-mirror'], { timeout: 900_000 }));
    expect(r.stdout).toContain('128 samples x 400 features');
    expect(r.stdout).toMatch(/encrypted prediction on the 128 test samples/);
  });

  it('the owner and server commands on the bundled data (small test parameters), each without --data', async () => {
    const lit = JSON.stringify({ logN: 12, logQ: new Array(8).fill(30), logP: [30, 30], logDefaultScale: 30 });
    const insecure = await hecnn('keygen', '--out', 'keys', '--params', lit, '--width', '64');
    expect(insecure.status).toBe(2);
    expect(insecure.stderr).toMatch(/--allow-insecure/);
    expect(insecure.stderr).not.toMatch(/unsafeAllowInsecure|INSECURE_OPT_IN/);
    ok(await hecnn('keygen', '--out', 'keys', '--params', lit, '--width', '64', '--allow-insecure'));
    ok(await hecnn('encrypt', '--secret-key', 'keys/secret.key', '--out', 'upload.bin', '--train-rows', '1:16', '--allow-insecure'));
    const t = await hecnn('train', '--keys', 'keys/eval.keys', '--upload', 'upload.bin', '--checkpoint', 'cp.bin', '--iterations', '2', '--threads', '1', '--allow-insecure');
    expect([0, 3]).toContain(t.status);
    if (t.status === 3) {
      ok(await hecnn('refresh', '--secret-key', 'keys/secret.key', '--checkpoint', 'cp.bin', '--allow-insecure'));
      ok(await hecnn('train', '--keys', 'keys/eval.keys', '--upload', 'upload.bin', '--checkpoint', 'cp.bin', '--resume', '--threads', '1', '--allow-insecure'));
    }
    const d = ok(await hecnn('decrypt', '--secret-key', 'keys/secret.key', '--checkpoint', 'cp.bin', '--data', join(project, 'node_modules/@hecnn/ckks/data/mnist-regnet-x-400mf-first256.csv'), '--test-rows', '129:256', '--allow-insecure'));
    expect(d.stdout).toMatch(/accuracy \d+\.\d+%/);
  });
});
