/** WebAssembly SIMD float32 kernels for the CPU backend; each returns false when the JS kernel should run. */
export { simdConv2d, simdConv2dBackwardInput, simdConv2dBackwardWeight } from './conv.js';
export { simdBinary, simdCopy, simdFill, simdUnary, simdWhere } from './elementwise.js';
export { simdMaxPool2d, simdMaxPool2dBackward } from './pool.js';
export { simdReduce } from './reduce.js';
export { SimdRuntime, setSimdEnabled, simdAvailable } from './runtime.js';
export { setSimdMinElements } from './stage.js';
