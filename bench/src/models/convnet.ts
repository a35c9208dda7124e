/**
 * The two small convnets of the training benchmarks, written once as a spec and built for each
 * library: LeNet-5 on MNIST-shaped input (issue 4) and the CIFAR-10 tutorial net (issue 6's
 * "what does training consume"). Both are conv -> relu -> maxpool 2, twice, then 400-120-84-10 with
 * relu between the fully connected layers, cross-entropy, SGD (lr 0.01, momentum 0.9).
 *
 * Torchlet gets an `nn.Module` with `F.relu` / `F.maxPool2d` / `F.crossEntropy` and `optim.SGD`, one
 * step wrapped in `torch.tidy` (what the trainer does). tfjs gets the same network from tfjs-core ops
 * (NHWC, filters HWIO; tfjs-layers is not installed) with `tf.train.momentum` and the same initial
 * weights, so the two can be cross-checked. PyTorch builds its own copy in py/bench_torch.py.
 */
import type * as TF from '@tensorflow/tfjs-core';
import type { Tensor } from '@torchlet/tensor';
import { composedFilterGrad } from '../cases/conv2d.js';
import { HWIO_TO_OIHW, OIHW_TO_HWIO, permute4, randomData } from '../data.js';
import type { TorchletPackages } from '../types.js';

export interface ConvLayer {
  out: number;
  k: number;
  pad: number;
}

export interface NetSpec {
  /** Case id prefix: 'lenet5', 'cifar-net'. */
  id: string;
  title: string;
  /** [C, H, W] of one sample. */
  input: readonly [number, number, number];
  convs: readonly [ConvLayer, ConvLayer];
  /** Widths of the three fully connected layers (the last is the number of classes). */
  fcs: readonly [number, number, number];
}

export const LENET5: NetSpec = {
  id: 'lenet5',
  title: 'LeNet-5 on 1x28x28',
  input: [1, 28, 28],
  convs: [
    { out: 6, k: 5, pad: 2 },
    { out: 16, k: 5, pad: 0 },
  ],
  fcs: [120, 84, 10],
};

export const CIFAR_NET: NetSpec = {
  id: 'cifar-net',
  title: 'cifar-net on 3x32x32',
  input: [3, 32, 32],
  convs: [
    { out: 6, k: 5, pad: 0 },
    { out: 16, k: 5, pad: 0 },
  ],
  fcs: [120, 84, 10],
};

export const LR = 0.01;
export const MOMENTUM = 0.9;

interface ConvGeometry {
  c: number;
  h: number;
  w: number;
  o: number;
  k: number;
  pad: number;
  oh: number;
  ow: number;
}

/** Shapes through the network: each conv's input and output, and the flattened feature count. */
export function geometry(spec: NetSpec): {
  convs: ConvGeometry[];
  pooled: [number, number, number];
  flat: number;
} {
  let [c, h, w] = spec.input;
  const convs: ConvGeometry[] = [];
  for (const l of spec.convs) {
    const oh = h + 2 * l.pad - l.k + 1;
    const ow = w + 2 * l.pad - l.k + 1;
    convs.push({ c, h, w, o: l.out, k: l.k, pad: l.pad, oh, ow });
    [c, h, w] = [l.out, Math.floor(oh / 2), Math.floor(ow / 2)];
  }
  return { convs, pooled: [c, h, w], flat: c * h * w };
}

/**
 * Multiply-add FLOPs (2 per MAC) of the convolutions and fully connected layers for `batch` samples:
 * the forward pass, or forward + backward (both gradients of every layer, except the input gradient
 * of the first conv, whose input needs none). Elementwise ops, pooling and the loss are left out.
 */
export function flops(spec: NetSpec, batch: number, part: 'fwd' | 'fwdbwd'): number {
  const g = geometry(spec);
  const convs = g.convs.map((l) => 2 * l.o * l.oh * l.ow * l.c * l.k * l.k);
  const widths = [g.flat, ...spec.fcs];
  const fcs = spec.fcs.map((_, i) => 2 * widths[i] * widths[i + 1]);
  const fwd = [...convs, ...fcs].reduce((a, b) => a + b, 0);
  return batch * (part === 'fwd' ? fwd : 3 * fwd - convs[0]);
}

