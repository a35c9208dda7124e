/**
 * Batched matmul out[z] = a[z] @ b[z] with any strides (stride 0 on broadcast batches): the tiled
 * GEMM with strided loaders, vec4 loads where an operand is contiguous along its tile direction and
 * aligned (row-major or transposed), and the simple one-thread-per-output kernel for thin products.
 * An optional bias (addmm, nn.Linear) is added where the product is stored; with split-K it is added
 * after the partial sums. A relu that follows (F.relu(linear(x))) folds into the store too: the
 * dispatch offers the engine an epilogue (see Engine.foldRelu).
 */
import type { TensorView } from '@torchlet/tensor';
import type { Engine } from '../engine.js';
import { gpuStorage, releaseScratch, scratch } from '../storage.js';
import { binaryKernel, fillKernel } from './elementwise.js';
import { epilogueStores, type ReluOut } from './epilogue.js';
import { gemvSplits, plan, runGemm, runGemv, type TileLayout } from './gemm.js';
import { Launch } from './launch.js';
import { sumPartials } from './reduce.js';
import { coversStorage, elemOf, pu } from './wgsl.js';

/** Layout of a [rows, cols] operand from its strides; '4' when vec4 loads are safe. */
function layoutOf(
  off: number,
  sb: number,
  batches: number,
  rs: number,
  cs: number,
  rows: number,
  cols: number,
  rowFast: 'r' | 'c',
): TileLayout {
  // rowFast: which layout letter means "cols contiguous" for this operand
  const colFast = rowFast === 'r' ? 'c' : 'r';
  const aligned = (s: number) => s % 4 === 0;
  const batchOk = batches === 1 || aligned(sb);
  if (cs === 1 && rows >= 1) {
    return cols % 4 === 0 && aligned(off) && aligned(rs) && batchOk ? (`${rowFast}4` as TileLayout) : rowFast;
  }
  if (rs === 1)
    return rows % 4 === 0 && aligned(off) && aligned(cs) && batchOk ? (`${colFast}4` as TileLayout) : colFast;
  return rowFast;
}

