import { noGrad } from '@torchlet/autograd';
import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import type { Module } from '../module.js';

/** Number of parameters (elements), all or only those that require grad. */
export function countParameters(model: Module<any, any>, opts: { trainableOnly?: boolean } = {}): number {
  return model
    .parameters()
    .filter((p) => !opts.trainableOnly || p.requiresGrad)
    .reduce((n, p) => n + p.numel(), 0);
}

export interface SummaryRow {
  name: string;
  type: string;
  outputShape: number[];
  params: number;
}

const commas = (n: number) => n.toLocaleString('en-US');

/**
 * Runs one forward pass on zeros of `inputShape` (batch included) and lists each leaf layer with its
 * output shape and parameter count, like torchsummary; `toString()` of the model gives PyTorch's repr.
 */
export function summary(
  model: Module<any, any>,
  inputShape: number[],
  opts: { device?: string } = {},
): { rows: SummaryRow[]; text: string } {
  const rows: SummaryRow[] = [];
  const removers: (() => void)[] = [];
  for (const [name, m] of model.namedModules()) {
    if (m.children().length > 0) continue;
    removers.push(
      m.registerForwardHook((mod, _in, out) => {
        const own = mod.parameters(false).reduce((n, p) => n + p.numel(), 0);
        rows.push({
          name,
          type: mod.constructor.name,
          outputShape: (out as Tensor).shape as number[],
          params: own,
        });
      }),
    );
  }
  const wasTraining = model.training;
  model.eval();
  try {
    noGrad(() => model.call(torch.zeros(inputShape, { device: opts.device })));
  } finally {
    for (const r of removers) r();
    model.train(wasTraining);
  }
  // numbered in forward order across all layers, as torchsummary does (Conv2d-1, ReLU-2, ...)
  let k = 0;
  const width = 25 + 2 + 25 + 1 + 15; // the columns below: the rules span the table
  const line = '-'.repeat(width);
  const lines = [
    line,
    `${'Layer (type)'.padStart(25)}  ${'Output Shape'.padStart(25)} ${'Param #'.padStart(15)}`,
    '='.repeat(width),
  ];
  for (const r of rows) {
    k++;
    const shape = `[-1, ${r.outputShape.slice(1).join(', ')}]`;
    lines.push(`${`${r.type}-${k}`.padStart(25)}  ${shape.padStart(25)} ${commas(r.params).padStart(15)}`);
  }
  const total = countParameters(model);
  const trainable = countParameters(model, { trainableOnly: true });
  lines.push(
    '='.repeat(width),
    `Total params: ${commas(total)}`,
    `Trainable params: ${commas(trainable)}`,
    `Non-trainable params: ${commas(total - trainable)}`,
    line,
  );
  return { rows, text: lines.join('\n') };
}
