import { type Tensor, TorchletError, zeros } from '@torchlet/tensor';
import { grad } from './engine.js';
import { noGrad } from './grad-mode.js';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw on failure (default) or return false. */
  raiseException?: boolean;
}

type Fn = (...inputs: Tensor[]) => Tensor | Tensor[];

function outputsOf(fn: Fn, inputs: Tensor[]): Tensor[] {
  const out = fn(...inputs);
  return Array.isArray(out) ? out : [out];
}

/**
 * torch.autograd.gradcheck: compares the analytical Jacobian (one backward pass per output element)
 * with central finite differences. Inputs that require grad must be float64 CPU tensors.
 */
export function gradcheck(fn: Fn, inputs: Tensor[], opts: GradcheckOptions = {}): boolean {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  const diff = inputs.map((t, i) => ({ t, i })).filter(({ t }) => t.requiresGrad);
  for (const { t, i } of diff) {
    if (t.dtype !== 'float64' || t.device !== 'cpu') {
      throw new TorchletError(
        `gradcheck: input ${i} requires grad but is ${t.dtype} on ${t.device}; use float64 CPU tensors`,
      );
    }
  }
  const outputs = outputsOf(fn, inputs);
  const fail = (msg: string) => {
    if (opts.raiseException === false) return false;
    throw new TorchletError(`gradcheck: ${msg}`);
  };
  for (let o = 0; o < outputs.length; o++) {
    const out = outputs[o];
    if (!out.isFloatingPoint()) continue;
    const m = out.numel();
    // analytical rows: d out[k] / d inputs
    const analytical = diff.map(({ t }) => new Float64Array(m * t.numel()));
    for (let k = 0; k < m; k++) {
      const seed = zeros(out.shape, { dtype: out.dtype });
      seed.dataSync(); // CPU only: the seed is built in place below
      const flat = seed.reshape([-1]);
      noGrad(() => flat.narrow(0, k, 1).fill_(1));
      const grads = out.requiresGrad
        ? grad(
            [out],
            diff.map((d) => d.t),
            { gradOutputs: [seed], retainGraph: true, allowUnused: true },
          )
        : diff.map(() => null);
      grads.forEach((g, j) => {
        if (!g) return;
        const vals = g.contiguous().dataSync();
        const n = diff[j].t.numel();
        for (let q = 0; q < n; q++) analytical[j][k * n + q] = vals[q];
      });
    }
    // numerical columns by central differences on each input element
    for (let j = 0; j < diff.length; j++) {
      const t = diff[j].t;
      const n = t.numel();
      const data = t.detach();
      if (!data.isContiguous()) throw new TorchletError(`gradcheck: input ${diff[j].i} must be contiguous`);
      const buf = (data.storage as unknown as { data: Float64Array }).data;
      for (let q = 0; q < n; q++) {
        const pos = data.offset + q;
        const orig = buf[pos];
        buf[pos] = orig + eps;
        const plus = noGrad(() => outputsOf(fn, inputs)[o].contiguous().dataSync());
        buf[pos] = orig - eps;
        const minus = noGrad(() => outputsOf(fn, inputs)[o].contiguous().dataSync());
        buf[pos] = orig;
        for (let k = 0; k < m; k++) {
          const num = (plus[k] - minus[k]) / (2 * eps);
          const ana = analytical[j][k * n + q];
          if (!(Math.abs(num - ana) <= atol + rtol * Math.abs(num))) {
            return fail(
              `Jacobian mismatch for output ${o} with respect to input ${diff[j].i}, at output element ${k}, input element ${q}: numerical ${num}, analytical ${ana}`,
            );
          }
        }
      }
    }
  }
  return true;
}
