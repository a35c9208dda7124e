import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    // The suite builds the site, then drives a browser: slow on a loaded 2-core machine. No timing
    // assertions anywhere; these are upper bounds only.
    testTimeout: 420_000,
    hookTimeout: 600_000,
  },
});
