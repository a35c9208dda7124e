import type { Tensor } from '@torchlet/tensor';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from '../functional/conv.js';
import { Module } from '../module.js';
import { pyBool } from '../utils/py-repr.js';

type IntOrPair = number | readonly [number, number];
const fmt = (v: IntOrPair | readonly (number | null)[]) =>
  typeof v === 'number' ? String(v) : `(${v.map((x) => (x === null ? 'None' : x)).join(', ')})`;

export interface MaxPool2dOptions {
  stride?: IntOrPair | null;
  padding?: IntOrPair;
  dilation?: IntOrPair;
  ceilMode?: boolean;
}

export class MaxPool2d extends Module {
  readonly stride: IntOrPair;
  constructor(
    readonly kernelSize: IntOrPair,
    readonly opts: MaxPool2dOptions = {},
  ) {
    super();
    this.stride = opts.stride ?? kernelSize;
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, { ...this.opts, stride: this.stride });
  }

  override extraRepr(): string {
    return `kernel_size=${fmt(this.kernelSize)}, stride=${fmt(this.stride)}, padding=${fmt(this.opts.padding ?? 0)}, dilation=${fmt(this.opts.dilation ?? 1)}, ceil_mode=${pyBool(this.opts.ceilMode ?? false)}`;
  }
}

export interface AvgPool2dOptions {
  stride?: IntOrPair | null;
  padding?: IntOrPair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

export class AvgPool2d extends Module {
  readonly stride: IntOrPair;
  constructor(
    readonly kernelSize: IntOrPair,
    readonly opts: AvgPool2dOptions = {},
  ) {
    super();
    this.stride = opts.stride ?? kernelSize;
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, { ...this.opts, stride: this.stride });
  }

  override extraRepr(): string {
    return `kernel_size=${fmt(this.kernelSize)}, stride=${fmt(this.stride)}, padding=${fmt(this.opts.padding ?? 0)}`;
  }
}

/** Average pooling to a fixed output size; AdaptiveAvgPool2d(1) is global average pooling. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | readonly [number | null, number | null]) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${fmt(this.outputSize)}`;
  }
}
