import { copyFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Options, defineConfig } from 'tsup';

/** `@hecnn/ckks` and `@hecnn/ckks/<layer>` resolved to src/ (the owner page is written against the package's names). */
const selfToSrc: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'hecnn-self-to-src',
  setup(build) {
    build.onResolve({ filter: /^@hecnn\/ckks(\/[a-z]+)?$/ }, (args) => {
      const sub = args.path.slice('@hecnn/ckks'.length);
      return { path: resolve(sub === '' ? 'src/index.ts' : `src${sub}/index.ts`) };
    });
  },
};

// One entry per layer, so that each layer is its own package export and a
// consumer of `@hecnn/ckks/ntt` never pulls the scheme or the trainer.
const LIBRARY: Record<string, string> = {
  index: 'src/index.ts',
  'ntt/index': 'src/ntt/index.ts',
  'rlwe/index': 'src/rlwe/index.ts',
  'ckks/index': 'src/ckks/index.ts',
  'circuits/index': 'src/circuits/index.ts',
  'encoding/index': 'src/encoding/index.ts',
  'mlr/index': 'src/mlr/index.ts',
  'node/index': 'src/node/index.ts',
  'browser/index': 'src/browser/index.ts',
};

// Every entry point is built in ONE esbuild run per format with code splitting,
// so that the library's classes (Ciphertext, RnsPoly, the errors, ...) exist once
// in shared chunks and `instanceof` holds across `@hecnn/ckks`, its subpaths,
// `/node`, `/browser`, the `hecnn` command and the worker entries. A second
// build would carry a second copy of every class (issue 16).
//
// No source maps in the package: they doubled its size and pointed at src/
// files that are not shipped (set `sourcemap: true` below for local debugging).
export default defineConfig([
  {
    // ESM: the library, the Node and browser adapters with their worker
    // entries, and the command. The command's shebang comes from its source.
    entry: {
      ...LIBRARY,
      'node/pair-worker': 'src/node/pair-worker.ts',
      'node/transform-worker': 'src/node/transform-worker.ts',
      'browser/pair-worker': 'src/browser/pair-worker.ts',
      'cli/hecnn': 'src/cli/hecnn.ts',
    },
    format: ['esm'],
    dts: { entry: { ...LIBRARY, 'browser/pair-worker': 'src/browser/pair-worker.ts' } },
    clean: false,
    splitting: true,
    treeshake: true,
    sourcemap: false,
    target: 'es2022',
    platform: 'neutral',
    external: [/^node:/],
  },
  {
    // CommonJS for `require()`: the library layers and `/node` (whose worker
    // entry stays ESM: a worker thread has its own module graph). `/browser`
    // is ESM only (browsers and bundlers load ESM).
    entry: Object.fromEntries(Object.entries(LIBRARY).filter(([k]) => k !== 'browser/index')),
    format: ['cjs'],
    dts: { entry: Object.fromEntries(Object.entries(LIBRARY).filter(([k]) => k !== 'browser/index')) },
    clean: false,
    splitting: true,
    treeshake: true,
    sourcemap: false,
    shims: true,
    target: 'es2022',
    platform: 'neutral',
    external: [/^node:/],
  },
  {
    // The data owner's page (`hecnn serve --owner`): a browser app, bundled
    // with its dependencies (a browser cannot resolve bare package names), its
    // Web Workers sharing one chunk of the library.
    entry: {
      app: 'examples/browser/app.ts',
      'owner-worker': 'examples/browser/owner-worker.ts',
      'pair-worker': 'src/browser/pair-worker.ts',
    },
    outDir: 'dist/owner',
    format: ['esm'],
    dts: false,
    clean: false,
    splitting: true,
    treeshake: true,
    sourcemap: false,
    minify: true,
    target: 'es2022',
    platform: 'browser',
    noExternal: [/.*/],
    esbuildPlugins: [selfToSrc],
    onSuccess: async () => {
      mkdirSync('dist/owner', { recursive: true });
      copyFileSync('examples/browser/index.html', 'dist/owner/index.html');
    },
  },
]);
