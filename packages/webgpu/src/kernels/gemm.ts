/**
 * The tiled GEMM generator behind matmul and the three convolutions (implicit GEMM): a workgroup of
 * 256 threads computes a BM x BN tile of C = A @ B, each thread a TM x TN block held in vec4
 * registers; A and B tiles of depth BK go through shared memory (stored k-major, so the inner loop
 * reads vec4s). Operands are read through loader functions the caller writes (strided matrices,
 * im2col on the fly), with vec4 loaders where the layout allows. The load mapping follows each
 * operand's contiguous direction so that neighbouring threads read neighbouring addresses. Split-K
 * (several workgroups per tile over chunks of K, summed by a second pass) keeps the GPU busy when
 * there are few tiles and a long K.
 */
import type { Engine } from '../engine.js';
import type { Launch } from './launch.js';
import { header, MAIN_ARGS, pu } from './wgsl.js';

/**
 * How an operand tile is loaded. 'r': the K index of A (the N index of B) is the contiguous one;
 * 'c': the other one. A '4' suffix loads vec4s along the contiguous direction.
 */
export type TileLayout = 'r' | 'c' | 'r4' | 'c4';

export interface TileConfig {
  readonly BM: number;
  readonly BN: number;
  readonly BK: number;
  readonly TM: number;
  readonly TN: number;
}

export const SMALL_TILE: TileConfig = { BM: 64, BN: 64, BK: 16, TM: 4, TN: 4 };
export const LARGE_TILE: TileConfig = { BM: 128, BN: 128, BK: 8, TM: 8, TN: 8 };

export interface GemmHooks {
  /** 'f32' or 'i32'. */
  readonly T: 'f32' | 'i32';
  readonly a: TileLayout;
  readonly b: TileLayout;
  /**
   * WGSL defining `fn loadA(z: u32, m: u32, k: u32) -> T`, `fn loadB(z: u32, k: u32, n: u32) -> T`,
   * (for vec4 layouts) `loadA4`/`loadB4` returning the 4 values along the contiguous direction, and
   * `fn storeC(z: u32, split: u32, m: u32, n: u32, v: T)`. z is the batch index.
   * With `prepA`/`prepB`, the loaders take a last argument: the value `fn prepA(z: u32, m: u32)` /
   * `fn prepB(z: u32, n: u32)` returned for their row/column, computed once per kernel (index math
   * that does not depend on k leaves the K loop).
   */
  readonly functions: string;
  readonly prepA?: boolean;
  readonly prepB?: boolean;
}

export interface GemmGeometry {
  readonly M: number;
  readonly N: number;
  readonly K: number;
  readonly batches: number;
  /** Number of K chunks (split-K); storeC gets the chunk index. */
  readonly splits: number;
}

/** K chunk per split (a multiple of BK) and the number of chunks that K really needs. */
export function splitK(K: number, wanted: number, BK: number): { kChunk: number; splits: number } {
  const kChunk = Math.max(BK, Math.ceil(Math.ceil(K / Math.max(1, wanted)) / BK) * BK);
  return { kChunk, splits: Math.max(1, Math.ceil(K / kChunk)) };
}

/** Chooses the tile config and split-K for a problem. */
export function plan(
  M: number,
  N: number,
  K: number,
  batches: number,
  allowSplit: boolean,
): { cfg: TileConfig; splits: number } {
  const cfg = M >= 1024 && N >= 1024 ? LARGE_TILE : SMALL_TILE;
  const tiles = Math.ceil(M / cfg.BM) * Math.ceil(N / cfg.BN) * batches;
  let wanted = 1;
  if (allowSplit && tiles < 64 && K >= 2048)
    wanted = Math.min(64, Math.ceil(64 / tiles), Math.floor(K / 512));
  return { cfg, splits: splitK(K, wanted, cfg.BK).splits };
}

