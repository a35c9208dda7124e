/**
 * @torchlet/autograd: PyTorch's autograd for Torchlet. Importing this package installs the recording
 * layer into the tensor package's dispatcher and gives Tensor its backward(), retainGrad() and
 * registerHook().
 */
import { keep, setAutogradHooks, setDispatchLayer, type Tensor, TorchletError } from '@torchlet/tensor';
import { backward } from './engine.js';
import { edgeOf, meta } from './node.js';
import { recordingLayer } from './record.js';
import './internal-ops.js';

setDispatchLayer(recordingLayer);
setAutogradHooks({
  backward: (t, gradient, opts) => backward(t, gradient, opts),
  retainGrad(t: Tensor) {
    if (t.isLeaf) return;
    const m = meta(t);
    if (m.retainsGrad) return;
    m.retainsGrad = true;
    (t.gradFn as unknown as import('./node.js').Node).addPreHook(m.outputNr, (g) => {
      t.grad = keep(t.grad ? t.grad.add(g) : g.detach());
    });
  },
  registerHook(t: Tensor, hook) {
    const e = edgeOf(t);
    if (!e)
      throw new TorchletError(
        "registerHook: cannot register a hook on a tensor that doesn't require gradient",
      );
    return e[0].addPreHook(e[1], hook);
  },
});

export type { Ctx, Derivative, TableEntry } from './derivative.js';
export { sumTo } from './derivatives/helpers.js';
export { derivatives, registerDerivative } from './derivatives/index.js';
export { type BackwardOptions, backward, type GradOptions, grad } from './engine.js';
export { enableGrad, isGradEnabled, noGrad, setGradEnabled } from './grad-mode.js';
export { type GradcheckOptions, gradcheck } from './gradcheck.js';
export { AccumulateGrad, Node } from './node.js';
