/** Resolved by the `torchlet-optional-webgpu` plugin in `.vitepress/config.ts`. */
declare module 'virtual:torchlet-webgpu' {
  /** Whether `@torchlet/webgpu` was built (has `dist/index.js`) when the site was bundled. */
  export const webgpuBuilt: boolean;
  /** Loads `@torchlet/webgpu` (a separate chunk), or resolves to null when it was not built. */
  export function loadWebGPU(): Promise<unknown>;
}
