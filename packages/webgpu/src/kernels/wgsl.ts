/** Shared pieces of the WGSL generators: element types, uniform parameters, grids, bindings. */
import type { DType } from '@torchlet/tensor';
import { DTypeError } from '@torchlet/tensor';

/** Storage element type on the GPU: bool is one u32 per element (0 or 1). */
export type Elem = 'f32' | 'i32' | 'u32';

export function elemOf(op: string, dtype: DType): Elem {
  switch (dtype) {
    case 'float32':
      return 'f32';
    case 'int32':
      return 'i32';
    case 'bool':
      return 'u32';
    default:
      throw float64Error(op);
  }
}

export function float64Error(op: string): DTypeError {
  return new DTypeError(
    `${op}: float64 is not supported on 'webgpu' (WGSL has no 64-bit floats); float64 is CPU-only. Use float32 on the GPU (t.float()), or keep float64 tensors on 'cpu'`,
  );
}

/** Threads per workgroup of the one-thread-per-element kernels. */
export const WG = 256;

/** Workgroups for n threads of WG each, spread over x and y when x would pass the 65535 limit. */
export function grid(n: number, wg = WG, maxDim = 65535): [number, number, number] {
  const groups = Math.ceil(n / wg);
  if (groups <= maxDim) return [Math.max(groups, 0), 1, 1];
  const gy = Math.ceil(groups / maxDim);
  return [Math.ceil(groups / gy), gy, 1];
}

/** The global linear thread id under `grid()`: needs `wid`, `nwg`, `lid` builtins (see MAIN). */
export const LINEAR_ID = (wg = WG) => `(wid.y * nwg.x + wid.x) * ${wg}u + lid.x`;

export const MAIN_ARGS =
  '@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>';

/** Host-side builder of the uniform words a kernel reads as P.d[i / 4][i % 4]. */
export class Params {
  private readonly words: number[] = [];
  private readonly f32 = new Float32Array(1);
  private readonly u32 = new Uint32Array(this.f32.buffer);

  get length(): number {
    return this.words.length;
  }

  u(v: number): number {
    this.words.push(v >>> 0);
    return this.words.length - 1;
  }

  i(v: number): number {
    this.words.push(v | 0);
    return this.words.length - 1;
  }

  f(v: number): number {
    this.f32[0] = v;
    this.words.push(this.u32[0]);
    return this.words.length - 1;
  }

  /** Overwrites word i (a u32). */
  set(i: number, v: number): void {
    this.words[i] = v >>> 0;
  }

  array(): Uint32Array {
    const n = Math.max(4, Math.ceil(this.words.length / 4) * 4);
    const a = new Uint32Array(n);
    for (let k = 0; k < this.words.length; k++) a[k] = this.words[k] >>> 0;
    return a;
  }
}

/** WGSL expression of uniform word i as u32. */
export function pu(i: number): string {
  return `P.d[${i >> 2}][${i & 3}]`;
}
export function pi(i: number): string {
  return `bitcast<i32>(${pu(i)})`;
}
export function pf(i: number): string {
  return `bitcast<f32>(${pu(i)})`;
}

export interface BindingDecl {
  readonly name: string;
  readonly elem: string;
  readonly write: boolean;
}

/** Declarations of storage bindings 0..n-1 and the uniform block at binding n (words >= 1). */
export function header(bindings: readonly BindingDecl[], words: number): string {
  const lines = bindings.map(
    (b, i) =>
      `@group(0) @binding(${i}) var<storage, ${b.write ? 'read_write' : 'read'}> ${b.name}: array<${b.elem}>;`,
  );
  const n = Math.max(1, Math.ceil(words / 4));
  lines.push(`struct Params { d: array<vec4<u32>, ${n}> }`);
  lines.push(`@group(0) @binding(${bindings.length}) var<uniform> P: Params;`);
  return lines.join('\n');
}

/** Converts a loaded storage value to a compute type. */
export function convert(expr: string, from: Elem, to: 'f32' | 'i32' | 'bool'): string {
  if (to === 'bool')
    return from === 'f32'
      ? `((bitcast<u32>(${expr}) & 0x7fffffffu) != 0u)`
      : `(${expr} != ${from === 'i32' ? '0' : '0u'})`;
  if (from === to) return expr;
  if (to === 'f32') return `f32(${expr})`;
  // to i32
  if (from === 'u32') return `i32(${expr})`;
  return `f2i(${expr})`;
}

/** Converts a computed value to the storage element type (JavaScript typed-array store semantics). */
export function store(expr: string, from: 'f32' | 'i32' | 'bool', to: Elem): string {
  if (from === 'bool')
    return to === 'f32'
      ? `select(0.0, 1.0, ${expr})`
      : to === 'i32'
        ? `select(0, 1, ${expr})`
        : `select(0u, 1u, ${expr})`;
  if (to === 'u32')
    return from === 'f32'
      ? `select(0u, 1u, (bitcast<u32>(${expr}) & 0x7fffffffu) != 0u)`
      : `select(0u, 1u, ${expr} != 0)`;
  if (from === to) return expr;
  if (to === 'f32') return `f32(${expr})`;
  return `f2i(${expr})`;
}

/** Whether a view covers its whole storage contiguously (then a kernel overwrites every element). */
export function coversStorage(v: {
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
  storage: { length: number };
}): boolean {
  if (v.offset !== 0) return false;
  let expect = 1;
  let n = 1;
  for (let d = v.shape.length - 1; d >= 0; d--) {
    n *= v.shape[d];
    if (v.shape[d] !== 1 && v.strides[d] !== expect) return false;
    expect *= v.shape[d];
  }
  return n === v.storage.length;
}

// Dims are coalesced exactly as the CPU backend does, by the tensor package's shared helper.
export { coalesce } from '@torchlet/tensor';

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}