/** Initial parameters in PyTorch's layouts: conv [O, C, k, k], linear [out, in], biases [out]. */
export interface Weights {
  names: string[];
  shapes: number[][];
  values: Float32Array[];
}

/** PyTorch's default init distribution (U(+-1/sqrt(fan_in)) for weights and biases), seeded. */
export function initWeights(spec: NetSpec, seed = 100): Weights {
  const g = geometry(spec);
  const names: string[] = [];
  const shapes: number[][] = [];
  const values: Float32Array[] = [];
  const add = (name: string, shape: number[], fanIn: number) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const bound = 1 / Math.sqrt(fanIn);
    names.push(name);
    shapes.push(shape);
    values.push(randomData(n, seed + names.length).map((v) => v * bound));
  };
  g.convs.forEach((l, i) => {
    add(`conv${i + 1}.weight`, [l.o, l.c, l.k, l.k], l.c * l.k * l.k);
    add(`conv${i + 1}.bias`, [l.o], l.c * l.k * l.k);
  });
  const widths = [g.flat, ...spec.fcs];
  spec.fcs.forEach((out, i) => {
    add(`fc${i + 1}.weight`, [out, widths[i]], widths[i]);
    add(`fc${i + 1}.bias`, [out], widths[i]);
  });
  return { names, shapes, values };
}

/** One seeded batch: inputs in [-1, 1) (NCHW) and labels cycling through the classes. */
export function batchData(spec: NetSpec, batch: number, seed = 7): { x: Float32Array; labels: Int32Array } {
  const [c, h, w] = spec.input;
  const x = randomData(batch * c * h * w, seed);
  const labels = Int32Array.from({ length: batch }, (_, i) => (i * 7 + 3) % spec.fcs[2]);
  return { x, labels };
}

/** The network as bench_torch.py's `convnet` kinds read it. */
export function pyParams(spec: NetSpec, batch: number): Record<string, number> {
  const [c, h, w] = spec.input;
  const [a, b] = spec.convs;
  const [f1, f2, f3] = spec.fcs;
  return { batch, c, h, w, c1: a.out, k1: a.k, p1: a.pad, c2: b.out, k2: b.k, p2: b.pad, f1, f2, f3 };
}

// ---- Torchlet ------------------------------------------------------------------------------------

export interface TorchletNet {
  /** The model (an nn.Module); `call(x)` returns the logits. */
  net: { call(x: Tensor): Tensor; parameters(): Iterable<Tensor>; zeroGrad(): void };
  params: Tensor[];
  loss(x: Tensor, y: Tensor): Tensor;
}

/** The spec as an nn.Module subclass (as the nn README writes LeNet-5), loaded with `w`. */
export function torchletNet(p: TorchletPackages, spec: NetSpec, w: Weights): TorchletNet {
  const { nn, torch, autograd } = p;
  const { F } = nn;
  const g = geometry(spec);
  const [l1, l2] = g.convs;
  const [f1, f2, f3] = spec.fcs;
  class ConvNet extends nn.Module {
    conv1 = new nn.Conv2d(l1.c, l1.o, l1.k, { padding: l1.pad });
    conv2 = new nn.Conv2d(l2.c, l2.o, l2.k, { padding: l2.pad });
    fc1 = new nn.Linear(g.flat, f1);
    fc2 = new nn.Linear(f1, f2);
    fc3 = new nn.Linear(f2, f3);

    forward(x: Tensor): Tensor {
      x = F.maxPool2d(F.relu(this.conv1.call(x)), 2);
      x = F.maxPool2d(F.relu(this.conv2.call(x)), 2);
      x = x.flatten(1);
      x = F.relu(this.fc1.call(x));
      x = F.relu(this.fc2.call(x));
      return this.fc3.call(x);
    }
  }
  const net = new ConvNet();
  const named = new Map(net.namedParameters());
  autograd.noGrad(() => {
    w.names.forEach((name, i) => {
      const param = named.get(name);
      if (!param) throw new Error(`convnet: no parameter ${name}`);
      const src = torch.tensor(w.values[i], { shape: w.shapes[i] });
      param.copy_(src);
      src.dispose();
    });
  });
  return {
    net,
    params: w.names.map((n) => named.get(n)!),
    loss: (x, y) => F.crossEntropy(net.call(x), y),
  };
}

