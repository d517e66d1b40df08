import { defineConfig } from 'vitest/config';

// One embedded database per worker process, each test file in its own schema (see test/helpers/db.ts):
// isolate=false keeps the worker's PGlite alive across files, so it boots once per worker.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    isolate: false,
    // Generous: an engine test that takes 10 s on a quiet machine took over 30 s at load 10+ (CI
    // shares 2 cores with the browser tests and PostgreSQL). A hang still fails, later.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
