/** Assembles the float32 SIMD kernel module (see the emit-*.ts files) that imports `env.memory`. */
import { get, I32, i32c, ModuleBuilder, memory as mem } from '../gemm/wasm-assembler.js';
import { emitConv } from './emit-conv.js';
import { emitDconv } from './emit-dconv.js';
import {
  BINARY_B,
  BINARY_D,
  BINARY_F,
  emitBinary,
  emitThresholdBackward,
  emitUnary,
  emitWhere,
  UNARY_B,
  UNARY_F,
} from './emit-elementwise.js';
import { emitOptim } from './emit-optim.js';
import { emitPool } from './emit-pool.js';
import { emitReduce } from './emit-reduce.js';

/** `fma`: use relaxed-SIMD fused multiply-adds in the convolution kernels (the engine must support them). */
export function buildSimdModule(
  memory: { shared?: boolean; initial: number; maximum: number },
  fma = false,
): Uint8Array<ArrayBuffer> {
  const mod = new ModuleBuilder({ module: 'env', name: 'memory', shared: false, ...memory });
  emitZero(mod);
  for (const [op, fn] of Object.entries(UNARY_F)) emitUnary(mod, `u_${op}`, fn, false);
  for (const [op, fn] of Object.entries(UNARY_B)) emitUnary(mod, `u_${op}`, fn, true);
  for (const [op, fn] of Object.entries(BINARY_F)) emitBinary(mod, op, fn, false, BINARY_D[op]);
  for (const [op, fn] of Object.entries(BINARY_B)) emitBinary(mod, op, fn, true);
  emitWhere(mod);
  emitThresholdBackward(mod);
  emitReduce(mod);
  emitConv(mod);
  emitDconv(mod, fma);
  emitPool(mod);
  emitOptim(mod);
  return mod.toBytes();
}

/**
 * mem_zero(at, bytes): memory.fill with zeros (typed-array fills of shared memory are slow);
 * mem_copy(dst, src, bytes): memory.copy, an exact copy (kernels that write whole vectors spill).
 */
function emitZero(mod: ModuleBuilder): void {
  const z = mod.func('mem_zero', [I32, I32]);
  z.body = mem.fill(get(0), i32c(0), get(1));
  const c = mod.func('mem_copy', [I32, I32, I32]);
  c.body = mem.copy(get(0), get(1), get(2));
}
