import { keep, ones, type Tensor, TorchletError, tidy } from '@torchlet/tensor';
import { enableGrad, noGrad } from './grad-mode.js';
import { AccumulateGrad, type Edge, edgeOf, type Node } from './node.js';

export interface BackwardOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
  /** Accumulate only into these leaves (tensor.backward(inputs=...)). */
  inputs?: Tensor[];
}

/** Where autograd.grad collects the gradient of each requested input. */
type Capture = Map<Node, Map<number, number>>;

interface Run {
  createGraph: boolean;
  retainGraph: boolean;
  accumulateOnly: Set<Tensor> | null;
  capture: Capture | null;
  captured: (Tensor | null)[];
  /** Gradient tensors stored somewhere (leaf.grad, captures, user gradients): never disposed. */
  kept: Set<Tensor>;
  /** How many buffer slots hold each gradient tensor: one object may flow into several edges. */
  pending: Map<Tensor, number>;
}

function hold(run: Run, t: Tensor): void {
  run.pending.set(t, (run.pending.get(t) ?? 0) + 1);
}

/** Drops one buffer reference; disposes the tensor when nothing holds it any more. */
function drop(run: Run, t: Tensor): void {
  const n = (run.pending.get(t) ?? 0) - 1;
  if (n > 0) {
    run.pending.set(t, n);
    return;
  }
  run.pending.delete(t);
  if (!run.createGraph && !run.kept.has(t)) t.dispose();
}

