import type { TableEntry } from '../derivative.js';
import { elementwise, nonDifferentiableElementwise } from './elementwise.js';
import { inplace, nonDifferentiableInplace } from './inplace.js';
import { linalg } from './linalg.js';
import { nn, nonDifferentiableNn } from './nn.js';
import { nonDifferentiableReduce, reduce } from './reduce.js';
import { views } from './views.js';

const nondiff: TableEntry = { nondifferentiable: true };

/** The derivatives table: every op the tensor package registers has exactly one row here. */
export const derivatives = new Map<string, TableEntry>([
  ...Object.entries(elementwise),
  ...Object.entries(reduce),
  ...Object.entries(views),
  ...Object.entries(linalg),
  ...Object.entries(nn),
  ...Object.entries(inplace),
  [
    'sliceBackward',
    {
      name: 'SliceBackwardBackward0',
      backward: ({ g, attrs }) => [g.slice(attrs.dim, attrs.start, attrs.end, attrs.step)],
    },
  ],
  [
    'selectBackward',
    { name: 'SelectBackwardBackward0', backward: ({ g, attrs }) => [g.select(attrs.dim, attrs.index)] },
  ],
  ...[
    ...nonDifferentiableElementwise,
    ...nonDifferentiableReduce,
    ...nonDifferentiableNn,
    ...nonDifferentiableInplace,
  ].map((n) => [n, nondiff] as [string, TableEntry]),
]);

/** Adds the row of an op registered outside the tensor package (nn's fused losses, for example). */
export function registerDerivative(op: string, entry: TableEntry): void {
  if (derivatives.has(op)) throw new Error(`registerDerivative: op '${op}' already has a derivative`);
  derivatives.set(op, entry);
}
