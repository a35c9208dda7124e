import { type GradFn, keep, type Tensor, TorchletError } from '@torchlet/tensor';

/** Where a gradient flows: input `inputNr` of node `fn` (for AccumulateGrad, always 0). */
export type Edge = readonly [Node, number];

/** A tensor kept for backward, with the storage version it had when saved (PyTorch's SavedVariable). */
export class SavedTensor {
  private tensor: Tensor | null;
  private readonly version: number;

  constructor(
    t: Tensor,
    private readonly owner: string,
    private readonly isOutput: boolean,
  ) {
    // An alias keeps the storage alive even if the user disposes the original tensor. It keeps t's
    // place in the graph (gradFn, or the same AccumulateGrad for a leaf) for double backward.
    // keep(): an enclosing tidy() must not dispose what the graph holds for backward.
    const alias = keep(t.detach());
    if (t.requiresGrad) {
      alias.autogradMeta = meta(t);
      if (t.gradFn) alias.setGradFn(t.gradFn);
      else alias.requiresGrad_(true);
    }
    this.tensor = alias;
    this.version = t.storage.version;
  }

  unpack(): Tensor {
    const t = this.tensor;
    if (t === null) {
      throw new TorchletError(
        'Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retainGraph: true if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.',
      );
    }
    if (t.storage.version !== this.version) {
      const what = this.isOutput ? `output 0 of ${this.owner}` : `an input of ${this.owner}`;
      throw new TorchletError(
        `one of the variables needed for gradient computation has been modified by an inplace operation: [${t.dtype} [${t.shape.join(', ')}]], which is ${what}, is at version ${t.storage.version}; expected version ${this.version} instead.`,
      );
    }
    return t;
  }

  release(): void {
    this.tensor?.dispose();
    this.tensor = null;
  }
}

export type PreHook = (grad: Tensor) => Tensor | undefined | void;

let nextSeq = 0;

/** A node of the backward graph. Subclasses compute input gradients from output gradients. */
export abstract class Node implements GradFn {
  /** Edges to the producers of this node's inputs, null where an input needs no gradient. */
  next: (Edge | null)[] = [];
  /** Hooks on the gradient of each output (tensor hooks, retainGrad), keyed by output number. */
  preHooks: Map<number, PreHook[]> | null = null;
  /** Creation order, so the engine runs later nodes first when dependencies tie. */
  readonly seq = nextSeq++;

  abstract name(): string;
  abstract apply(grads: (Tensor | null)[]): (Tensor | null)[];
  /** Frees saved tensors after a backward pass without retainGraph. */
  release(): void {}

  get nextFunctions(): readonly (readonly [GradFn | null, number])[] {
    return this.next.map((e) => (e ? ([e[0], e[1]] as const) : ([null, 0] as const)));
  }

  addPreHook(outputNr: number, hook: PreHook): () => void {
    this.preHooks ??= new Map();
    const list = this.preHooks.get(outputNr) ?? [];
    list.push(hook);
    this.preHooks.set(outputNr, list);
    return () => {
      const i = list.indexOf(hook);
      if (i >= 0) list.splice(i, 1);
    };
  }

  toString(): string {
    return `<${this.name()}>`;
  }
}

/** The sink of a leaf tensor's gradient: adds it into `variable.grad`. */
export class AccumulateGrad extends Node {
  constructor(readonly variable: Tensor) {
    super();
  }

  name(): string {
    return 'AccumulateGrad';
  }

  apply(): (Tensor | null)[] {
    throw new Error('AccumulateGrad is applied by the engine');
  }
}

/** Per-tensor bookkeeping kept in Tensor.autogradMeta. */
export interface Meta {
  /** Which output of its gradFn this tensor is. */
  outputNr: number;
  /** The leaf's AccumulateGrad node, created once. */
  accumulate: AccumulateGrad | null;
  /** True for views (view, slice, transpose...) of tensors that require grad. */
  isView: boolean;
  retainsGrad: boolean;
  /** Hooks registered on a leaf (run before accumulation). */
  hooks: PreHook[];
}

export function meta(t: Tensor): Meta {
  let m = t.autogradMeta as Meta | null;
  if (!m) {
    m = { outputNr: 0, accumulate: null, isView: false, retainsGrad: false, hooks: [] };
    t.autogradMeta = m;
  }
  return m;
}

/** The edge a gradient for t flows into: its gradFn output, its AccumulateGrad, or none. */
export function edgeOf(t: Tensor): Edge | null {
  if (t.gradFn) return [t.gradFn as Node, meta(t).outputNr];
  if (!t.requiresGrad) return null;
  const m = meta(t);
  m.accumulate ??= new AccumulateGrad(t);
  return [m.accumulate, 0];
}