/**
 * Frees a graph that will not be walked by backward: what PyTorch's reference counting does when the
 * loss of a forward-only pass goes out of scope. Torchlet's saved tensors are otherwise released by
 * its FinalizationRegistry only after a garbage collection.
 */
export function releaseGraph(t: Tensor): void {
  type GraphNode = { next: (readonly [GraphNode, number] | null)[]; release(): void };
  const start = t.gradFn as unknown as GraphNode | null;
  if (!start) return;
  const seen = new Set<GraphNode>([start]);
  const stack = [start];
  while (stack.length) {
    const node = stack.pop()!;
    node.release();
    for (const e of node.next) {
      if (e && !seen.has(e[0])) {
        seen.add(e[0]);
        stack.push(e[0]);
      }
    }
  }
}

// ---- tfjs ----------------------------------------------------------------------------------------

let gradInstalls = 0;
let previous: [string, TF.GradConfig | undefined][] = [];

/**
 * Gradients for tfjs's autodiff (tf.variableGrads). tfjs-core's Node build registers none: the
 * `@tensorflow/tfjs` union package does (`register_all_gradients`), and it is not installed (nor can
 * tfjs-core's extensionless ESM sources be imported in Node). So the training cases register the
 * ones the two nets need, transcribed from tfjs-core 4.22's `gradients/*_grad.ts` (Add, Relu,
 * MaxPool, Reshape, BatchMatMul: same formulas and kernels), plus a Conv2D gradient whose input part
 * is tfjs's (`conv2dTranspose`, the Conv2DBackpropInput kernel) and whose filter part is composed as in
 * cases/conv2d.ts (pad, then one matMul(transposeA) per kernel offset, stacked), because
 * tfjs-backend-wasm has no Conv2DBackpropFilter kernel and tfjs-cpu's is a scalar loop. Gradients are
 * thunks, so only those the tape needs run (none for conv1's input). Returns the undo.
 */
