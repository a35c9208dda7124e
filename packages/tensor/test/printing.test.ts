/**
 * toString() against PyTorch's exact repr strings (test/fixtures/printing.json, written by
 * tools/fixtures/generate.py). Our int32 plays PyTorch's int64, so the integer reprs come from int64
 * tensors and carry no dtype suffix.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../src/index.js';
import { loadFixtures, makeInput } from './conformance/suite.js';

interface PrintCase {
  id: string;
  input: Parameters<typeof makeInput>[0];
  requiresGrad?: boolean;
  repr: string;
}

describe('toString() prints like PyTorch', () => {
  for (const c of loadFixtures<PrintCase>('printing')) {
    it(c.id, () => {
      const { base, view } = makeInput(c.input, 'cpu');
      const t = c.requiresGrad ? view.clone().requiresGrad_(true) : view;
      expect(t.toString()).toBe(c.repr);
      expect(String(t)).toBe(c.repr);
      torch.dispose(base, view, t);
    });
  }

  it('format() gives the same text asynchronously', async () => {
    const t = torch.tensor([
      [1.5, -2],
      [3, 4.25],
    ]);
    expect(await t.format()).toBe(t.toString());
  });
});
