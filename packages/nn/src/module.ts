import { noGrad } from '@torchlet/autograd';
import { type Device, type DType, isFloat, type Tensor, TorchletError, ValueError } from '@torchlet/tensor';
import { Parameter } from './parameter.js';

export type StateDict = Record<string, Tensor>;
// biome-ignore lint/suspicious/noExplicitAny: a hook sees modules of any signature
export type AnyModule = Module<any, any>;
export type ForwardHook = (module: AnyModule, inputs: unknown[], output: unknown) => unknown;
/** Returns nothing, new inputs as an array, or (as PyTorch allows) a single new input. */
export type ForwardPreHook = (module: AnyModule, inputs: unknown[]) => unknown;

/** Unregisters a hook when called, or through remove() as PyTorch's handle.remove(). */
export type RemovableHandle = (() => void) & { remove(): void };

function register<H>(list: H[], hook: H): RemovableHandle {
  list.push(hook);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    const i = list.indexOf(hook);
    if (i >= 0) list.splice(i, 1);
  };
  return Object.assign(remove, { remove });
}

interface Internals {
  buffers: Map<string, { tensor: Tensor | null; persistent: boolean }>;
  forwardHooks: ForwardHook[];
  forwardPreHooks: ForwardPreHook[];
}

const DTYPES = new Set<string>(['float32', 'float64', 'int32', 'bool']);