export function installTrainingGradients(tf: typeof TF): () => void {
  if (gradInstalls++ === 0) {
    const configs: TF.GradConfig[] = [
      {
        kernelName: 'Conv2D',
        inputsToSave: ['x', 'filter'],
        gradFunc: (dy, saved, attrs) => {
          const [x, filter] = saved as [TF.Tensor4D, TF.Tensor4D];
          const a = attrs as unknown as {
            strides: number | [number, number];
            dilations: number | [number, number];
            pad: number | 'valid' | 'same';
            dataFormat: string;
          };
          const ones = (v: number | [number, number]) =>
            typeof v === 'number' ? v === 1 : v[0] === 1 && v[1] === 1;
          if (!ones(a.strides) || !ones(a.dilations) || a.dataFormat !== 'NHWC' || a.pad === 'same') {
            throw new Error(
              'bench: the composed Conv2D gradient handles stride 1, no dilation, NHWC, numeric padding',
            );
          }
          const pad = a.pad === 'valid' ? 0 : a.pad;
          const [k, , c, o] = filter.shape;
          const s = { n: x.shape[0], c, h: x.shape[1], w: x.shape[2], o, k, pad };
          return {
            x: () => tf.conv2dTranspose(dy as TF.Tensor4D, filter, x.shape, 1, pad),
            filter: () => composedFilterGrad(tf, x, dy as TF.Tensor4D, s),
          };
        },
      },
      {
        kernelName: 'Add',
        inputsToSave: ['a', 'b'],
        gradFunc: (dy, saved) => {
          const [a, b] = saved;
          const out = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
          const der = (t: TF.Tensor) => () => {
            const axes = tf.backend_util.getReductionAxes(t.shape, out);
            return tf.reshape(axes.length > 0 ? tf.sum(dy as TF.Tensor, axes) : (dy as TF.Tensor), t.shape);
          };
          return { a: der(a), b: der(b) };
        },
      },
      {
        kernelName: 'Relu',
        inputsToSave: ['x'],
        gradFunc: (dy, saved) => ({
          x: () => tf.mul(dy as TF.Tensor, tf.cast(tf.step(saved[0]), 'float32')),
        }),
      },
      {
        kernelName: 'MaxPool',
        inputsToSave: ['x'],
        outputsToSave: [true],
        gradFunc: (dy, saved, attrs) => {
          const [x, y] = saved;
          const { filterSize, strides, pad } = attrs as Record<string, unknown>;
          return {
            x: () =>
              tf.engine().runKernel('MaxPoolGrad', { dy: dy as TF.Tensor, input: x, output: y }, {
                filterSize,
                strides,
                pad,
              } as unknown as TF.NamedAttrMap) as TF.Tensor,
          };
        },
      },
      {
        kernelName: 'Reshape',
        inputsToSave: ['x'],
        gradFunc: (dy, saved) => ({ x: () => tf.reshape(dy as TF.Tensor, saved[0].shape) }),
      },
      {
        kernelName: 'BatchMatMul',
        inputsToSave: ['a', 'b'],
        gradFunc: (dy, saved, attrs) => {
          const [a, b] = saved;
          const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
          const d = dy as TF.Tensor;
          if (!transposeA && !transposeB)
            return { a: () => tf.matMul(d, b, false, true), b: () => tf.matMul(a, d, true, false) };
          if (!transposeA && transposeB)
            return { a: () => tf.matMul(d, b, false, false), b: () => tf.matMul(d, a, true, false) };
          if (transposeA && !transposeB)
            return { a: () => tf.matMul(b, d, false, true), b: () => tf.matMul(a, d, false, false) };
          return { a: () => tf.matMul(b, d, true, true), b: () => tf.matMul(d, a, true, true) };
        },
      },
    ];
    previous = configs.map((c) => [c.kernelName, tf.getGradient(c.kernelName)]);
    for (const c of configs) tf.registerGradient(c);
  }
  return () => {
    if (--gradInstalls > 0) return;
    for (const [name, config] of previous) {
      if (config) tf.registerGradient(config);
      else tf.unregisterGradient(name);
    }
    previous = [];
  };
}

/**
 * Mean cross-entropy of logits against one-hot labels, with its gradient given directly
 * ((softmax - labels) / batch, what tf.losses.softmaxCrossEntropy's customGrad and PyTorch compute),
 * so that no Log/Exp/Sum/RealDiv gradients need registering.
 */
function crossEntropy(tf: typeof TF): (logits: TF.Tensor2D, labels: TF.Tensor2D) => TF.Scalar {
  const f = (logits: TF.Tensor2D, labels: TF.Tensor2D, save: TF.GradSaveFunc) => {
    const logp = tf.logSoftmax(logits);
    save([logp, labels]);
    return {
      value: tf.neg(tf.mean(tf.sum(tf.mul(labels, logp), 1))) as TF.Scalar,
      gradFunc: (dy: TF.Tensor, [lp, lab]: TF.Tensor[]) => {
        const scale = tf.div(dy, lp.shape[0]);
        return [tf.mul(tf.sub(tf.exp(lp), lab), scale), tf.zerosLike(lab)];
      },
    };
  };
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    logits: TF.Tensor2D,
    labels: TF.Tensor2D,
  ) => TF.Scalar;
}

