import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { conv2d } from '../functional/conv.js';
import * as init from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyTuple } from '../utils/py-repr.js';

type Pair = [number, number];
const pair = (v: number | readonly number[]): Pair => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number] | 'same' | 'valid';
  dilation?: number | readonly [number, number];
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
  device?: string;
  dtype?: torch.DType;
}

/** 2-d convolution over [N, C, H, W], initialised like PyTorch (kaiming_uniform(a=sqrt(5)), bias U(±1/sqrt(fan_in))). */
export class Conv2d extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair | 'same' | 'valid';
  readonly dilation: Pair;
  readonly groups: number;
  readonly paddingMode: PaddingMode;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | readonly [number, number],
    opts: Conv2dOptions = {},
  ) {
    super();
    this.kernelSize = pair(kernelSize);
    this.stride = pair(opts.stride ?? 1);
    this.padding = typeof opts.padding === 'string' ? opts.padding : pair(opts.padding ?? 0);
    this.dilation = pair(opts.dilation ?? 1);
    this.groups = opts.groups ?? 1;
    this.paddingMode = opts.paddingMode ?? 'zeros';
    if (inChannels % this.groups !== 0)
      throw new torch.ValueError('Conv2d: in_channels must be divisible by groups');
    if (outChannels % this.groups !== 0)
      throw new torch.ValueError('Conv2d: out_channels must be divisible by groups');
    if (this.padding === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1)) {
      throw new torch.ValueError("Conv2d: padding='same' is not supported for strided convolutions");
    }
    const o = { device: opts.device, dtype: opts.dtype };
    this.weight = new Parameter(torch.empty([outChannels, inChannels / this.groups, ...this.kernelSize], o));
    this.bias = opts.bias === false ? null : new Parameter(torch.empty([outChannels], o));
    this.resetParameters();
  }

  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = init.calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }

  forward(x: Tensor): Tensor {
    if ((x.dim() !== 3 && x.dim() !== 4) || x.shape[x.dim() - 3] !== this.inChannels) {
      throw new torch.ShapeError(
        `Conv2d(${this.inChannels}, ${this.outChannels}): expected input [N, ${this.inChannels}, H, W], got [${x.shape.join(', ')}]`,
      );
    }
    if (this.paddingMode !== 'zeros' && this.padding !== 'valid') {
      const p =
        this.padding === 'same'
          ? samePads(this.kernelSize, this.dilation)
          : [this.padding[1], this.padding[1], this.padding[0], this.padding[0]];
      const padded = torch.pad(x, p, this.paddingMode);
      return conv2d(padded, this.weight, this.bias, {
        stride: this.stride,
        dilation: this.dilation,
        groups: this.groups,
      });
    }
    return conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding[0] !== 0 || this.padding[1] !== 0) s += `, padding=${pyTuple(this.padding)}`;
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=False';
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

/** [left, right, top, bottom] for 'same' with a non-zeros padding mode (extra on the right/bottom). */
function samePads(k: Pair, d: Pair): number[] {
  const th = d[0] * (k[0] - 1);
  const tw = d[1] * (k[1] - 1);
  return [Math.floor(tw / 2), tw - Math.floor(tw / 2), Math.floor(th / 2), th - Math.floor(th / 2)];
}
