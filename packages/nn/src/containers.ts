import { type Tensor, ValueError } from '@torchlet/tensor';
import { Module } from './module.js';

type AnyModule = Module<any, any>;

/** Runs modules in order, each on the previous one's output. */
export class Sequential extends Module {
  constructor(...modules: AnyModule[]) {
    super();
    modules.forEach((m, i) => {
      (this as unknown as Record<string, AnyModule>)[String(i)] = m;
    });
  }

  get length(): number {
    return this.moduleFields().length;
  }

  at(i: number): AnyModule {
    const list = this.moduleFields().map(([, m]) => m);
    const m = list[i < 0 ? i + list.length : i];
    if (!m) throw new ValueError(`Sequential: index ${i} is out of range`);
    return m;
  }

  append(m: AnyModule): this {
    (this as unknown as Record<string, AnyModule>)[String(this.length)] = m;
    return this;
  }

  forward(x: Tensor): Tensor {
    let out = x;
    for (const [, m] of this.moduleFields()) out = m.call(out) as Tensor;
    return out;
  }

  [Symbol.iterator](): Iterator<AnyModule> {
    return this.moduleFields()
      .map(([, m]) => m)
      [Symbol.iterator]();
  }
}

/** A list of modules whose parameters are registered (a plain array's are not). */
export class ModuleList extends Module<never[], never> {
  constructor(modules: Iterable<AnyModule> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  get length(): number {
    return this.moduleFields().length;
  }

  at(i: number): AnyModule {
    const list = this.moduleFields().map(([, m]) => m);
    const m = list[i < 0 ? i + list.length : i];
    if (!m) throw new ValueError(`ModuleList: index ${i} is out of range`);
    return m;
  }

  append(m: AnyModule): this {
    (this as unknown as Record<string, AnyModule>)[String(this.length)] = m;
    return this;
  }

  extend(ms: Iterable<AnyModule>): this {
    for (const m of ms) this.append(m);
    return this;
  }

  forward(): never {
    throw new ValueError('ModuleList is not callable: iterate over it in your forward()');
  }

  [Symbol.iterator](): Iterator<AnyModule> {
    return this.moduleFields()
      .map(([, m]) => m)
      [Symbol.iterator]();
  }
}

/** A string-keyed dictionary of modules whose parameters are registered. */
export class ModuleDict extends Module<never[], never> {
  constructor(modules: Record<string, AnyModule> = {}) {
    super();
    for (const [k, m] of Object.entries(modules)) this.set(k, m);
  }

  set(key: string, m: AnyModule): void {
    (this as unknown as Record<string, AnyModule>)[key] = m;
  }

  get(key: string): AnyModule | undefined {
    const v = (this as unknown as Record<string, unknown>)[key];
    return v instanceof Module ? v : undefined;
  }

  keys(): string[] {
    return this.moduleFields().map(([k]) => k);
  }

  values(): AnyModule[] {
    return this.moduleFields().map(([, m]) => m);
  }

  entries(): [string, AnyModule][] {
    return this.moduleFields();
  }

  get size(): number {
    return this.keys().length;
  }

  forward(): never {
    throw new ValueError('ModuleDict is not callable: look modules up in your forward()');
  }
}
