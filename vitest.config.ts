import { defineConfig } from 'vitest/config';

// One embedded database per worker process, each test file in its own schema (see test/helpers/db.ts):
// isolate=false keeps the worker's PGlite alive across files, so it boots once per worker.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
