/**
 * The layering rule of docs/ARCHITECTURE.md, checked on the source: every
 * import under src/ points to the same layer or a lower one, `node:` modules
 * are imported only by the Node adapters (src/node, src/cli), and the library
 * layers import no runtime package but the ones chosen on purpose.
 *
 * Layers, lowest first: core -> ntt (ring) -> rlwe -> ckks -> circuits ->
 * encoding -> mlr -> node | browser -> cli; src/index.ts re-exports the library layers.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** Layer rank by top-level folder of src/ (the root index sits above the library layers). */
const RANK: Record<string, number> = {
  core: 0,
  ntt: 1,
  rlwe: 2,
  ckks: 3,
  circuits: 4,
  encoding: 5,
  mlr: 6,
  'index.ts': 7,
  node: 8,
  browser: 8,
  cli: 9,
};

/** Folders allowed to import `node:` modules. */
const NODE_ADAPTERS = new Set(['node', 'cli']);

/** Runtime packages the library layers may import (the command may import these too). */
const ALLOWED_PACKAGES = [/^@noble\/hashes(\/|$)/, /^@noble\/ciphers(\/|$)/, /^@noble\/curves(\/|$)/];

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Every module specifier of a TypeScript file: static imports and re-exports (type-only included), dynamic imports. */
export function importsOf(text: string): string[] {
  const specs: string[] = [];
  const re = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) specs.push(m[1] ?? m[2] ?? m[3]);
  return specs;
}

function layerOf(file: string): string {
  const rel = relative(SRC, file).split(/[\\/]/);
  return rel.length === 1 ? rel[0] : rel[0];
}

interface Violation {
  file: string;
  spec: string;
  why: string;
}

function violations(): Violation[] {
  const found: Violation[] = [];
  for (const file of walk(SRC)) {
    const from = layerOf(file);
    const rank = RANK[from];
    const rel = relative(SRC, file);
    if (rank === undefined) {
      found.push({ file: rel, spec: '', why: `file in an unknown layer "${from}" (add it to RANK and docs/ARCHITECTURE.md)` });
      continue;
    }
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('node:')) {
        if (!NODE_ADAPTERS.has(from)) found.push({ file: rel, spec, why: 'node: import outside src/node and src/cli' });
      } else if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        const to = layerOf(target);
        const toRank = RANK[to];
        if (toRank === undefined || !target.startsWith(SRC)) found.push({ file: rel, spec, why: 'import outside src/' });
        else if (toRank > rank) found.push({ file: rel, spec, why: `upward import: ${from} -> ${to}` });
      } else if (!ALLOWED_PACKAGES.some((r) => r.test(spec))) {
        found.push({ file: rel, spec, why: 'runtime package not on the allowed list' });
      }
    }
  }
  return found;
}

describe('layering', () => {
  it('the import scanner sees static, type-only, side-effect and dynamic imports and re-exports', () => {
    const text = [
      "import { a } from '../x.js';",
      "import type { B } from '../y.js';",
      "export * from './z.js';",
      "export { c } from '../w.js';",
      "import '../side.js';",
      "const m = await import('../dyn.js');",
      "import {\n  d,\n  e,\n} from 'node:fs';",
    ].join('\n');
    expect(importsOf(text).sort()).toEqual(['../dyn.js', '../side.js', '../w.js', '../x.js', '../y.js', './z.js', 'node:fs'].sort());
  });

  it('the rule catches an upward import and a node: import in a library layer', () => {
    // A file in src/ntt importing the scheme, and one in src/ckks importing node:fs.
    const ntt = join(SRC, 'ntt', 'fake.ts');
    const up = importsOf("import { Evaluator } from '../ckks/index.js';").map((s) => layerOf(resolve(dirname(ntt), s)));
    expect(RANK[up[0]]).toBeGreaterThan(RANK[layerOf(ntt)]);
    expect(NODE_ADAPTERS.has(layerOf(join(SRC, 'ckks', 'fake.ts')))).toBe(false);
  });

  it('no upward import, no node: import outside the Node adapters, no unlisted runtime package', () => {
    const v = violations();
    expect(v.map((x) => `${x.file}: ${x.spec} (${x.why})`)).toEqual([]);
  });

  it('every layer is a package export', () => {
    const pkg = JSON.parse(readFileSync(join(SRC, '../package.json'), 'utf8')) as { exports: Record<string, unknown> };
    for (const layer of ['ntt', 'rlwe', 'ckks', 'circuits', 'encoding', 'mlr', 'node', 'browser']) expect(Object.keys(pkg.exports)).toContain(`./${layer}`);
  });
});
