import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // big GEMMs and fixture suites are slow on a loaded 2-core machine; never a timing assertion
    testTimeout: 120_000,
  },
});
