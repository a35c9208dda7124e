import { type DispatchLayer, type OpOutput, Tensor, TorchletError } from '@torchlet/tensor';
import { isNonDifferentiable } from './derivative.js';
import { derivatives } from './derivatives/index.js';
import { isGradEnabled, noGrad } from './grad-mode.js';
import { edgeOf, meta } from './node.js';
import { OpNode } from './op-node.js';

/** Ops whose output shares storage with their input: in-place writes to such outputs are refused. */
const VIEW_OPS = new Set([
  'view',
  'permute',
  'transpose',
  't',
  'expand',
  'squeeze',
  'unsqueeze',
  'slice',
  'select',
]);

function checkInplace(name: string, self: Tensor): void {
  if (self.isLeaf && self.requiresGrad) {
    throw new TorchletError(
      `${name}: a leaf Variable that requires grad is being used in an in-place operation. Do it inside noGrad(() => ...) or on t.data.`,
    );
  }
  if (self.autogradMeta && meta(self).isView) {
    throw new TorchletError(
      `${name}: in-place operations on a view of a tensor that requires grad are not supported; use the out-of-place op (e.g. x = x.${name.slice(0, -1)}(...)).`,
    );
  }
}

/**
 * The recording layer: runs an op with recording off (its inner ops are not part of the graph) and,
 * when any input requires grad, attaches one node with the op's formula from the derivatives table.
 */
export const recordingLayer: DispatchLayer = {
  dispatch(name, inputs, attrs, run): OpOutput {
    for (const t of inputs) t.assertLive();
    if (!isGradEnabled()) return run();
    let anyGrad = false;
    for (const t of inputs) if (t.requiresGrad) anyGrad = true;
    if (!anyGrad) return run();
    const entry = derivatives.get(name);
    if (!entry)
      throw new TorchletError(
        `${name}: no derivative formula is registered for this op, so it cannot be differentiated`,
      );
    if (isNonDifferentiable(entry)) return noGrad(run);

    const inplace = name.endsWith('_');
    const edges = inputs.map(edgeOf);
    if (inplace) checkInplace(name, inputs[0]);
    let saved: Tensor[] | null = null;
    if (entry.save?.inputs) {
      // In place ops overwrite input 0: save a copy of its old value. The copy is recorded (a
      // CloneBackward0 node), so that double backward reaches input 0's history through it.
      saved = inplace ? [inputs[0].clone(), ...inputs.slice(1)] : inputs;
    }
    const node = new OpNode(name, entry, inputs, attrs, saved);
    if (inplace && saved) saved[0].dispose(); // the SavedTensor holds its own alias
    node.next = edges;
    const out = noGrad(run);
    const outs = out instanceof Tensor ? [out] : out;
    // Only floating outputs carry gradients (indices of maxPool2dWithIndices do not).
    outs.forEach((o, i) => {
      if (!o.isFloatingPoint()) return;
      o.setGradFn(node);
      const m = meta(o);
      m.outputNr = i;
      m.isView = VIEW_OPS.has(name);
    });
    // Saved outputs keep their place in the graph (gradFn = this node) for double backward, so they
    // are saved once their gradFn is set.
    node.setOutputs(outs);
    return out;
  },
};
