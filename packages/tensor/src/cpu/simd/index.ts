/** WebAssembly SIMD float32 kernels for the CPU backend; each returns false when the JS kernel should run. */
export { simdConv2d, simdConv2dBackwardInput, simdConv2dBackwardWeight } from './conv.js';
export {
  type DirectConvMode,
  directConv2d,
  directConv2dBackwardWeight,
  forceDirectConvPlan,
  setDirectConv,
} from './dconv.js';
export {
  simdBinary,
  simdCopy,
  simdFill,
  simdThresholdBackward,
  simdUnary,
  simdWhere,
} from './elementwise.js';
export { simdAdamStep, simdSgdStep } from './optim.js';
export { simdMaxPool2d, simdMaxPool2dBackward } from './pool.js';
export { simdReduce } from './reduce.js';
export { SimdRuntime, setSimdEnabled, simdAvailable } from './runtime.js';
export { setSimdMinElements } from './stage.js';
