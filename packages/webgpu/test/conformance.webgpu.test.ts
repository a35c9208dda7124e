/**
 * The PyTorch conformance suite of @torchlet/tensor on the WebGPU backend. float64 cases must throw
 * (float64 is CPU-only). Tolerances that differ from the CPU's are stated per family below.
 */
import { afterAll, describe } from 'vitest';
import { conformanceSuite } from '../../tensor/test/conformance/suite.js';
import { disposeWebGPU } from '../src/index.js';
import { gpu } from './probe.js';

afterAll(disposeWebGPU);

describe.skipIf(!gpu.ok)('webgpu', () => {
  conformanceSuite('webgpu', {
    unsupportedDTypes: ['float64'],
    // inferring the number of classes needs a synchronous read of the indices, which a GPU cannot do
    expectThrow: { 'oneHot/infer_classes': /oneHot: numClasses must be given for tensors on this device/ },
    tolerances: {},
  });
});
