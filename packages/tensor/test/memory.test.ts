/**
 * tidy() scopes: what they dispose, what they hand on (returned tensors, keep()), and the release of
 * storages. (Registration with the FinalizationRegistry for tensors that leave the outermost scope is
 * checked with a real garbage collection in @torchlet/autograd's memory tests.)
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../src/index.js';

describe('tidy', () => {
  it('disposes temporaries, hands returned tensors to the enclosing scope', () => {
    const live = torch.numLiveTensors();
    let tmp!: torch.Tensor;
    let inner!: torch.Tensor;
    const out = torch.tidy(() => {
      inner = torch.tidy(() => {
        tmp = torch.ones([100]).mul(2);
        return tmp.add(1);
      });
      expect(tmp.isDisposed).toBe(true);
      expect(inner.isDisposed).toBe(false);
      return inner.mul(3);
    });
    // the inner result was a temporary of the outer scope
    expect(inner.isDisposed).toBe(true);
    expect(out.isDisposed).toBe(false);
    expect([...out.dataSync()].every((v) => v === 9)).toBe(true);
    expect(torch.numLiveTensors()).toBe(live + 1);
    out.dispose();
    expect(torch.numLiveTensors()).toBe(live);
  });

  it('keeps tensors returned in arrays and plain objects, and kept ones', () => {
    const live = torch.numLiveTensors();
    let kept!: torch.Tensor;
    const r = torch.tidy(() => {
      kept = torch.keep(torch.zeros([70]));
      const a = torch.ones([70]);
      const b = torch.ones([70]).neg();
      torch.ones([70]); // dropped
      return { pair: [a, b], n: 3, nested: { c: a.add(b) } };
    });
    expect(torch.numLiveTensors()).toBe(live + 4);
    for (const t of [kept, r.pair[0], r.pair[1], r.nested.c]) expect(t.isDisposed).toBe(false);
    for (const t of [kept, r.pair[0], r.pair[1], r.nested.c]) t.dispose();
    expect(torch.numLiveTensors()).toBe(live);
  });

  it('keep() inside nested scopes takes a tensor out of all of them', () => {
    let k!: torch.Tensor;
    torch.tidy(() => {
      torch.tidy(() => {
        k = torch.ones([80]);
      });
      expect(k.isDisposed).toBe(true);
      torch.tidy(() => {
        k = torch.keep(torch.ones([80]));
      });
    });
    expect(k.isDisposed).toBe(false);
    k.dispose();
  });

  it('a throwing function leaves its tensors alive (to the garbage collector)', () => {
    let t!: torch.Tensor;
    expect(() =>
      torch.tidy(() => {
        t = torch.ones([90]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(t.isDisposed).toBe(false);
    // later scopes do not dispose it either
    torch.tidy(() => torch.ones([90]));
    expect(t.isDisposed).toBe(false);
    t.dispose();
  });

  it('storages come back to the backend as soon as a scope ends', () => {
    const before = torch.memory('cpu').bytes;
    torch.tidy(() => {
      const a = torch.randn([64, 64]);
      a.mm(a).relu().sum();
    });
    expect(torch.memory('cpu').bytes).toBe(before);
  });
});
