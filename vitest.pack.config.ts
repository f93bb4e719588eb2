import { defineConfig } from 'vitest/config';

// `npm run test:pack`: the packed tarball installed into a temporary project
// (test/pack/). Needs `npm run build` first; .ci/run runs it after `npm test`.
export default defineConfig({
  test: {
    include: ['test/pack/**/*.pack.ts', 'test/pack/**/*.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 600_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
