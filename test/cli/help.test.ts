/**
 * The command's help and refusals as a user meets them (issue 16): `hecnn
 * --help` lists the commands, every subcommand has its own help, --version,
 * presets that cannot train are not offered and are refused before any key is
 * made, and the insecure-parameter message names --allow-insecure.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/hecnn.js';
import { trainablePresets } from '../../src/cli/presets.js';

function capture(): { out: () => string; err: () => string } {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  return { out: () => log.mock.calls.map((c) => c.join(' ')).join('\n'), err: () => error.mock.calls.map((c) => c.join(' ')).join('\n') };
}

afterEach(() => vi.restoreAllMocks());

describe('hecnn help', () => {
  it('--help lists every command with one line each', async () => {
    const c = capture();
    expect(await main(['--help'])).toBe(0);
    const text = c.out();
    expect(text).toMatch(/^hecnn \d+\.\d+\.\d+/);
    for (const cmd of ['train', 'train --keys ...', 'keygen', 'encrypt', 'refresh', 'decrypt', 'serve --owner']) expect(text).toMatch(new RegExp(`\\n  ${cmd.replace(/[.]/g, '\\.')}\\s`));
    expect(text).not.toMatch(/src\//);
  });

  it('--version and -V print the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const f of ['--version', '-V']) {
      const c = capture();
      expect(await main([f])).toBe(0);
      expect(c.out().trim()).toBe(version);
      vi.restoreAllMocks();
    }
  });

  it('every subcommand has its own help, citing no source file', async () => {
    const texts = new Set<string>();
    for (const argv of [['train'], ['train', '--keys', 'k'], ['keygen'], ['encrypt'], ['refresh'], ['decrypt'], ['serve']]) {
      const c = capture();
      expect(await main([...argv, '--help'])).toBe(0);
      expect(c.out()).toMatch(new RegExp(`^usage: hecnn ${argv[0]}`));
      expect(c.out()).not.toMatch(/src\//);
      texts.add(c.out());
      vi.restoreAllMocks();
    }
    expect(texts.size).toBe(7);
  });

  it('train --help offers only presets that can train', async () => {
    const c = capture();
    await main(['train', '--help']);
    for (const p of ['PN12QP90_SEC128', 'PN13QP210_SEC128', 'PN12QP180_INSECURE']) expect(c.out()).not.toContain(p);
    for (const p of trainablePresets()) expect(c.out()).toContain(p);
    expect(trainablePresets()).toContain('PN14QP420_SEC128');
  });

  it('presets that cannot train are refused before any key is made, in the command language', async () => {
    for (const argv of [['train', '--preset', 'PN12QP90_SEC128'], ['keygen', '--out', '/nonexistent/x', '--preset', 'PN13QP210_SEC128']]) {
      const c = capture();
      const t0 = performance.now();
      expect(await main(argv)).toBe(2);
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(c.err()).toMatch(/training needs at least 6/);
      vi.restoreAllMocks();
    }
    const c = capture();
    expect(await main(['keygen', '--out', '/nonexistent/x', '--preset', 'PN12QP180_INSECURE'])).toBe(2);
    expect(c.err()).toMatch(/level/);
  });

  it('insecure parameters: the message names --allow-insecure, not the library literal', async () => {
    const c = capture();
    const lit = JSON.stringify({ logN: 12, logQ: new Array(8).fill(30), logP: [30, 30], logDefaultScale: 30 });
    expect(await main(['keygen', '--out', '/nonexistent/x', '--params', lit])).toBe(2);
    expect(c.err()).toMatch(/pass --allow-insecure/);
    expect(c.err()).not.toMatch(/unsafeAllowInsecure|INSECURE_OPT_IN/);
    expect(c.err().split('\n')).toHaveLength(1);
  });

  it('serve needs --owner', async () => {
    const c = capture();
    expect(await main(['serve'])).toBe(2);
    expect(c.err()).toMatch(/--owner/);
  });
});

describe('hecnn serve --owner', () => {
  it('serves the built page with the isolation headers, and nothing outside it', async () => {
    const { existsSync } = await import('node:fs');
    const { startOwnerServer } = await import('../../src/cli/owner-page.js');
    if (!existsSync(new URL('../../dist/owner/index.html', import.meta.url))) return; // needs npm run build
    const { server, url } = await startOwnerServer({ port: 0, host: '127.0.0.1' });
    try {
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      expect(await page.text()).toContain('Data owner');
      expect((await fetch(`${url}data/mnist-regnet-x-400mf-first256.csv`)).status).toBe(200);
      const { request } = await import('node:http');
      const raw = (path: string): Promise<number> =>
        new Promise((ok, fail) => {
          const r = request(`${url.slice(0, -1)}${path}`, (res) => {
            res.resume();
            ok(res.statusCode ?? 0);
          });
          r.on('error', fail);
          r.end();
        });
      expect(await raw('/../../package.json')).toBe(404);
      expect(await raw('/%2e%2e/%2e%2e/package.json')).toBe(404);
      expect(await raw('/%E0%A4%A')).toBe(400);
      expect((await fetch(url, { method: 'POST', body: 'x' })).status).toBe(405);
    } finally {
      server.close();
    }
  });
});