export interface TfjsNet {
  vars: TF.Variable[];
  /** Mean cross-entropy of the batch (x NHWC, labels one-hot). */
  loss(x: TF.Tensor4D, oneHot: TF.Tensor2D): TF.Scalar;
  /** Gradients back in PyTorch's layouts, in `Weights.names` order. */
  canonicalGrads(grads: TF.NamedTensorMap): Float32Array[];
  dispose(): void;
}

/** The spec from tfjs-core ops, NHWC, with the same initial weights as Torchlet's. */
export function tfjsNet(tf: typeof TF, spec: NetSpec, w: Weights): TfjsNet {
  const g = geometry(spec);
  const [pc, ph, pw] = g.pooled;
  /** fc1's input index: PyTorch flattens [C, H, W], tfjs [H, W, C]. */
  const nhwcRow = (i: number) => {
    const c = Math.floor(i / (ph * pw));
    const r = i % (ph * pw);
    return r * pc + c; // (h * pw + w) * pc + c
  };
  const toTf = (i: number): TF.Tensor => {
    const shape = w.shapes[i];
    const v = w.values[i];
    if (shape.length === 4)
      return tf.tensor4d(permute4(v, shape, OIHW_TO_HWIO), [shape[2], shape[3], shape[1], shape[0]]);
    if (shape.length === 1) return tf.tensor1d(v);
    const [out, inp] = shape;
    const t = new Float32Array(v.length);
    for (let o = 0; o < out; o++)
      for (let j = 0; j < inp; j++)
        t[(w.names[i] === 'fc1.weight' ? nhwcRow(j) : j) * out + o] = v[o * inp + j];
    return tf.tensor2d(t, [inp, out]);
  };
  const vars = w.names.map((name, i) => {
    const init = toTf(i);
    const v = tf.variable(init, true, `${spec.id}.${name}.${Math.random().toString(36).slice(2)}`);
    init.dispose();
    return v;
  });
  const [cw1, cb1, cw2, cb2, fw1, fb1, fw2, fb2, fw3, fb3] = vars;
  const [l1, l2] = g.convs;
  const ce = crossEntropy(tf);
  const loss = (x: TF.Tensor4D, oneHot: TF.Tensor2D): TF.Scalar => {
    const block = (h: TF.Tensor4D, w: TF.Variable, b: TF.Variable, pad: number): TF.Tensor4D =>
      tf.maxPool(
        tf.relu(tf.add(tf.conv2d(h, w as TF.Tensor4D, 1, pad || 'valid'), b)) as TF.Tensor4D,
        2,
        2,
        'valid',
      );
    const dense = (f: TF.Tensor2D, w: TF.Variable, b: TF.Variable): TF.Tensor2D =>
      tf.add(tf.matMul(f, w as TF.Tensor2D), b) as TF.Tensor2D;
    const h = block(block(x, cw1, cb1, l1.pad), cw2, cb2, l2.pad);
    let f = tf.reshape(h, [x.shape[0], g.flat]) as TF.Tensor2D;
    f = tf.relu(dense(f, fw1, fb1));
    f = tf.relu(dense(f, fw2, fb2));
    return ce(dense(f, fw3, fb3), oneHot);
  };
  const canonicalGrads = (grads: TF.NamedTensorMap): Float32Array[] =>
    vars.map((v, i) => {
      const d = grads[v.name].dataSync() as Float32Array;
      const shape = w.shapes[i];
      if (shape.length === 4) return permute4(d, [shape[2], shape[3], shape[1], shape[0]], HWIO_TO_OIHW);
      if (shape.length === 1) return Float32Array.from(d);
      const [out, inp] = shape;
      const t = new Float32Array(d.length);
      for (let o = 0; o < out; o++)
        for (let j = 0; j < inp; j++)
          t[o * inp + j] = d[(w.names[i] === 'fc1.weight' ? nhwcRow(j) : j) * out + o];
      return t;
    });
  return { vars, loss, canonicalGrads, dispose: () => tf.dispose(vars) };
}