export function matmulKernel(
  engine: Engine,
  a: TensorView,
  b: TensorView,
  out: TensorView,
  bias: TensorView | null = null,
  relu?: ReluOut,
): void {
  gpuStorage(out);
  const [B, M, K] = a.shape;
  const N = b.shape[2];
  if (B * M * N === 0) return;
  if (K === 0) {
    fillKernel(engine, out, 0);
    return;
  }
  const T = elemOf('matmul', a.dtype) === 'i32' ? 'i32' : 'f32';
  const same = a.storage === b.storage;
  const thin = Math.min(M, N) < 8 || M * N * K < 32768;
  // A: k (cols) contiguous is 'r'; B: n (cols) contiguous is 'r'
  let la = layoutOf(a.offset, a.strides[0], B, a.strides[1], a.strides[2], M, K, 'r');
  let lb = layoutOf(b.offset, b.strides[0], B, b.strides[1], b.strides[2], K, N, 'r');
  if (same || thin) {
    la = la[0] as TileLayout;
    lb = lb[0] as TileLayout;
  }
  const tiled = plan(M, N, K, B, true);
  const cfg = tiled.cfg;
  const splits = thin ? gemvSplits(B * M * N, K) : tiled.splits;
  const useSplit = splits > 1;
  const l = new Launch(engine, 'matmul');
  const ab = l.bind(a, 'read', la.length === 2 ? `vec4<${T}>` : undefined);
  const bb = l.bind(b, 'read', lb.length === 2 ? `vec4<${T}>` : undefined);
  const partial = useSplit ? scratch(engine, a.dtype, splits * B * M * N) : null;
  const ob = partial ? l.bind(partial, 'full') : l.bind(out, coversStorage(out) ? 'full' : 'write');
  // the bias view [1, M, N] (stride 0 along broadcast dims), added in the epilogue (but with split-K,
  // or when it shares a storage with an operand that may be bound as vec4s)
  const epilogue = bias !== null && !partial && bias.storage !== a.storage && bias.storage !== b.storage;
  const bb2 = epilogue ? l.bind(bias, 'read') : null;
  const p = l.params;
  const [ia0, ia1, ia2, iaOff] = [p.u(a.strides[0]), p.u(a.strides[1]), p.u(a.strides[2]), p.u(a.offset)];
  const [ib0, ib1, ib2, ibOff] = [p.u(b.strides[0]), p.u(b.strides[1]), p.u(b.strides[2]), p.u(b.offset)];
  const iOut = p.u(partial ? 0 : out.offset);
  const iMN = p.u(M * N);
  const iN = p.u(N);
  const iBMN = p.u(B * M * N);
  const [iBias0, iBiasM, iBiasN] = epilogue
    ? [p.u(bias.offset), p.u(bias.strides[1]), p.u(bias.strides[2])]
    : [0, 0, 0];
  const aIdx = (m: string, k: string) =>
    `${pu(iaOff)} + z * ${pu(ia0)} + ${m} * ${pu(ia1)} + ${k} * ${pu(ia2)}`;
  const bIdx = (k: string, n: string) =>
    `${pu(ibOff)} + z * ${pu(ib0)} + ${k} * ${pu(ib1)} + ${n} * ${pu(ib2)}`;
  const fns: string[] = [];
  fns.push(
    la.length === 2
      ? `fn loadA(z: u32, m: u32, k: u32) -> ${T} { let q = ${aIdx('m', 'k')}; return ${ab}[q / 4u][q % 4u]; }`
      : `fn loadA(z: u32, m: u32, k: u32) -> ${T} { return ${ab}[${aIdx('m', 'k')}]; }`,
  );
  fns.push(
    lb.length === 2
      ? `fn loadB(z: u32, k: u32, n: u32) -> ${T} { let q = ${bIdx('k', 'n')}; return ${bb}[q / 4u][q % 4u]; }`
      : `fn loadB(z: u32, k: u32, n: u32) -> ${T} { return ${bb}[${bIdx('k', 'n')}]; }`,
  );
  // vec4 loaders: 4 consecutive elements along the contiguous direction, from an aligned address
  if (la.length === 2)
    fns.push(`fn loadA4(z: u32, m: u32, k: u32) -> vec4<${T}> { return ${ab}[(${aIdx('m', 'k')}) / 4u]; }`);
  if (lb.length === 2)
    fns.push(`fn loadB4(z: u32, k: u32, n: u32) -> vec4<${T}> { return ${bb}[(${bIdx('k', 'n')}) / 4u]; }`);
  const biasTerm = epilogue ? ` + ${bb2}[${pu(iBias0)} + m * ${pu(iBiasM)} + n * ${pu(iBiasN)}]` : '';
  const rb = relu !== undefined && relu !== 'inplace' ? l.bind(relu, 'full') : null;
  const at = `${pu(iOut)} + split * ${pu(iBMN)} + z * ${pu(iMN)} + m * ${pu(iN)} + n`;
  fns.push(
    `fn storeC(z: u32, split: u32, m: u32, n: u32, v: ${T}) { let r = v${biasTerm}; let at = ${at}; ${epilogueStores(ob, rb, relu)} }`,
  );
  const hooks = { T: T as 'f32' | 'i32', a: la, b: lb, functions: fns.join('\n') } as const;
  const key = `matmul|${ab}${bb}${ob}${bb2 ? `|bias${bb2}` : ''}${relu === undefined ? '' : rb ? `|relu${rb}` : '|relu'}`;
  // the whole output in one pass (f32, no split-K): a relu that follows may fold into the store
  if (relu === undefined && T === 'f32' && !partial && (!bias || epilogue) && coversStorage(out)) {
    l.epilogue = {
      output: gpuStorage(out).buf,
      relu: (reluOut) => {
        if ([a, b, out, bias].some((v) => v !== null && gpuStorage(v).freed)) return false;
        matmulKernel(engine, a, b, out, bias, reluOut ?? 'inplace');
        return true;
      },
    };
  }
  if (thin) runGemv(l, key, { M, N, K, batches: B, splits }, hooks);
  else runGemm(engine, l, key, cfg, { M, N, K, batches: B, splits: useSplit ? splits : 1 }, hooks);
  if (partial) {
    sumPartials(engine, partial, splits, B * M * N, out);
    releaseScratch(engine, partial);
  }
  if (bias && !epilogue) binaryKernel(engine, 'add', out, bias, out);
}
