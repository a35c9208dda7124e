/** float32 max pooling with a 2x2 window and stride 2 (forward), and the max-pool backward scatter. */
import type { Pool2dParams, TensorView } from '../../backend.js';
import { SimdRuntime } from './runtime.js';
import {
  addrOf,
  CHUNK,
  data,
  isContiguous,
  numel,
  outAddr,
  simdMinElements,
  stageIn,
  stageOut,
} from './stage.js';

export function simdMaxPool2d(x: TensorView, out: TensorView, indices: TensorView, p: Pool2dParams): boolean {
  const [N, C, H, W] = x.shape;
  const [, , OH, OW] = out.shape;
  const plain = p.padding[0] === 0 && p.padding[1] === 0 && p.dilation[0] === 1 && p.dilation[1] === 1;
  const k22 = p.kernel[0] === 2 && p.kernel[1] === 2 && p.stride[0] === 2 && p.stride[1] === 2;
  if (!plain || !k22 || 2 * OH > H || 2 * OW > W || x.dtype !== 'float32' || indices.dtype !== 'int32')
    return false;
  const NC = N * C;
  if (numel(x.shape) < simdMinElements() || OH * OW === 0 || !isContiguous(x)) return false;
  const rt = SimdRuntime.get();
  if (!rt) return false;
  const HW = H * W;
  const OHW = OH * OW;
  const X = data(x);
  // in place when everything lives in wasm memory (rows are written as whole vectors: the outputs
  // must end their storages, where the spill lands in the padding)
  const xAt = addrOf(rt, X, x.offset);
  const yAt = outAddr(rt, data(out), out.offset, NC * OHW, true);
  const iAt = outAddr(rt, data(indices), indices.offset, NC * OHW, true);
  if (xAt >= 0 && yAt >= 0 && iAt >= 0) {
    rt.k.maxpool2x2(xAt, yAt, iAt, NC, H, W, OH, OW);
    return true;
  }
  const per = Math.max(1, Math.floor(CHUNK / HW));
  const reg = rt.layout([4 * per * HW, 4 * per * OHW, 4 * per * OHW]);
  if (!reg) return false;
  const [px, py, pi] = reg;
  for (let c = 0; c < NC; c += per) {
    const cnt = Math.min(per, NC - c);
    stageIn(rt, X, x.offset + c * HW, cnt * HW, px);
    rt.k.maxpool2x2(px, py, pi, cnt, H, W, OH, OW);
    stageOut(rt, py, data(out), out.offset + c * OHW, cnt * OHW);
    stageOut(rt, pi, data(indices), indices.offset + c * OHW, cnt * OHW);
  }
  return true;
}

export function simdMaxPool2dBackward(dy: TensorView, indices: TensorView, dx: TensorView): boolean {
  const [N, C, H, W] = dx.shape;
  const [, , OH, OW] = dy.shape;
  if (dy.dtype !== 'float32' || dx.dtype !== 'float32' || indices.dtype !== 'int32') return false;
  const NC = N * C;
  const HW = H * W;
  const OHW = OH * OW;
  if (NC * HW < simdMinElements() || OHW === 0 || HW === 0) return false;
  const rt = SimdRuntime.get();
  if (!rt) return false;
  const dyAt = addrOf(rt, data(dy), dy.offset);
  const iAt = addrOf(rt, data(indices), indices.offset);
  const dxAt = addrOf(rt, data(dx), dx.offset);
  if (dyAt >= 0 && iAt >= 0 && dxAt >= 0) {
    rt.k.maxpool_bwd(dyAt, iAt, dxAt, NC, HW, OHW);
    return true;
  }
  const per = Math.max(1, Math.floor(CHUNK / HW));
  const reg = rt.layout([4 * per * OHW, 4 * per * OHW, 4 * per * HW]);
  if (!reg) return false;
  const [pdy, pi, pdx] = reg;
  for (let c = 0; c < NC; c += per) {
    const cnt = Math.min(per, NC - c);
    stageIn(rt, data(dy), dy.offset + c * OHW, cnt * OHW, pdy);
    stageIn(rt, data(indices), indices.offset + c * OHW, cnt * OHW, pi);
    rt.k.maxpool_bwd(pdy, pi, pdx, cnt, HW, OHW);
    stageOut(rt, pdx, data(dx), dx.offset + c * HW, cnt * HW);
  }
  return true;
}