const internals = new WeakMap<AnyModule, Internals>();
function inner(m: AnyModule): Internals {
  let i = internals.get(m);
  if (!i) {
    i = { buffers: new Map(), forwardHooks: [], forwardPreHooks: [] };
    internals.set(m, i);
  }
  return i;
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Indents every line but the first (torch.nn.modules.module._addindent). */
function addIndent(s: string, n: number): string {
  const lines = s.split('\n');
  if (lines.length === 1) return s;
  return [lines[0], ...lines.slice(1).map((l) => ' '.repeat(n) + l)].join('\n');
}

/**
 * Base class of all layers and models, as torch.nn.Module. Parameters and sub-modules are the fields
 * assigned in the constructor (`this.conv1 = new nn.Conv2d(1, 6, 5)`), found in the order they were
 * assigned; buffers (running statistics) are registered with registerBuffer().
 */
export abstract class Module<I extends unknown[] = [Tensor], O = Tensor> {
  training = true;

  abstract forward(...args: I): O;

  /** Runs forward with the forward hooks: PyTorch's `module(x)`. */
  call(...args: I): O {
    const { forwardHooks, forwardPreHooks } = inner(this);
    let input: unknown[] = args;
    for (const hook of forwardPreHooks) {
      // like PyTorch, a hook may return a single value instead of the tuple of inputs
      const r = hook(this, input);
      if (r !== undefined && r !== null) input = Array.isArray(r) ? r : [r];
    }
    let out: unknown;
    try {
      out = this.forward(...(input as I));
    } catch (e) {
      throw nameLayer(this, e);
    }
    for (const hook of forwardHooks) {
      const r = hook(this, input, out);
      if (r !== undefined) out = r;
    }
    return out as O;
  }

  /** Returns a handle: call it, or its remove() as PyTorch's RemovableHandle, to unregister the hook. */
  registerForwardHook(hook: ForwardHook): RemovableHandle {
    return register(inner(this).forwardHooks, hook);
  }

  registerForwardPreHook(hook: ForwardPreHook): RemovableHandle {
    return register(inner(this).forwardPreHooks, hook);
  }

  /**
   * Registers a buffer under PyTorch's name (e.g. 'running_mean', used by stateDict()) and exposes
   * it as a property under that name and its camelCase form (`runningMean`).
   */
  registerBuffer(name: string, tensor: Tensor | null, persistent = true): void {
    const buffers = inner(this).buffers;
    buffers.set(name, { tensor, persistent });
    const desc: PropertyDescriptor = {
      get: () => buffers.get(name)?.tensor ?? null,
      set: (t: Tensor | null) => {
        buffers.get(name)!.tensor = t;
      },
      enumerable: false,
      configurable: true,
    };
    Object.defineProperty(this, name, desc);
    if (camel(name) !== name) Object.defineProperty(this, camel(name), desc);
  }

  /** Every own field that is a module, in registration order, a module held twice included (PyTorch's _modules). */
  protected moduleFields(): [string, AnyModule][] {
    const out: [string, AnyModule][] = [];
    for (const key of Object.keys(this)) {
      const v = (this as Record<string, unknown>)[key];
      if (v instanceof Module) out.push([key, v]);
    }
    return out;
  }

  /**
   * Own fields that are modules, in registration order, each module once (arrays of modules are not
   * registered: use ModuleList).
   */
  namedChildren(): [string, AnyModule][] {
    const seen = new Set<AnyModule>();
    return this.moduleFields().filter(([, m]) => !seen.has(m) && seen.add(m));
  }

  children(): Module<any, any>[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and all below it, with dotted names ('' for this one). */
  namedModules(prefix = '', seen = new Set<Module<any, any>>()): [string, Module<any, any>][] {
    if (seen.has(this)) return [];
    seen.add(this);
    const out: [string, Module<any, any>][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) {
      out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name, seen));
    }
    return out;
  }

  modules(): Module<any, any>[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Own parameters (fields holding a Parameter, or null for an absent one like bias=false). */
  private ownParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const key of Object.keys(this)) {
      const v = (this as Record<string, unknown>)[key];
      if (v instanceof Parameter) out.push([key, v]);
    }
    return out;
  }

  /** Parameters with dotted names, each once even if shared, own ones before the children's. */
  namedParameters(prefix = '', recurse = true): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    const modules: [string, Module<any, any>][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mp, m] of modules) {
      for (const [name, p] of m.ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([mp ? `${mp}.${name}` : name, p]);
      }
    }
    return out;
  }

  parameters(recurse = true): Parameter[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }

  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const modules: [string, Module<any, any>][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mp, m] of modules) {
      for (const [name, b] of inner(m).buffers)
        if (b.tensor) out.push([mp ? `${mp}.${name}` : name, b.tensor]);
    }
    return out;
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, b]) => b);
  }

  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /**
   * Clears gradients: zeroed in place (PyTorch 1.13's default, which the seeds show), or set to null
   * with setToNone.
   */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    const setToNone = opts.setToNone ?? false;
    for (const p of this.parameters()) {
      if (!p.grad) continue;
      if (setToNone) p.grad = null;
      else noGrad(() => p.grad!.zero_());
    }
  }

  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /** Applies fn to every sub-module (children first) and then to this one. */
  apply(fn: (m: Module<any, any>) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Moves parameters and buffers to a device (parameters are replaced by moved ones, grads dropped),
   * or, given a floating dtype, casts the floating ones (integer buffers like num_batches_tracked stay).
   */
  to(target: Device | DType | string): this {
    const toDtype = DTYPES.has(target);
    if (toDtype && !isFloat(target as DType)) {
      throw new ValueError(`Module.to: only floating point dtypes are accepted, got ${target}`);
    }
    const moves = (t: Tensor) => (toDtype ? t.isFloatingPoint() && t.dtype !== target : t.device !== target);
    const moved = new Map<Parameter, Parameter>(); // a shared (tied) parameter stays shared
    for (const m of this.modules()) {
      for (const [name, p] of m.ownParameters()) {
        if (!moves(p)) continue;
        if (!moved.has(p))
          moved.set(
            p,
            new Parameter(
              noGrad(() => p.to(target)),
              p.requiresGrad,
            ),
          );
        (m as unknown as Record<string, unknown>)[name] = moved.get(p);
      }
      for (const [, b] of inner(m).buffers) if (b.tensor && moves(b.tensor)) b.tensor = b.tensor.to(target);
    }
    return this;
  }

  /**
   * Parameters and persistent buffers by PyTorch's key names (conv1.weight, bn1.running_mean...). As
   * PyTorch's state_dict(), a module reachable under two names is listed under both.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    const visit = (m: AnyModule, prefix: string): void => {
      for (const [name, p] of m.ownParameters()) out[prefix + name] = p.detach();
      for (const [name, b] of inner(m).buffers)
        if (b.tensor && b.persistent) out[prefix + name] = b.tensor.detach();
      for (const [name, child] of m.moduleFields()) visit(child, `${prefix}${name}.`);
    };
    visit(this, '');
    return out;
  }

  /** Copies values in place; strict mode (default) refuses missing and unexpected keys. */
  loadStateDict(
    sd: StateDict,
    opts: { strict?: boolean } = {},
  ): { missingKeys: string[]; unexpectedKeys: string[] } {
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in sd));
    const unexpectedKeys = Object.keys(sd).filter((k) => !(k in own));
    const mismatches: string[] = [];
    for (const [k, target] of Object.entries(own)) {
      const src = sd[k];
      if (!src) continue;
      if (src.shape.length !== target.shape.length || src.shape.some((s, i) => s !== target.shape[i])) {
        mismatches.push(
          `size mismatch for ${k}: copying a param with shape torch.Size([${src.shape.join(', ')}]) from checkpoint, the shape in current model is torch.Size([${target.shape.join(', ')}]).`,
        );
      }
    }
    const errors = [...mismatches];
    if (strict && unexpectedKeys.length)
      errors.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
    if (strict && missingKeys.length)
      errors.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
    if (errors.length) {
      throw new TorchletError(
        `Error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join('\n\t')}`,
      );
    }
    noGrad(() => {
      for (const [k, target] of Object.entries(own)) if (sd[k]) target.copy_(sd[k]);
    });
    for (const t of Object.values(own)) t.dispose();
    return { missingKeys, unexpectedKeys };
  }

  /** The part inside the parentheses of this module's repr, like PyTorch's extra_repr(). */
  extraRepr(): string {
    return '';
  }

  /** PyTorch's repr: Net(\n  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))\n  ...\n). */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split('\n') : [];
    const childLines = this.moduleFields().map(([k, m]) => `(${k}): ${addIndent(m.toString(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let s = `${this.constructor.name}(`;
    if (lines.length) {
      if (extraLines.length === 1 && childLines.length === 0) s += extraLines[0];
      else s += `\n  ${lines.join('\n  ')}\n`;
    }
    return `${s})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * An error from a leaf layer's forward names the layer (`MaxPool2d(kernel_size=2, ...): maxPool2d: ...`)
 * unless its message already starts with it.
 */
function nameLayer(m: AnyModule, e: unknown): unknown {
  const name = m.constructor.name;
  if (e instanceof TorchletError && !e.message.startsWith(name) && m.children().length === 0) {
    e.message = `${name}(${m.extraRepr()}): ${e.message}`;
  }
  return e;
}

/** Checks the last dim of a layer input, with the layer in the message. */
export function expectLastDim(layer: string, x: Tensor, size: number): void {
  if (x.dim() < 1 || x.shape[x.dim() - 1] !== size) {
    throw new ValueError(`${layer}: expected input [..., ${size}], got [${x.shape.join(', ')}]`);
  }
}
