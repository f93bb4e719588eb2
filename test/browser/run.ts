/**
 * `npm run test:browser`: the data owner's page in headless Chromium (Debian's
 * /usr/bin/chromium, driven by playwright-core; no browser is downloaded).
 *
 * Builds the page if dist/owner/ is missing, starts the installed-style
 * command `node dist/cli/hecnn.js serve --owner --port 0`, and then, at small
 * insecure test parameters (logN 12, 8 + 2 primes, part width 64) on 32 rows
 * of the bundled features (100 of them):
 *
 *  1. keygen in the page's worker: the progress bar reaches its end; eval.keys downloads;
 *  2. a CSV picked with the file input is encrypted; upload.bin downloads;
 *  3. the server runs in Node on the two downloads (`hecnn train --keys ...`):
 *     1 iteration, then exit 3 (a refresh is due); the page refreshes the model,
 *     the server resumes and finishes iteration 2;
 *  4. the returned model is decrypted in the page: accuracy and plot shown;
 *  5. the key is saved under a password; Node opens that file and decrypts the
 *     same model to the same accuracy; a fresh page restores the key from the
 *     file (a wrong password is refused) and decrypts again;
 *  6. "train here": one iteration on 2 Web Workers sharing the keys
 *     (SharedArrayBuffer, the page is cross-origin isolated), bitwise equal to
 *     one thread;
 *  and no request leaves the page but GETs of its own static files.
 *
 * Exit 0 when every check passes; prints the durations.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { INSECURE_OPT_IN, accuracy, buildDesign, decodeCheckpoint, decodeSecretKeyFile, parseCsv, selectRows, DataOwner } from '../../src/index.js';
import { openSecretKeyFile } from '../../src/browser/index.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const LITERAL = JSON.stringify({ logN: 12, logQ: new Array(8).fill(30), logP: [30, 30], logDefaultScale: 30 });
const PASSWORD = 'correct horse battery staple';
const t0 = performance.now();
const times: string[] = [];
const lap = (what: string, since: number): void => {
  times.push(`${what}: ${((performance.now() - since) / 1000).toFixed(1)} s`);
};

function check(cond: unknown, what: string): void {
  if (!cond) throw new Error(`browser test: ${what}`);
  console.log(`ok - ${what}`);
}

async function text(page: Page, sel: string): Promise<string> {
  return (await page.textContent(sel)) ?? '';
}

/** Wait until the element's text matches (or an error shows up in it). */
async function waitText(page: Page, sel: string, re: RegExp, timeout = 300_000): Promise<string> {
  await page.waitForFunction(
    ([s, src]) => {
      const el = document.querySelector(s as string);
      return el !== null && (new RegExp(src as string).test(el.textContent ?? '') || el.classList.contains('error'));
    },
    [sel, re.source],
    { timeout, polling: 200 },
  );
  const t = await text(page, sel);
  if (!re.test(t)) throw new Error(`browser test: ${sel} shows "${t}", expected ${re}`);
  return t;
}

