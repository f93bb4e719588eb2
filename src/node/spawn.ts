/**
 * Spawning worker threads from a built module or, in development and tests,
 * from TypeScript sources through tsx's loader (Node only).
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * A worker on `url`; a TypeScript entry (development, tests) is loaded through tsx's loader.
 * @param url the entry module
 * @returns the started worker
 * @throws Error if tsx is needed and not installed
 */
export function spawnWorker(url: URL): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url);
  // tsx's ESM API (its package "exports" map: ./esm/api -> import -> default).
  const pkgPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = new URL(pkg.exports['./esm/api'].import.default, pathToFileURL(pkgPath)).href;
  const code = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(url.href)}))`;
  return new Worker(code, { eval: true });
}