/** Records the tiled GEMM into `l` (whose bindings and caller params are already set). */
export function runGemm(
  engine: Engine,
  l: Launch,
  key: string,
  cfg: TileConfig,
  g: GemmGeometry,
  hooks: GemmHooks,
): void {
  const { BM, BN, BK, TM, TN } = cfg;
  if ((BM / TM) * (BN / TN) !== 256) throw new Error('webgpu: tile config must have 256 threads');
  const { kChunk, splits } = splitK(g.K, g.splits, BK);
  if (splits !== g.splits) throw new Error(`webgpu: split-K mismatch (${splits} != ${g.splits})`);
  const iM = l.params.u(g.M);
  const iN = l.params.u(g.N);
  const iK = l.params.u(g.K);
  const iChunk = l.params.u(kChunk);
  const iSplits = l.params.u(splits);
  const iZ = l.params.u(0);
  const T = hooks.T;
  const zero = T === 'f32' ? '0.0' : '0';
  const code = () => {
    const tx = BN / TN;
    const lines: string[] = [];
    // ---- A tile: As[kk * BM + mm]
    const aStore = (kk: string, mm: string, v: string) =>
      `{ let q = ${kk} * ${BM}u + ${mm}; As[q / 4u][q % 4u] = ${v}; }`;
    const bStore = (kk: string, nn: string, v: string) =>
      `{ let q = ${kk} * ${BN}u + ${nn}; Bs[q / 4u][q % 4u] = ${v}; }`;
    /** Per-slot setup before the K loop, and the loads inside it. */
    const setup: string[] = [];
    const loadTile = (
      which: 'A' | 'B',
      layout: TileLayout,
      outer: number, // BM or BN
      storeFn: (kk: string, xx: string, v: string) => string,
    ) => {
      const rows = which === 'A' ? 'M' : 'N';
      const base = which === 'A' ? 'm0' : 'n0';
      const prep = which === 'A' ? hooks.prepA : hooks.prepB;
      const call = (x: string, k: string, pv: string) => {
        const extra = prep ? `, ${pv}` : '';
        return which === 'A' ? `loadA(z, ${x}, ${k}${extra})` : `loadB(z, ${k}, ${x}${extra})`;
      };
      const call4 = (x: string, k: string, pv: string) => {
        const extra = prep ? `, ${pv}` : '';
        return which === 'A' ? `loadA4(z, ${x}, ${k}${extra})` : `loadB4(z, ${k}, ${x}${extra})`;
      };
      // 'k fastest' for A 'r' and B 'c'; 'x fastest' for A 'c' and B 'r'
      const kFast = (which === 'A') === (layout[0] === 'r');
      const vec = layout.length === 2;
      // element e = t + 256 i of the tile; since 256 is a multiple of BK and of the tile width, each
      // slot i keeps its row/column (x) for the whole K loop: x and its prep are computed up front
      const total = vec ? (outer * BK) / 4 : outer * BK;
      const per = total / 256;
      for (let i = 0; i < per; i++) {
        const id = `${which}${i}`;
        let xx: string;
        let kk: string;
        if (!vec) {
          if (kFast) {
            kk = `(t % ${BK}u)`;
            xx = `(t / ${BK}u + ${(i * 256) / BK}u)`;
          } else {
            xx = `(t % ${outer}u)`;
            kk = `(t / ${outer}u + ${(i * 256) / outer}u)`;
          }
        } else if (kFast) {
          kk = `((t % ${BK / 4}u) * 4u)`;
          xx = `(t / ${BK / 4}u)`;
        } else {
          xx = `((t % ${outer / 4}u) * 4u)`;
          kk = `(t / ${outer / 4}u)`;
        }
        setup.push(`let xx${id} = ${xx};`);
        setup.push(`let kk${id} = ${kk};`);
        setup.push(`let x${id} = ${base} + xx${id};`);
        if (prep) setup.push(`let p${id} = prep${which}(z, min(x${id}, ${rows} - 1u));`);
        const x = `x${id}`;
        const k = `(k0 + kk${id})`;
        const pv = `p${id}`;
        lines.push('{');
        if (!vec) {
          lines.push(`  var v: ${T} = ${zero};`);
          lines.push(`  if (${x} < ${rows} && ${k} < kEnd) { v = ${call(x, k, pv)}; }`);
          lines.push(`  ${storeFn(`kk${id}`, `xx${id}`, 'v')}`);
        } else if (kFast) {
          // 4 consecutive k for one x
          lines.push(`  var v = vec4<${T}>(${zero});`);
          lines.push(`  if (${x} < ${rows} && ${k} < kEnd) { v = ${call4(x, k, pv)}; }`);
          for (let c = 0; c < 4; c++) lines.push(`  ${storeFn(`(kk${id} + ${c}u)`, `xx${id}`, `v[${c}]`)}`);
        } else {
          // 4 consecutive x for one k: one vec4 store into the tile
          lines.push(`  var v = vec4<${T}>(${zero});`);
          lines.push(`  if (${x} < ${rows} && ${k} < kEnd) { v = ${call4(x, k, pv)}; }`);
          lines.push(`  ${which}s[(kk${id} * ${outer}u + xx${id}) / 4u] = v;`);
        }
        lines.push('}');
      }
    };
    loadTile('A', hooks.a, BM, aStore);
    loadTile('B', hooks.b, BN, bStore);
    const accDecl: string[] = [];
    const inner: string[] = [];
    const stores: string[] = [];
    for (let i = 0; i < TM; i++)
      for (let j = 0; j < TN / 4; j++) accDecl.push(`var acc${i}_${j} = vec4<${T}>(${zero});`);
    for (let q = 0; q < TM / 4; q++) inner.push(`let a${q} = As[(kk * ${BM}u + ty * ${TM}u) / 4u + ${q}u];`);
    for (let q = 0; q < TN / 4; q++) inner.push(`let b${q} = Bs[(kk * ${BN}u + tx * ${TN}u) / 4u + ${q}u];`);
    for (let i = 0; i < TM; i++) {
      for (let j = 0; j < TN / 4; j++)
        inner.push(`acc${i}_${j} = acc${i}_${j} + vec4<${T}>(a${i >> 2}[${i & 3}]) * b${j};`);
    }
    for (let i = 0; i < TM; i++) {
      stores.push(`{ let m = m0 + ty * ${TM}u + ${i}u; if (m < M) {`);
      for (let j = 0; j < TN / 4; j++) {
        for (let c = 0; c < 4; c++) {
          stores.push(
            `  { let n = n0 + tx * ${TN}u + ${j * 4 + c}u; if (n < N) { storeC(batch, split, m, n, acc${i}_${j}[${c}]); } }`,
          );
        }
      }
      stores.push('} }');
    }
    return `${header(l.decls(), l.params.length)}
var<workgroup> As: array<vec4<${T}>, ${(BK * BM) / 4}>;
var<workgroup> Bs: array<vec4<${T}>, ${(BK * BN) / 4}>;
${hooks.functions}
@compute @workgroup_size(256) fn main(${MAIN_ARGS}, @builtin(local_invocation_index) t: u32) {
  let M = ${pu(iM)};
  let N = ${pu(iN)};
  let K = ${pu(iK)};
  let splits = ${pu(iSplits)};
  let zz = wid.z + ${pu(iZ)};
  let batch = zz / splits;
  let split = zz % splits;
  let z = batch;
  let m0 = wid.y * ${BM}u;
  let n0 = wid.x * ${BN}u;
  let kBegin = split * ${pu(iChunk)};
  let kEnd = min(K, kBegin + ${pu(iChunk)});
  let tx = t % ${tx}u;
  let ty = t / ${tx}u;
  ${setup.join('\n  ')}
  ${accDecl.join('\n  ')}
  for (var k0 = kBegin; k0 < kEnd; k0 = k0 + ${BK}u) {
    ${lines.join('\n    ')}
    workgroupBarrier();
    for (var kk = 0u; kk < ${BK}u; kk = kk + 1u) {
      ${inner.join('\n      ')}
    }
    workgroupBarrier();
  }
  ${stores.join('\n  ')}
}`;
  };
  const gx = Math.ceil(g.N / BN);
  const gy = Math.ceil(g.M / BM);
  const zTotal = g.batches * splits;
  const maxZ = engine.limits.maxComputeWorkgroupsPerDimension;
  const fullKey = `${key}|gemm|${T}|${BM}x${BN}x${BK}/${TM}x${TN}|${hooks.a}${hooks.b}|${hooks.prepA ? 'pa' : ''}${hooks.prepB ? 'pb' : ''}`;
  // More than 65535 batches: one dispatch per slice of z, with the slice start in the uniforms.
  for (let z0 = 0; z0 < zTotal; z0 += maxZ) {
    l.params.set(iZ, z0);
    l.run(fullKey, code, [gx, gy, Math.min(maxZ, zTotal - z0)]);
  }
}

