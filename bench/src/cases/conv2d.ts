/**
 * conv2d, stride 1, no bias: the forward pass alone, and forward + input gradient + weight gradient
 * (what one training step of a conv layer costs). Torchlet and PyTorch run NCHW with weights
 * [O, C, kh, kw]; tfjs runs NHWC with filters [kh, kw, C, O] on the same (transposed) data.
 */
import type * as TF from '@tensorflow/tfjs-core';
import { HWIO_TO_OIHW, NCHW_TO_NHWC, NHWC_TO_NCHW, OIHW_TO_HWIO, permute4, randomData } from '../data.js';
import { defineCases } from '../registry.js';
import type { BenchCase } from '../types.js';

interface ConvShape {
  n: number;
  c: number;
  h: number;
  w: number;
  o: number;
  k: number;
  pad: number;
}

/**
 * tfjs-backend-wasm has no Conv2DBackpropFilter kernel, and tfjs-backend-cpu's is a scalar loop over
 * TensorBuffer.get that needs minutes per call at the full size (44 s at a quarter of the batch on the
 * reference machine). Both backends get it composed from fast kernels they have:
 * dW[i, j, :, :] = X_pad[:, i:i+OH, j:j+OW, :]^T (reshaped [N*OH*OW, C]) @ dY (reshaped [N*OH*OW, O]),
 * one matMul(transposeA) per kernel offset, stacked to [kh, kw, C, O].
 */
export function composedFilterGrad(
  tf: typeof TF,
  x: TF.Tensor4D,
  dy: TF.Tensor4D,
  s: ConvShape,
): TF.Tensor4D {
  return tf.tidy(() => {
    const [n, oh, ow] = [dy.shape[0], dy.shape[1], dy.shape[2]];
    const xp = s.pad
      ? tf.pad(x, [
          [0, 0],
          [s.pad, s.pad],
          [s.pad, s.pad],
          [0, 0],
        ])
      : x;
    const dy2 = tf.reshape(dy, [n * oh * ow, s.o]);
    const parts: TF.Tensor[] = [];
    for (let i = 0; i < s.k; i++) {
      for (let j = 0; j < s.k; j++) {
        const win = tf.reshape(tf.slice(xp, [0, i, j, 0], [n, oh, ow, s.c]), [n * oh * ow, s.c]);
        parts.push(tf.matMul(win, dy2, true, false));
      }
    }
    return tf.reshape(tf.stack(parts), [s.k, s.k, s.c, s.o]) as TF.Tensor4D;
  });
}

/** tfjs wants explicit padding as [[0,0],[top,bottom],[left,right],[0,0]] for NHWC. */
function tfPad(
  s: ConvShape,
): [[number, number], [number, number], [number, number], [number, number]] | 'valid' {
  return s.pad
    ? [
        [0, 0],
        [s.pad, s.pad],
        [s.pad, s.pad],
        [0, 0],
      ]
    : 'valid';
}

/** Which work one case times: the forward alone, one gradient alone, or all three (a training step). */
type Part = 'fwd' | 'bwd-input' | 'bwd-weight' | 'fwdbwd';

const PARTS: Record<Part, { title: string; ops: ('y' | 'gx' | 'gw')[] }> = {
  fwd: { title: 'fwd', ops: ['y'] },
  'bwd-input': { title: 'input grad', ops: ['gx'] },
  'bwd-weight': { title: 'weight grad', ops: ['gw'] },
  fwdbwd: { title: 'fwd+bwd', ops: ['y', 'gx', 'gw'] },
};

