import { enableGrad, noGrad } from '@torchlet/autograd';
import { fmtShape, keep, Tensor, ValueError } from '@torchlet/tensor';
import { toCamel, toSnake } from './keys.js';
import { pyRepr } from './py-format.js';

/**
 * One parameter group: its tensors and its options (the optimizer's defaults, overridden per group).
 * Options are plain mutable fields, so `optimizer.paramGroups[0].lr = 0.01` changes the next step, and
 * LR schedulers keep their own entries here as PyTorch does (`initialLr` is PyTorch's `initial_lr`).
 */
export interface ParamGroup {
  params: Tensor[];
  lr: number;
  initialLr?: number;
  maxLr?: number;
  minLr?: number;
  maxMomentum?: number;
  baseMomentum?: number;
  [option: string]: unknown;
}

/** A parameter group as given to a constructor or to addParamGroup: tensors plus per-group options. */
export type ParamGroupInput<O> = O & { params: Tensor | Iterable<Tensor>; [option: string]: unknown };

/** What an optimizer's constructor accepts: tensors (one group), or parameter groups. */
export type Params<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** PyTorch's optimizer state dict: state by parameter index, groups with their parameters' indices. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, unknown>>;
  param_groups: (Record<string, unknown> & { params: number[] })[];
}

export interface ZeroGradOptions {
  /** Drop the gradients (`p.grad = null`) instead of filling them with zeros. Default: true (PyTorch 2.x). */
  setToNone?: boolean;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

function copyValue<V>(v: V): V {
  return (Array.isArray(v) ? [...v] : v) as V;
}

/**
 * Base class of the optimizers (PyTorch's `torch.optim.Optimizer`). A subclass gives its defaults,
 * checks a group's options in `validateGroup` and updates one group's parameters in `updateGroup`,
 * which runs under noGrad.
 */
export abstract class Optimizer<
  G extends ParamGroup = ParamGroup,
  S extends object = Record<string, unknown>,
> {
  /** The constructor's options; a group that leaves an option out takes it from here. */
  readonly defaults: Readonly<Record<string, unknown>>;
  paramGroups: G[] = [];
  /** Per-parameter state (momentum buffers, moment estimates, step counts), keyed by the parameter. */
  state = new Map<Tensor, S>();

  constructor(params: Params<object>, defaults: Record<string, unknown>) {
    this.defaults = defaults;
    const iterable =
      params !== null &&
      params !== undefined &&
      typeof (params as Iterable<unknown>)[Symbol.iterator] === 'function';
    if (params instanceof Tensor || !iterable) {
      throw new TypeError(
        `params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${typeName(params)}`,
      );
    }
    const list = [...(params as Iterable<Tensor | ParamGroupInput<object>>)];
    if (list.length === 0) throw new ValueError('optimizer got an empty parameter list');
    const groups =
      list[0] instanceof Tensor ? [{ params: list as Tensor[] }] : (list as ParamGroupInput<object>[]);
    for (const group of groups) this.addParamGroup(group);
  }

  /** Checks one group's options (PyTorch's ValueErrors); called for every group that is added. */
  protected abstract validateGroup(group: G): void;

  /** Updates the parameters of one group that have a gradient; runs under noGrad. */
  protected abstract updateGroup(group: G): void;

  /** Adds a group of parameters (e.g. layers unfrozen while fine-tuning), with its own options. */
  addParamGroup(paramGroup: ParamGroupInput<object>): void {
    if (paramGroup === null || typeof paramGroup !== 'object' || paramGroup instanceof Tensor) {
      throw new TypeError('param group must be a dict');
    }
    const raw = paramGroup.params;
    let params: Tensor[];
    if (raw instanceof Tensor) params = [raw];
    else if (raw instanceof Set) {
      throw new TypeError(
        'optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use a list instead.',
      );
    } else if (
      raw !== null &&
      raw !== undefined &&
      typeof (raw as Iterable<Tensor>)[Symbol.iterator] === 'function'
    ) {
      params = [...raw];
    } else
      throw new TypeError(
        `param group 'params' must be a Tensor or an iterable of Tensors, but got ${typeName(raw)}`,
      );

    for (const p of params) {
      if (!(p instanceof Tensor))
        throw new TypeError(`optimizer can only optimize Tensors, but one of the params is ${typeName(p)}`);
      if (!p.isLeaf) throw new ValueError("can't optimize a non-leaf Tensor");
    }
    const group: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(paramGroup)) if (k !== 'params') group[k] = copyValue(v);
    for (const [name, value] of Object.entries(this.defaults)) {
      if (group[name] !== undefined) continue;
      if (value === undefined) {
        throw new ValueError(
          `parameter group didn't specify a value of required optimization parameter ${name}`,
        );
      }
      group[name] = copyValue(value);
    }
    group.params = params;
    this.validateGroup(group as G);

    if (new Set(params).size !== params.length) {
      console.warn(
        'optimizer contains a parameter group with duplicate parameters; in future, this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more information',
      );
    }
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    if (params.some((p) => seen.has(p)))
      throw new ValueError('some parameters appear in more than one parameter group');
    this.paramGroups.push(group as G);
  }

