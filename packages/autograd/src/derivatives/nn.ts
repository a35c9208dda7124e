import {
  adaptiveAvgPool2d,
  adaptiveAvgPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  type Conv2dParams,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  conv2dRaw,
  maxPool2dBackward,
  type Pool2dParams,
  pad,
  type Tensor,
  zeros,
} from '@torchlet/tensor';
import type { TableEntry } from '../derivative.js';

function avgPoolWith(x: Tensor, p: Pool2dParams): Tensor {
  return avgPool2d(x, p.kernel, {
    stride: p.stride,
    padding: p.padding,
    ceilMode: p.ceilMode,
    countIncludePad: p.countIncludePad,
    divisorOverride: p.divisorOverride,
  });
}

export const nn: Record<string, TableEntry> = {
  softmax: {
    name: 'SoftmaxBackward0',
    save: { outputs: true },
    backward: ({ g, outputs: [y], attrs }) => [y.mul(g.sub(g.mul(y).sum(attrs.dim, true)))],
  },
  logSoftmax: {
    name: 'LogSoftmaxBackward0',
    save: { outputs: true },
    backward: ({ g, outputs: [y], attrs }) => [g.sub(y.exp().mul(g.sum(attrs.dim, true)))],
  },
  gather: {
    name: 'GatherBackward0',
    save: { inputs: true },
    backward: ({ g, inputs: [x, index], attrs }) => [
      zeros(x.shape, { dtype: g.dtype, device: g.device }).scatterAdd(attrs.dim, index, g),
      null,
    ],
  },
  scatterAdd: {
    name: 'ScatterAddBackward0',
    save: { inputs: true },
    backward: ({ g, inputs: [, index, src], attrs, needs }) => {
      let gs: Tensor | null = null;
      if (needs[2]) {
        gs = g.gather(attrs.dim, index);
        // positions of src beyond index's extent received nothing: pad them with zeros
        const pads: number[] = [];
        for (let d = src.dim() - 1; d >= 0; d--) pads.push(0, src.shape[d] - index.shape[d]);
        if (pads.some((p) => p !== 0)) gs = pad(gs, pads);
      }
      return [g, null, gs];
    },
  },
  indexSelect: {
    name: 'IndexSelectBackward0',
    save: { inputs: true },
    backward: ({ g, inputs: [x, index], attrs }) => {
      const dim = attrs.dim as number;
      const shape = g.shape.map((_, d) => (d === dim ? index.numel() : 1));
      const idx = index.reshape(shape).expand([...g.shape]);
      return [zeros(x.shape, { dtype: g.dtype, device: g.device }).scatterAdd(dim, idx, g), null];
    },
  },
  conv2d: {
    name: 'ConvolutionBackward0',
    save: { inputs: true },
    backward: ({ g, inputs: [x, w], attrs, needs }) => {
      const p = attrs.params as Conv2dParams;
      return [
        needs[0] ? conv2dBackwardInput(g, w, x.shape, p) : null,
        needs[1] ? conv2dBackwardWeight(g, x, w.shape, p) : null,
        needs[2] ? g.sum([0, 2, 3]) : null,
      ];
    },
  },
  // conv's gradients are bilinear in (dy, w) and (dy, x): their own gradients are convolutions again
  conv2dBackwardInput: {
    name: 'ConvolutionBackwardBackward0',
    save: { inputs: true },
    backward: ({ g, inputs: [dy, w], attrs, needs }) => {
      const p = attrs.params as Conv2dParams;
      return [
        needs[0] ? conv2dRaw(g, w, null, p) : null,
        needs[1] ? conv2dBackwardWeight(dy, g, w.shape, p) : null,
      ];
    },
  },
  conv2dBackwardWeight: {
    name: 'ConvolutionBackwardBackward0',
    save: { inputs: true },
    backward: ({ g, inputs: [dy, x], attrs, needs }) => {
      const p = attrs.params as Conv2dParams;
      return [
        needs[0] ? conv2dRaw(x, g, null, p) : null,
        needs[1] ? conv2dBackwardInput(dy, g, x.shape, p) : null,
      ];
    },
  },
  maxPool2dWithIndices: {
    name: 'MaxPool2DWithIndicesBackward0',
    save: { outputs: true },
    backward: ({ g, outputs: [, indices], shapes }) => [maxPool2dBackward(g, indices, shapes[0])],
  },
  maxPool2dBackward: {
    name: 'MaxPool2DWithIndicesBackwardBackward0',
    save: { inputs: true },
    backward: ({ g, inputs: [dy, indices] }) => [
      g
        .flatten(2)
        .gather(2, indices.flatten(2))
        .reshape([...dy.shape]),
      null,
    ],
  },
  avgPool2d: {
    name: 'AvgPool2DBackward0',
    backward: ({ g, attrs, shapes }) => [avgPool2dBackward(g, shapes[0], attrs.params)],
  },
  avgPool2dBackward: {
    name: 'AvgPool2DBackwardBackward0',
    backward: ({ g, attrs }) => [avgPoolWith(g, attrs.params)],
  },
  adaptiveAvgPool2d: {
    name: 'AdaptiveAvgPool2DBackward0',
    backward: ({ g, shapes }) => [adaptiveAvgPool2dBackward(g, shapes[0])],
  },
  adaptiveAvgPool2dBackward: {
    name: 'AdaptiveAvgPool2DBackwardBackward0',
    backward: ({ g, shapes }) => [adaptiveAvgPool2d(g, [shapes[0][2], shapes[0][3]])],
  },
};

export const nonDifferentiableNn = ['oneHot'];
