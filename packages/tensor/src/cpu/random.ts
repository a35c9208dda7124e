import type { RandomKey, RandomKind, TensorView } from '../backend.js';
import { philoxStream, toUniform, toUniformOpen } from '../random.js';
import { arr } from './strided.js';

/** Fills a contiguous view from the Philox stream of `key` (see random.ts for the lane layout). */
export function randomKernel(out: TensorView, dist: RandomKind, key: RandomKey): void {
  const O = arr(out);
  const base = out.offset;
  const n = out.shape.reduce((a, b) => a * b, 1);
  philoxStream(key, n, (i, lanes) => {
    const m = Math.min(4, n - i);
    switch (dist.kind) {
      case 'uniform':
        for (let l = 0; l < m; l++) O[base + i + l] = dist.low + (dist.high - dist.low) * toUniform(lanes[l]);
        break;
      case 'bernoulli':
        for (let l = 0; l < m; l++) O[base + i + l] = toUniform(lanes[l]) < dist.p ? 1 : 0;
        break;
      case 'randint':
        for (let l = 0; l < m; l++)
          O[base + i + l] = dist.low + Math.floor((lanes[l] / 4294967296) * (dist.high - dist.low));
        break;
      case 'normal':
        // Box-Muller on lane pairs (0,1) and (2,3): the even lane takes the cosine, the odd one the sine.
        for (let l = 0; l < m; l++) {
          const pair = l & ~1;
          const r = Math.sqrt(-2 * Math.log(toUniformOpen(lanes[pair])));
          const theta = 6.283185307179586 * toUniform(lanes[pair + 1]);
          O[base + i + l] = dist.mean + dist.std * r * (l & 1 ? Math.sin(theta) : Math.cos(theta));
        }
        break;
    }
  });
}