  /**
   * Clears the gradients of all optimized tensors: filled with zeros in place by default (PyTorch
   * 1.13's default, our oracle, as Module.zeroGrad; the next backward then accumulates into the same
   * buffers), or set to null with `setToNone`, so that step() skips those parameters.
   */
  zeroGrad({ setToNone = false }: ZeroGradOptions = {}): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = p.grad;
        if (g === null) continue;
        if (setToNone) {
          p.grad = null;
          continue;
        }
        if (g.gradFn !== null) g.detach_();
        else g.requiresGrad_(false);
        noGrad(() => g.zero_());
      }
    }
  }

  /**
   * Performs one optimization step: updates every parameter that has a gradient, in place, on its
   * device, without reading values back. `closure` (re-evaluates the model and returns the loss) runs
   * with gradients enabled first; its result is returned.
   */
  step<L = unknown>(closure?: () => L): L | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    noGrad(() => {
      for (const group of this.paramGroups) this.updateGroup(group);
    });
    return loss;
  }

  /** The state of the parameter, created with `init` the first time it is asked for. */
  protected stateOf(p: Tensor, init: () => S): S {
    let s = this.state.get(p);
    if (s === undefined) {
      s = init();
      this.state.set(p, s);
    }
    return s;
  }

  /**
   * The optimizer's state in PyTorch's layout: `{state: {0: {momentum_buffer: ...}}, param_groups:
   * [{lr, momentum, ..., params: [0, 1]}]}`, with PyTorch's snake_case keys. As in PyTorch, state
   * tensors are returned by reference (save or clone them before stepping on).
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let start = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(group)) if (k !== 'params') packed[toSnake(k)] = copyValue(v);
      group.params.forEach((p, i) => {
        if (!index.has(p)) index.set(p, start + i);
      });
      start += group.params.length;
      return { ...packed, params: group.params.map((p) => index.get(p)!) };
    });
    const state: Record<number, Record<string, unknown>> = {};
    for (const [p, s] of this.state) {
      const id = index.get(p);
      if (id === undefined) continue;
      const entry: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s)) entry[toSnake(k)] = copyValue(v);
      state[id] = entry;
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Loads a state dict from stateDict() (or PyTorch's, converted to numbers and tensors). Groups are
   * matched by position and parameters by order; state tensors are copied onto each parameter's device
   * and dtype. Throws a ValueError, changing nothing, when the groups do not match.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    if (stateDict === null || typeof stateDict !== 'object' || !Array.isArray(stateDict.param_groups)) {
      throw new ValueError(
        "loadStateDict: expected an object with 'state' and 'param_groups', as stateDict() returns",
      );
    }
    const groups = this.paramGroups;
    const saved = stateDict.param_groups;
    if (groups.length !== saved.length) {
      throw new ValueError(
        `loadStateDict: loaded state dict has a different number of parameter groups (${saved.length}) than the optimizer (${groups.length})`,
      );
    }
    groups.forEach((g, i) => {
      const n = Array.isArray(saved[i].params) ? saved[i].params.length : -1;
      if (n !== g.params.length) {
        throw new ValueError(
          `loadStateDict: loaded state dict contains a parameter group that doesn't match the size of optimizer's group (group ${i}: ${n < 0 ? 'no params list' : `${n} parameters`} in the state dict, ${g.params.length} in the optimizer)`,
        );
      }
    });
    const idMap = new Map<number, Tensor>();
    saved.forEach((sg, i) => {
      sg.params.forEach((id, j) => {
        idMap.set(Number(id), groups[i].params[j]);
      });
    });

    const state = new Map<Tensor, S>();
    for (const [key, entry] of Object.entries(stateDict.state ?? {})) {
      const p = idMap.get(Number(key));
      if (p === undefined) {
        throw new ValueError(
          `loadStateDict: the state dict has state for parameter ${key}, which is in none of its parameter groups`,
        );
      }
      state.set(p, this.castState(p, key, entry));
    }
    const paramGroups = saved.map((sg, i) => {
      const g: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(sg)) if (k !== 'params') g[toCamel(k)] = copyValue(v);
      for (const [name, value] of Object.entries(this.defaults)) if (!(name in g)) g[name] = copyValue(value);
      g.params = groups[i].params;
      return g as G;
    });
    this.state = state;
    this.paramGroups = paramGroups;
  }

  /** A parameter's state from a state dict: camelCase keys, tensors copied to the parameter's device and dtype. */
  private castState(p: Tensor, id: string, entry: Record<string, unknown>): S {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(entry ?? {})) {
      const key = toCamel(k);
      if (!(v instanceof Tensor)) {
        out[key] = copyValue(v);
        continue;
      }
      if (key === 'step') {
        // PyTorch 1.13 keeps some step counts as 0-d tensors; Torchlet keeps a number.
        out[key] = v.itemSync();
        continue;
      }
      if (v.shape.length !== p.shape.length || v.shape.some((d, i) => d !== p.shape[i])) {
        throw new ValueError(
          `loadStateDict: state '${k}' of parameter ${id} has shape ${fmtShape(v.shape)}, but the parameter has shape ${fmtShape(p.shape)}`,
        );
      }
      out[key] = noGrad(() => {
        const moved = v.to({ device: p.device, dtype: p.isFloatingPoint() ? p.dtype : undefined });
        return keep(moved === v ? v.clone() : moved);
      });
    }
    return out as S;
  }

  /** PyTorch's repr: each group's options, sorted by name. */
  toString(): string {
    let s = `${this.constructor.name} (`;
    this.paramGroups.forEach((group, i) => {
      s += `\nParameter Group ${i}\n`;
      const entries = Object.entries(group)
        .filter(([k]) => k !== 'params')
        .map(([k, v]) => [toSnake(k), v] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [k, v] of entries) s += `    ${k}: ${pyRepr(v)}\n`;
    });
    return `${s})`;
  }
}
