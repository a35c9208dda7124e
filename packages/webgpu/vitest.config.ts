import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Without a GPU, Dawn runs on SwiftShader's Vulkan driver (Debian's chromium package). Point Vulkan
// at it when nothing else is configured, so that `pnpm test` works the same locally and in CI.
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}
if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = '/tmp';

export default defineConfig({
  resolve: {
    // The conformance suite imports the tensor package's sources; the backend, autograd and nn must
    // see the same module instance (one backend registry, one dispatcher), so every import of
    // @torchlet/tensor resolves to the sources here.
    alias: { '@torchlet/tensor': fileURLToPath(new URL('../tensor/src/index.ts', import.meta.url)) },
  },
  test: {
    // The memory test calls global.gc() to tell leaked tensors from uncollected garbage.
    pool: 'forks',
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    // SwiftShader runs shaders on the CPU of a loaded 2-core machine; never a timing assertion
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
