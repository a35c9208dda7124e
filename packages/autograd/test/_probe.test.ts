import * as torch from '@torchlet/tensor';
import { test } from 'vitest';
import { derivatives } from '../src/index.js';
test('probe', () => {
  const ops = torch.registeredOps();
  console.log(JSON.stringify(ops));
  console.log('missing', ops.filter((o) => !derivatives.has(o)));
  console.log('extra', [...derivatives.keys()].filter((o) => !ops.includes(o)));
  console.log('diff', [...derivatives.entries()].filter(([, e]) => !(e as any).nondifferentiable).map(([k]) => k).join(' '));
});
