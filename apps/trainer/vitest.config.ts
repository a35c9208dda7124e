import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // builds dist/ (the CLI the child-process test runs) when it is missing or older than src/
    globalSetup: ['./test/global-setup.ts'],
    // training runs on a loaded 2-core machine: generous limits, never a timing assertion
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
