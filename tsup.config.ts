import { defineConfig } from 'tsup';

// One entry per layer, so that each layer is its own package export and a
// consumer of `@hecnn/ckks/ntt` never pulls the scheme or the trainer.
export default defineConfig([{
  entry: {
    index: 'src/index.ts',
    'ntt/index': 'src/ntt/index.ts',
    'ckks/index': 'src/ckks/index.ts',
    'encoding/index': 'src/encoding/index.ts',
    'mlr/index': 'src/mlr/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: false,
  splitting: true,
  treeshake: true,
  target: 'es2022',
  platform: 'neutral',
}, {
  // The Node adapters: the command line (reads files, writes reports) and the
  // worker-thread pool (`@hecnn/ckks/node`) with its worker entry.
  entry: { 'cli/hecnn': 'src/cli/hecnn.ts', 'node/index': 'src/node/index.ts', 'node/pair-worker': 'src/node/pair-worker.ts' },
  format: ['esm'],
  dts: { entry: { 'node/index': 'src/node/index.ts' } },
  // No shared chunks: the pool finds its worker entry relative to its own file
  // (dist/node/pair-worker.js from dist/node/index.js or dist/cli/hecnn.js).
  splitting: false,
  sourcemap: true,
  clean: false,
  target: 'es2022',
  platform: 'node',
  banner: { js: '#!/usr/bin/env node' },
}]);
