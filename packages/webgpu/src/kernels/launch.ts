import type { TensorView } from '@torchlet/tensor';
import type { Engine, Epilogue } from '../engine.js';
import { GPUStorage, gpuStorage } from '../storage.js';
import { type BindingDecl, elemOf, Params } from './wgsl.js';

/**
 * One dispatch being assembled: storages are bound once each (a storage used as input and output of an
 * in-place op gets a single read_write binding), zero-pending storages are cleared before the
 * dispatch when the kernel reads them or writes only part of them.
 */
export class Launch {
  readonly params = new Params();
  /** Set by kernels whose dispatch writes a whole output an activation may fold into. */
  epilogue: Epilogue | undefined = undefined;
  private readonly entries: { s: GPUStorage; read: boolean; write: boolean; full: boolean; elem: string }[] =
    [];

  constructor(
    private readonly engine: Engine,
    private readonly op: string,
  ) {}

  /**
   * Binds a storage (or a view's storage) and returns its binding name (`b0`, `b1`, ...).
   * mode: 'read'; 'write' (some elements); 'full' (every element of the storage is written).
   */
  bind(v: TensorView | GPUStorage, mode: 'read' | 'write' | 'full', elem?: string): string {
    const s = v instanceof GPUStorage ? v : gpuStorage(v);
    const e = elem ?? elemOf(this.op, s.dtype);
    let i = this.entries.findIndex((x) => x.s === s);
    if (i < 0) {
      this.entries.push({ s, read: false, write: false, full: false, elem: e });
      i = this.entries.length - 1;
    } else if (this.entries[i].elem !== e) {
      // one storage, two views of different element types: fall back to the scalar type
      this.entries[i].elem = elemOf(this.op, s.dtype);
    }
    const en = this.entries[i];
    if (mode === 'read') en.read = true;
    else if (mode === 'write') en.write = true;
    else {
      en.write = true;
      en.full = true;
    }
    return `b${i}`;
  }

  /** The element type a binding ended up with (after deduplication). */
  elemOf(name: string): string {
    return this.entries[Number(name.slice(1))].elem;
  }

  decls(): BindingDecl[] {
    return this.entries.map((e, i) => ({ name: `b${i}`, elem: e.elem, write: e.write }));
  }

  /** Key part describing the bindings (count, access, types). */
  sig(): string {
    return this.entries.map((e) => `${e.write ? 'w' : 'r'}${e.elem}`).join(',');
  }

  run(key: string, code: () => string, groups: readonly [number, number, number]): void {
    for (const e of this.entries) {
      const needsZero = e.read || !e.full;
      if (e.s.zeroPending) {
        if (needsZero) this.engine.clear(e.s.buf, e.s.length * 4);
        e.s.zeroPending = false;
      }
    }
    this.engine.dispatch({
      key: `${key}|${this.sig()}|w${this.params.length}`,
      code,
      buffers: this.entries.map((e) => ({ buf: e.s.buf, write: e.write })),
      params: this.params.array(),
      groups,
      epilogue: this.epilogue,
    });
  }
}