async function download(page: Page, button: string, to: string): Promise<Buffer> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
  await dl.saveAs(to);
  return readFileSync(to);
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CHROMIUM)`);
  if (!existsSync(join(ROOT, 'dist/owner/index.html')) || !existsSync(join(ROOT, 'dist/cli/hecnn.js'))) {
    const b = performance.now();
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    lap('build', b);
  }
  const dir = mkdtempSync(join(tmpdir(), 'hecnn-browser-'));
  const csvPath = join(dir, 'mnist-100.csv');
  const lines = readFileSync(join(ROOT, 'data/mnist-regnet-x-400mf-first256.csv'), 'utf8').trim().split('\n');
  const csv = lines.slice(0, 32).map((l) => l.split(',').slice(0, 101).join(',')).join('\n') + '\n';
  writeFileSync(csvPath, csv);

  const server: ChildProcess = spawn(process.execPath, [join(ROOT, 'dist/cli/hecnn.js'), 'serve', '--owner', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    server.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) ok(m[1]);
    });
    server.once('exit', (c) => fail(new Error(`hecnn serve exited with ${c}`)));
  });
  const profile = mkdtempSync(join(tmpdir(), 'hecnn-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  const requests: string[] = [];
  context.on('request', (r) => {
    if (!r.url().startsWith('blob:') && !r.url().startsWith('data:')) requests.push(`${r.method()} ${r.url()}`);
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(url);
    await page.waitForSelector('body[data-ready="yes"]');
    check(await page.evaluate(() => globalThis.crossOriginIsolated), 'the page is cross-origin isolated (COOP/COEP headers)');
    const options = await page.$$eval('#preset option', (os) => os.map((o) => o.textContent));
    check(!options.includes('PN12QP90_SEC128') && options.includes('PN16QP690_TRAIN_SEC128'), `only presets that can train are offered (${options.length})`);

    // 1. Keys.
    let t = performance.now();
    await page.fill('#literal', LITERAL);
    await page.check('#insecure');
    await page.fill('#width', '64');
    await page.click('#keygen');
    const keysMsg = await waitText(page, '#status-keygen', /keys ready/);
    const [pv, pmax] = await page.$eval('#progress', (p) => [(p as HTMLProgressElement).value, (p as HTMLProgressElement).max]);
    check(pv === pmax && pmax > 2, `keygen in a Web Worker, progress bar at ${pv}/${pmax}: ${keysMsg}`);
    const evalKeys = await download(page, '#download-keys', join(dir, 'eval.keys'));
    check(evalKeys.length > 100_000, `eval.keys downloaded (${evalKeys.length} bytes)`);
    lap('keygen + download', t);

    // 2. Encrypt a picked CSV.
    t = performance.now();
    await page.setInputFiles('#csv', csvPath);
    await waitText(page, '#status-encrypt', /characters/);
    await page.fill('#train-rows', '1:16');
    await page.click('#encrypt');
    check(/16 samples x 100 features/.test(await waitText(page, '#status-encrypt', /encrypted:/)), 'the CSV is encrypted in the page');
    const upload = await download(page, '#download-upload', join(dir, 'upload.bin'));
    check(upload.length > 10_000, `upload.bin downloaded (${upload.length} bytes)`);
    lap('encrypt + download', t);

    // 3. The server, in Node, on the downloads.
    t = performance.now();
    // 7 levels: the first iteration leaves too few for the second, so the server asks for a refresh (exit 3).
    const server = (...extra: string[]): number => {
      const r = spawnSync(process.execPath, [join(ROOT, 'dist/cli/hecnn.js'), 'train', '--keys', 'eval.keys', '--upload', 'upload.bin', '--checkpoint', 'model.bin', '--threads', '1', '--allow-insecure', ...extra], { cwd: dir, encoding: 'utf8' });
      if (r.status !== 0 && r.status !== 3) throw new Error(`hecnn train: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
      return r.status;
    };
    check(server('--iterations', '2') === 3, 'the server (hecnn train --keys) trained 1 iteration on the downloaded files and asks for a refresh (exit 3)');
    lap('server iteration (Node)', t);

    // The owner's refresh, in the page; the server goes on.
    t = performance.now();
    await page.setInputFiles('#checkpoint', join(dir, 'model.bin'));
    const refreshed = await download(page, '#refresh', join(dir, 'model.bin'));
    await waitText(page, '#status-decrypt', /refreshed after iteration 1/);
    check(refreshed.length > 10_000, `the page refreshed the model (${refreshed.length} bytes downloaded)`);
    check(server('--resume') === 0, 'the server resumed from the refreshed model and finished iteration 2');
    lap('refresh in the page + server iteration 2', t);

    // 4. Decrypt the returned model in the page.
    t = performance.now();
    await page.setInputFiles('#checkpoint', join(dir, 'model.bin'));
    await page.fill('#test-rows', '17:32');
    await page.click('#decrypt');
    await waitText(page, '#status-decrypt', /weights after 2 iteration/);
    const shown = await text(page, '#accuracy');
    const bars = await page.$$eval('#accuracy-plot rect', (r) => r.length);
    check(/^\d+\.\d\d%$/.test(shown) && bars === 10, `decrypted in the page: test accuracy ${shown}, plot with ${bars} bars`);
    lap('decrypt', t);

    // 5. The key file: saved under a password, opened in Node, restored in a fresh page.
    t = performance.now();
    await page.fill('#password', PASSWORD);
    const sealed = await download(page, '#save-key', join(dir, 'secret.hkey'));
    check(sealed.subarray(0, 4).toString('latin1') === 'HECP', `key file saved (${sealed.length} bytes, magic HECP)`);
    const file = await openSecretKeyFile(new Uint8Array(sealed), PASSWORD);
    const { params, sk } = decodeSecretKeyFile(file, { unsafeAllowInsecure: INSECURE_OPT_IN });
    const { checkpoint } = decodeCheckpoint(readFileSync(join(dir, 'model.bin')), { unsafeAllowInsecure: INSECURE_OPT_IN });
    const owner = DataOwner.fromSecretKey(params, sk);
    owner.setProblem(checkpoint.shape, checkpoint.width);
    const W = owner.decryptWeights(checkpoint.weights.W);
    const te = buildDesign(selectRows(parseCsv(csv), 16, 32));
    const nodeAcc = `${(accuracy(te.X, te.labels, W.data) * 100).toFixed(2)}%`;
    check(nodeAcc === shown, `Node opens the password-protected key file and decrypts the model to the same accuracy (${nodeAcc})`);

    await page.reload();
    await page.waitForSelector('body[data-ready="yes"]');
    await page.check('#insecure');
    await page.setInputFiles('#key-file', join(dir, 'secret.hkey'));
    await page.fill('#password', 'not the password');
    await page.click('#load-key');
    await page.waitForSelector('#status-key.error', { timeout: 120_000 });
    check(/password is wrong/.test(await text(page, '#status-key')), 'a wrong password is refused');
    await page.fill('#password', PASSWORD);
    await page.click('#load-key');
    await waitText(page, '#status-key', /restored/, 120_000);
    await page.setInputFiles('#csv', csvPath);
    await waitText(page, '#status-encrypt', /characters/);
    await page.setInputFiles('#checkpoint', join(dir, 'model.bin'));
    await page.fill('#test-rows', '17:32');
    await page.click('#decrypt');
    await waitText(page, '#status-decrypt', /weights after 2 iteration/);
    check((await text(page, '#accuracy')) === shown, 'the key restored from the file decrypts the model to the same accuracy');
    lap('key file save, open, restore', t);

    // 6. Training in the page on 2 Web Workers sharing the keys.
    t = performance.now();
    await page.fill('#literal', LITERAL);
    await page.fill('#width', '64');
    await page.click('#keygen');
    await waitText(page, '#status-keygen', /keys ready/);
    await page.fill('#train-rows', '1:16');
    await page.click('#encrypt');
    await waitText(page, '#status-encrypt', /encrypted:/);
    await page.fill('#iterations', '1');
    await page.fill('#threads', '2');
    await page.click('#train-here');
    const trained = await waitText(page, '#status-train', /bitwise equal/);
    check(/2 Web Workers/.test(trained) && /shared through SharedArrayBuffers/.test(trained) && /bitwise equal to one thread: yes/.test(trained), `BrowserPairPool: ${trained}`);
    lap('BrowserPairPool iteration (keygen, encrypt, pooled + single)', t);

    const foreign = requests.filter((r) => !r.startsWith(`GET ${url}`));
    check(foreign.length === 0, `no request but GETs of the page's own files (${requests.length} requests)${foreign.length ? `: ${foreign.join(', ')}` : ''}`);
  } finally {
    await context.close();
    server.kill();
    rmSync(profile, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
  lap('total', t0);
  console.log(`\nbrowser test passed\n${times.join('\n')}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
