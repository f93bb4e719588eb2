/**
 * `hecnn serve --owner`: serves the data owner's page (dist/owner/, built from
 * examples/browser/) on 127.0.0.1 with the cross-origin isolation headers its
 * Web Workers need to share memory. The page makes the keys, encrypts and
 * decrypts in the browser; this server only hands out static files (and the
 * bundled data file at /data/...), and receives nothing.
 *
 * @module
 */

import { existsSync, readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError, parseOptions } from './args.js';
import { bundledData, say } from './io.js';

/** The options of `hecnn serve`. */
export const SERVE_PAGE_OPTIONS = {
  owner: { type: 'boolean' },
  port: { type: 'string' },
  host: { type: 'string' },
} as const;

/** The usage line of `hecnn serve`. */
export const SERVE_PAGE_USAGE = 'hecnn serve --owner [--port N] [--host 127.0.0.1]';

/** `hecnn serve --help`. */
export const SERVE_PAGE_HELP = `usage: ${SERVE_PAGE_USAGE}

Serve the data owner's page: open the printed address in a browser. The page
generates the keys in a Web Worker (with a progress bar), encrypts a CSV file you
pick and downloads the upload and the evaluation keys for the server (hecnn train
--keys ...), decrypts a returned model and shows its accuracy with a plot, and
saves the secret key to a password-protected file (scrypt, XChaCha20-Poly1305)
and restores it. The secret key never leaves the page.

options:
  --owner          the data owner's page (the only page so far)
  --port N         TCP port (default 8417; 0 = any free port)
  --host ADDR      address to listen on (default 127.0.0.1, this machine only)
  -h, --help       this text

Headers sent: Cross-Origin-Opener-Policy: same-origin and
Cross-Origin-Embedder-Policy: require-corp (the page is then cross-origin
isolated, so its workers can share the keys through SharedArrayBuffers).`;

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

/**
 * The folder of the built page: dist/owner next to dist/cli, or dist/owner of
 * the repository when run from src/ under tsx (after `npm run build`).
 * @returns its absolute path
 * @throws UsageError if the page was not built
 */
export function ownerPageDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const rel of ['../owner', '../../dist/owner']) {
    const p = resolve(here, rel);
    if (existsSync(join(p, 'index.html'))) return p;
  }
  throw new UsageError('the owner page was not found next to the command (dist/owner/index.html); run npm run build');
}

/**
 * Start the page's server.
 * @param opts the port (0: any free one) and the address
 * @returns the server and its address, e.g. `http://127.0.0.1:8417/`
 * @throws UsageError if the page was not built; Error if the port cannot be opened
 */
export async function startOwnerServer(opts: { port: number; host: string }): Promise<{ server: Server; url: string }> {
  const root = ownerPageDir();
  let data: string | undefined;
  try {
    data = bundledData();
  } catch {
    data = undefined;
  }
  const server = createServer((req, res) => {
    const headers: Record<string, string> = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400, { ...headers, 'Content-Type': 'text/plain' }).end('bad request');
      return;
    }
    let file: string | undefined;
    if (path === '/data/mnist-regnet-x-400mf-first256.csv') file = data;
    else {
      const p = resolve(root, `.${path === '/' ? '/index.html' : path}`);
      if (p.startsWith(root + sep) && existsSync(p)) file = p;
    }
    if (file === undefined) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port, opts.host, () => ok());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return { server, url: `http://${host}:${port}/` };
}

/**
 * Run `hecnn serve --owner`: serves the page until the process is stopped.
 * @param argv the arguments after `serve`
 * @returns 0 for help; otherwise it never returns (the server runs until Ctrl-C)
 * @throws UsageError on bad arguments, without --owner, or if the page was not built
 */
export async function runServePage(argv: readonly string[]): Promise<number> {
  const v = parseOptions(argv, SERVE_PAGE_OPTIONS, SERVE_PAGE_USAGE);
  if (v === 'help') {
    console.log(SERVE_PAGE_HELP);
    return 0;
  }
  if (v.owner !== true) throw new UsageError(`serve needs --owner (the data owner's page); usage: ${SERVE_PAGE_USAGE}`);
  const port = v.port === undefined ? 8417 : Number(v.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port takes an integer in 0..65535, got ${v.port}`);
  const host = v.host ?? '127.0.0.1';
  const { url } = await startOwnerServer({ port, host });
  say(`hecnn serve: the data owner's page at ${url} (Ctrl-C to stop)`);
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') say('hecnn serve: note: listening beyond this machine; the page is static, but keep the keys you make in it to yourself');
  return new Promise<number>(() => {});
}