function convCase(s: ConvShape, part: Part, quick: boolean): BenchCase {
  const oh = s.h + 2 * s.pad - s.k + 1;
  const ow = s.w + 2 * s.pad - s.k + 1;
  const xShape = [s.n, s.c, s.h, s.w];
  const wShape = [s.o, s.c, s.k, s.k];
  const dyShape = [s.n, s.o, oh, ow];
  const x = randomData(s.n * s.c * s.h * s.w, 11);
  const w = randomData(s.o * s.c * s.k * s.k, 12);
  const dy = randomData(s.n * s.o * oh * ow, 13);
  const oneConv = 2 * s.n * s.o * oh * ow * s.c * s.k * s.k;
  const shape = `${s.n}x${s.c}x${s.h}x${s.w}, ${s.o}x${s.k}x${s.k} pad ${s.pad}`;
  const { ops } = PARTS[part];
  const composedNote = `has no Conv2DBackpropFilter kernel: weight gradient composed from pad + ${s.k * s.k} x (slice, reshape, matMul(transposeA)) + stack`;
  return {
    id: `conv2d-${part}`,
    group: 'conv2d',
    title: `conv2d ${PARTS[part].title} ${shape}`,
    flops: ops.length * oneConv,
    baseline: 'tfjs-wasm',
    maxRepMs: 30_000,
    // The single-gradient cases show where a training step's time goes; tfjs-cpu sits them out
    // (it is ~100x off the pace and would cost a minute of run time).
    libs:
      part === 'bwd-input' || part === 'bwd-weight'
        ? ['torchlet', 'torchlet-1t', 'tfjs-wasm', 'pytorch']
        : undefined,
    targets:
      part === 'fwdbwd' && !quick
        ? [{ lib: 'torchlet', vs: 'tfjs-wasm', minSpeedup: 10, text: 'fwd+bwd time <= 1/10 of tfjs-wasm' }]
        : undefined,
    notes: {
      ...(ops.includes('gx')
        ? { 'tfjs-wasm': 'input gradient: conv2dTranspose (its Conv2DBackpropInput kernel)' }
        : {}),
      ...(ops.includes('gw')
        ? {
            'tfjs-wasm':
              part === 'fwdbwd' ? `${composedNote}; input gradient: conv2dTranspose` : composedNote,
            'tfjs-cpu': `weight gradient composed as for tfjs-wasm: much faster than tfjs-cpu's own Conv2DBackpropFilter kernel (a scalar loop over TensorBuffer.get)`,
          }
        : {}),
      ...(ops.includes('gx') || ops.includes('gw')
        ? {
            pytorch:
              'forward F.conv2d, gradients aten.convolution_backward (output_mask picks the gradients)',
          }
        : {}),
    },
    torchlet: ({ torch }) => {
      const tx = torch.tensor(x, { shape: xShape });
      const tw = torch.tensor(w, { shape: wShape });
      const tdy = torch.tensor(dy, { shape: dyShape });
      const { p } = torch.conv2dParams(tx, tw, { padding: s.pad });
      const step = () =>
        ops.map((op) =>
          op === 'y'
            ? torch.conv2d(tx, tw, null, { padding: s.pad })
            : op === 'gx'
              ? torch.conv2dBackwardInput(tdy, tw, tx.shape, p)
              : torch.conv2dBackwardWeight(tdy, tx, tw.shape, p),
        );
      return {
        run: () => torch.dispose(step()),
        outputs: () => {
          const outs = step();
          const arrays = outs.map((t) => Float32Array.from(t.dataSync()));
          torch.dispose(outs);
          return arrays;
        },
        dispose: () => torch.dispose(tx, tw, tdy),
      };
    },
    tfjs: ({ tf }) => {
      const tx = tf.tensor4d(permute4(x, xShape, NCHW_TO_NHWC), [s.n, s.h, s.w, s.c]);
      const tw = tf.tensor4d(permute4(w, wShape, OIHW_TO_HWIO), [s.k, s.k, s.c, s.o]);
      const tdy = tf.tensor4d(permute4(dy, dyShape, NCHW_TO_NHWC), [s.n, oh, ow, s.o]);
      const pad = tfPad(s);
      const step = (): TF.Tensor4D[] =>
        ops.map((op) =>
          op === 'y'
            ? tf.conv2d(tx, tw, 1, pad)
            : op === 'gx'
              ? tf.conv2dTranspose(tdy, tw, [s.n, s.h, s.w, s.c], 1, pad)
              : composedFilterGrad(tf, tx, tdy, s),
        );
      /** Back to PyTorch's layouts for the cross-check. */
      const canonical = (t: TF.Tensor4D, op: 'y' | 'gx' | 'gw') =>
        op === 'gw'
          ? permute4(t.dataSync() as Float32Array, [s.k, s.k, s.c, s.o], HWIO_TO_OIHW)
          : permute4(t.dataSync() as Float32Array, t.shape, NHWC_TO_NCHW);
      return {
        run: () => tf.dispose(step()),
        outputs: () => {
          const outs = step();
          const arrays = outs.map((t, i) => canonical(t, ops[i]));
          tf.dispose(outs);
          return arrays;
        },
        dispose: () => tf.dispose([tx, tw, tdy]),
      };
    },
    pytorch: { kind: `conv2d_${part.replace('-', '_')}`, params: { ...s } },
  };
}

defineCases(({ quick }) => {
  const s: ConvShape = quick
    ? { n: 4, c: 16, h: 16, w: 16, o: 16, k: 3, pad: 1 }
    : { n: 64, c: 32, h: 32, w: 32, o: 32, k: 3, pad: 1 };
  const parts: Part[] = ['fwd', 'bwd-input', 'bwd-weight', 'fwdbwd'];
  return parts.map((part) => convCase(s, part, quick));
});
