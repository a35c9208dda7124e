/**
 * Every loss against PyTorch (fixtures/losses.json, written by tools/fixtures/nn.py): each case runs
 * the functional form (F.crossEntropy...) and the module form (new nn.CrossEntropyLoss(opts).call),
 * and compares the value, the gradient w.r.t. the input and, where PyTorch has one, w.r.t. the target.
 */
import type { Tensor } from '@torchlet/tensor';
import { afterAll, describe, expect, test } from 'vitest';
import { F } from '../src/index.js';
import { type Dense, expectClose, fixture, layerOf, type Tolerance, tensorOf, tolReport } from './helpers.js';

interface LossCase {
  id: string;
  fn: string;
  module: string;
  input: Dense;
  target: Dense;
  opts: Record<string, unknown>;
  out: Dense;
  r: Dense | null;
  grad: Dense;
  targetGrad: Dense | null;
}

/** |ours - PyTorch| <= atol + rtol * |PyTorch|, float32: a log-softmax or a log, then a short sum. */
const TOLERANCE: Tolerance = { atol: 1e-6, rtol: 1e-5 };

const { cases } = fixture<{ cases: LossCase[] }>('losses');

afterAll(() => {
  if (process.env.NN_TOL_REPORT)
    console.log([...tolReport].map(([k, v]) => `${k}: ${v.toFixed(3)}`).join('\n'));
});

function optsOf(c: LossCase): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(c.opts).map(([k, v]) => [
      k,
      v !== null && typeof v === 'object' && 'tensor' in v ? tensorOf((v as { tensor: Dense }).tensor) : v,
    ]),
  );
}

function check(c: LossCase, run: (input: Tensor, target: Tensor) => Tensor, form: string): void {
  const input = tensorOf(c.input, { requiresGrad: true });
  const target = tensorOf(c.target, { requiresGrad: c.targetGrad !== null });
  const out = run(input, target);
  expectClose(out, c.out, TOLERANCE, `${c.fn}: ${c.id} (${form}): value`);
  (c.r ? out.mul(tensorOf(c.r)).sum() : out).backward();
  expectClose(input.grad, c.grad, TOLERANCE, `${c.fn}: ${c.id} (${form}): input gradient`);
  if (c.targetGrad)
    expectClose(target.grad, c.targetGrad, TOLERANCE, `${c.fn}: ${c.id} (${form}): target gradient`);
}

describe('losses against PyTorch', () => {
  test('the fixtures cover every loss, reduction and option', () => {
    const fns = new Set(cases.map((c) => c.fn));
    for (const f of [
      'mseLoss',
      'l1Loss',
      'smoothL1Loss',
      'nllLoss',
      'crossEntropy',
      'binaryCrossEntropy',
      'binaryCrossEntropyWithLogits',
      'klDiv',
    ]) {
      expect(fns.has(f), f).toBe(true);
    }
    const opts = new Set(cases.flatMap((c) => Object.keys(c.opts)));
    for (const o of [
      'reduction',
      'weight',
      'ignoreIndex',
      'labelSmoothing',
      'posWeight',
      'beta',
      'logTarget',
    ])
      expect(opts.has(o), o).toBe(true);
    expect(cases.some((c) => c.fn === 'crossEntropy' && c.target.dtype === 'float32')).toBe(true); // probabilities
    expect(cases.some((c) => c.fn === 'crossEntropy' && c.input.shape.length === 3)).toBe(true); // [N, C, d1]
    expect(cases.some((c) => c.opts.reduction === 'batchmean')).toBe(true);
  });

  test.each(cases.map((c) => [c.id, c] as const))('%s: functional', (_id, c) => {
    const fn = (F as unknown as Record<string, (i: Tensor, t: Tensor, o: unknown) => Tensor>)[c.fn];
    check(c, (i, t) => fn(i, t, optsOf(c)), 'F');
  });

  test.each(cases.map((c) => [c.id, c] as const))('%s: module', (_id, c) => {
    const m = layerOf(c.module, [optsOf(c)]);
    check(c, (i, t) => m.call(i, t), c.module);
  });
});