function shapeStr(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

function rootEdges(
  roots: Tensor[],
  gradOutputs: (Tensor | null | undefined)[],
  run: Run,
): { edges: Edge[]; grads: Tensor[] } {
  const edges: Edge[] = [];
  const grads: Tensor[] = [];
  roots.forEach((t, i) => {
    const e = edgeOf(t);
    if (!e)
      throw new TorchletError(`element ${i} of tensors does not require grad and does not have a grad_fn`);
    let g = gradOutputs[i] ?? null;
    if (g === null) {
      if (t.numel() !== 1) throw new TorchletError('grad can be implicitly created only for scalar outputs');
      g = ones(t.shape, { dtype: t.dtype, device: t.device });
    } else {
      if (g.shape.length !== t.shape.length || g.shape.some((s, k) => s !== t.shape[k])) {
        throw new TorchletError(
          `Mismatch in shape: grad_output[${i}] has a shape of ${shapeStr(g.shape)} and output[${i}] has a shape of ${shapeStr(t.shape)}.`,
        );
      }
      run.kept.add(g);
    }
    edges.push(e);
    grads.push(g);
  });
  return { edges, grads };
}

/** Counts, for every node reachable from the roots, how many edges lead into it. */
function dependencies(starts: Node[]): Map<Node, number> {
  const deps = new Map<Node, number>();
  const seen = new Set<Node>(starts);
  const stack = [...starts];
  while (stack.length) {
    const node = stack.pop()!;
    for (const e of node.next) {
      if (!e) continue;
      deps.set(e[0], (deps.get(e[0]) ?? 0) + 1);
      if (!seen.has(e[0])) {
        seen.add(e[0]);
        stack.push(e[0]);
      }
    }
  }
  return deps;
}

function addInto(buffers: Map<Node, (Tensor | null)[]>, [node, nr]: Edge, g: Tensor, run: Run): void {
  let buf = buffers.get(node);
  if (!buf) {
    buf = [];
    buffers.set(node, buf);
  }
  const prev = buf[nr];
  if (!prev) {
    buf[nr] = g;
    hold(run, g);
    return;
  }
  const sum = prev.add(g);
  buf[nr] = sum;
  hold(run, sum);
  drop(run, prev);
  // g never entered a buffer here: dispose it unless another buffer or a store holds it
  if (!run.pending.has(g) && !run.createGraph && !run.kept.has(g)) g.dispose();
}

function runHooks(node: Node, grads: (Tensor | null)[], kept: Set<Tensor>): void {
  if (!node.preHooks) return;
  for (const [nr, hooks] of node.preHooks) {
    for (const hook of hooks) {
      const g = grads[nr];
      if (!g) continue;
      // A hook may keep the gradient (retainGrad does): never dispose what a hook has seen.
      kept.add(g);
      const replaced = hook(g);
      if (replaced) {
        grads[nr] = replaced;
        kept.add(replaced);
      }
    }
  }
}

function accumulate(node: AccumulateGrad, g: Tensor, run: Run): void {
  const v = node.variable;
  if (run.accumulateOnly && !run.accumulateOnly.has(v)) return;
  if (v.grad === null) {
    // The leaf must own its gradient alone: in-place updates of p.grad must not touch anything else.
    const shared = run.kept.has(g) || g.storage.refs > 1 || !g.isContiguous();
    // keep(): a gradient lives on the leaf, beyond any tidy() scope the backward ran in.
    v.grad = keep(shared && !run.createGraph ? g.clone() : g);
    run.kept.add(v.grad);
  } else if (run.createGraph) {
    v.grad = keep(v.grad.add(g));
    run.kept.add(v.grad);
  } else v.grad.add_(g);
}

/** The engine: runs nodes once all their consumers have run, latest-created first among the ready. */
function execute(roots: Tensor[], gradOutputs: (Tensor | null | undefined)[], run: Run): void {
  const { edges, grads } = rootEdges(roots, gradOutputs, run);
  const starts = [...new Set(edges.map((e) => e[0]))];
  const deps = dependencies(starts);
  const buffers = new Map<Node, (Tensor | null)[]>();
  edges.forEach((e, i) => {
    addInto(buffers, e, grads[i], run);
  });
  const ready = starts.filter((n) => !deps.get(n));
  const step = () => {
    while (ready.length) {
      let best = 0;
      for (let i = 1; i < ready.length; i++) if (ready[i].seq > ready[best].seq) best = i;
      const node = ready.splice(best, 1)[0];
      const inGrads = buffers.get(node) ?? [];
      buffers.delete(node);
      runHooks(node, inGrads, run.kept);
      const cap = run.capture?.get(node);
      if (cap) {
        for (const [nr, slot] of cap) {
          const g = inGrads[nr] ?? null;
          run.captured[slot] = g;
          if (g) run.kept.add(g);
        }
      }
      let outGrads: (Tensor | null)[] = [];
      if (node instanceof AccumulateGrad) {
        if (!run.capture && inGrads[0]) accumulate(node, inGrads[0], run);
      } else if (inGrads.some((g) => g)) {
        outGrads = run.createGraph ? node.apply(inGrads) : tidy(() => node.apply(inGrads));
        if (!run.retainGraph) node.release();
      }
      node.next.forEach((e, i) => {
        if (!e) return;
        const g = outGrads[i];
        if (g) addInto(buffers, e, g, run);
        const left = (deps.get(e[0]) ?? 0) - 1;
        deps.set(e[0], left);
        if (left === 0) ready.push(e[0]);
      });
      // The incoming gradients are dead now unless passed on unchanged (held again above) or stored.
      for (const g of inGrads) if (g) drop(run, g);
    }
  };
  if (run.createGraph) enableGrad(step);
  else noGrad(step);
}

/** tensor.backward(gradient, {retainGraph, createGraph, inputs}). */
export function backward(root: Tensor, gradient: Tensor | undefined, opts: BackwardOptions = {}): void {
  const createGraph = opts.createGraph ?? false;
  execute([root], [gradient ?? null], {
    createGraph,
    retainGraph: opts.retainGraph ?? createGraph,
    accumulateOnly: opts.inputs ? new Set(opts.inputs) : null,
    capture: null,
    captured: [],
    kept: new Set(),
    pending: new Map(),
  });
}

export interface GradOptions {
  gradOutputs?: (Tensor | null)[];
  retainGraph?: boolean;
  createGraph?: boolean;
  allowUnused?: boolean;
}

/** torch.autograd.grad: gradients of outputs w.r.t. inputs, returned instead of accumulated. */
export function grad(
  outputs: Tensor | Tensor[],
  inputs: Tensor | Tensor[],
  opts: GradOptions = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  const capture: Capture = new Map();
  ins.forEach((t, slot) => {
    const e = edgeOf(t);
    if (!e) throw new TorchletError(`grad: input ${slot} does not require grad`);
    const m = capture.get(e[0]) ?? new Map<number, number>();
    m.set(e[1], slot);
    capture.set(e[0], m);
  });
  const createGraph = opts.createGraph ?? false;
  const run: Run = {
    createGraph,
    retainGraph: opts.retainGraph ?? createGraph,
    accumulateOnly: null,
    capture,
    captured: ins.map(() => null),
    kept: new Set(),
    pending: new Map(),
  };
  execute(outs, opts.gradOutputs ?? [], run);
  run.captured.forEach((g, i) => {
    if (g === null && !opts.allowUnused) {
      throw new TorchletError(
        `grad: one of the differentiated Tensors (input ${i}) appears to not have been used in the graph. Set allowUnused: true if this is the desired behavior.`,
      );
    }
  });
  return run.captured;
}
