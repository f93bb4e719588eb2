/**
 * Benchmark runner.
 *
 *   npm run bench -- <suite>        e.g.  npm run bench -- ntt
 *
 * Loads bench/<suite>.ts, which must export `run(): Promise<object>`. The suite
 * prints human-readable progress lines; when it is done the runner adds the
 * machine description and prints the figures as ONE JSON object on the LAST
 * line of stdout, and writes the same object (pretty-printed) to
 * bench/results/<suite>.json.
 *
 * Exit codes: 0 success; 1 the suite threw; 2 unknown or missing suite name.
 */

import os from 'node:os';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machineInfo, peakRssMiB } from './util.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Files in bench/ that are helpers, not suites. */
const NOT_SUITES = new Set(['run', 'util', 'baseline']);

function availableSuites(): string[] {
  return readdirSync(here)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .filter((name) => !NOT_SUITES.has(name))
    .sort();
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

async function main(): Promise<number> {
  const suites = availableSuites();
  const name = process.argv[2];
  if (name === undefined || !suites.includes(name)) {
    const what = name === undefined ? 'no suite given' : `unknown suite "${name}"`;
    console.error(`bench: ${what}. Available suites: ${suites.join(', ')}`);
    console.error('usage: npm run bench -- <suite>');
    return 2;
  }
  const mod = (await import(pathToFileURL(path.join(here, `${name}.ts`)).href)) as { run?: () => Promise<object> };
  if (typeof mod.run !== 'function') {
    console.error(`bench: bench/${name}.ts does not export run()`);
    return 2;
  }
  const started = performance.now();
  const loadBefore = os.loadavg()[0];
  if (loadBefore > 0.5) {
    console.log(`bench: note: 1-minute load average is ${loadBefore.toFixed(2)} before the run; other processes may skew the figures`);
  }
  const figures = await mod.run();
  const loadAfter = os.loadavg()[0];
  const result = {
    ...figures,
    suite: name,
    peakRssMiB: Math.round(peakRssMiB() * 10) / 10,
    wallSeconds: Math.round(performance.now() - started) / 1000,
    machine: { ...machineInfo(), loadAverage1mBefore: round2(loadBefore), loadAverage1mAfter: round2(loadAfter) },
  };
  const dir = path.join(here, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`bench: wrote ${path.relative(process.cwd(), file)}`);
  console.log(JSON.stringify(result));
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error('bench: suite failed:', err);
    process.exitCode = 1;
  },
);