/**
 * The simple kernel for thin products (a few rows or columns, or tiny problems): one thread per
 * output element, looping over K with the same loaders. With g.splits > 1 each thread sums one chunk
 * of K (storeC gets the chunk index; the caller sums the partials), for very long K into few outputs.
 */
export function runGemv(
  l: Launch,
  key: string,
  g: GemmGeometry,
  hooks: Pick<GemmHooks, 'T' | 'functions' | 'prepA' | 'prepB'>,
): void {
  const splits = Math.max(1, g.splits);
  const kChunk = Math.ceil(g.K / splits);
  if (Math.ceil(g.K / kChunk) !== splits) throw new Error(`webgpu: gemv split mismatch (${g.K} / ${splits})`);
  const iM = l.params.u(g.M);
  const iN = l.params.u(g.N);
  const iK = l.params.u(g.K);
  const iS = l.params.u(splits);
  const iChunk = l.params.u(kChunk);
  const total = g.M * g.N * g.batches * splits;
  const iTotal = l.params.u(total);
  const T = hooks.T;
  const code = () => `${header(l.decls(), l.params.length)}
${hooks.functions}
@compute @workgroup_size(256) fn main(${MAIN_ARGS}) {
  let id = (wid.y * nwg.x + wid.x) * 256u + lid.x;
  if (id >= ${pu(iTotal)}) { return; }
  let M = ${pu(iM)};
  let N = ${pu(iN)};
  let K = ${pu(iK)};
  let splits = ${pu(iS)};
  let n = id % N;
  let m = (id / N) % M;
  let split = (id / (M * N)) % splits;
  let z = id / (M * N * splits);
  let kBegin = split * ${pu(iChunk)};
  let kEnd = min(K, kBegin + ${pu(iChunk)});
  ${hooks.prepA ? 'let pa = prepA(z, m);' : ''}
  ${hooks.prepB ? 'let pb = prepB(z, n);' : ''}
  var acc: ${T} = ${T === 'f32' ? '0.0' : '0'};
  for (var k = kBegin; k < kEnd; k = k + 1u) { acc = acc + loadA(z, m, k${hooks.prepA ? ', pa' : ''}) * loadB(z, k, n${hooks.prepB ? ', pb' : ''}); }
  storeC(z, split, m, n, acc);
}`;
  const groups = Math.ceil(total / 256);
  const gy = Math.ceil(groups / 65535);
  l.run(`${key}|gemv|${T}|${hooks.prepA ? 'pa' : ''}${hooks.prepB ? 'pb' : ''}`, code, [
    Math.ceil(groups / gy),
    gy,
    1,
  ]);
}

/** Chunks of K for the thin kernel: none unless K is long and the outputs are too few to fill a GPU. */
export function gemvSplits(outputs: number, K: number): number {
  if (K < 4096 || outputs >= 16384) return 1;
  const wanted = Math.min(256, Math.ceil(K / 1024), Math.ceil(65536 / outputs));
  return Math.ceil(K / Math.ceil(K / wanted));
}
