import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The memory test calls global.gc() to tell leaked tensors from uncollected garbage.
    pool: 'forks',
    // the seed programs train for 500 steps: slow on a loaded 2-core machine, never a timing assertion
    testTimeout: 120_000,
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
  },
});
