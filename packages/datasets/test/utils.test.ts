import * as path from 'node:path';
import * as torch from '@torchlet/tensor';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CIFAR10 } from '../src/cifar.js';
import { DataLoader } from '../src/dataloader.js';
import { Compose, Normalize, ToTensor } from '../src/transforms/index.js';
import { makeGrid } from '../src/utils/make-grid.js';
import { saveImage } from '../src/utils/save-image.js';
import { tmpDir, writeCifar10 } from './helpers.js';

/** torchvision's make_grid, written as its loops, as the reference. */
function referenceGrid(x: Float32Array, [n, c, h, w]: number[], nrow: number, padding: number, pad: number) {
  const xmaps = Math.min(nrow, n);
  const ymaps = Math.ceil(n / xmaps);
  const H = (h + padding) * ymaps + padding;
  const W = (w + padding) * xmaps + padding;
  const out = new Float32Array(c * H * W).fill(pad);
  let k = 0;
  for (let y = 0; y < ymaps; y++) {
    for (let xx = 0; xx < xmaps; xx++) {
      if (k >= n) break;
      for (let ch = 0; ch < c; ch++)
        for (let i = 0; i < h; i++)
          for (let j = 0; j < w; j++)
            out[ch * H * W + (y * (h + padding) + padding + i) * W + xx * (w + padding) + padding + j] =
              x[((k * c + ch) * h + i) * w + j];
      k++;
    }
  }
  return { out, shape: [c, H, W] };
}

describe('makeGrid and saveImage', () => {
  it('lays out a batch like torchvision.utils.make_grid', () => {
    const n = 5;
    const x = torch.rand(n, 3, 4, 6);
    for (const [nrow, padding, pad] of [
      [8, 2, 0],
      [2, 1, 0.5],
      [3, 0, 0],
    ]) {
      const g = makeGrid(x, { nrow, padding, padValue: pad });
      const ref = referenceGrid(x.dataSync() as Float32Array, [n, 3, 4, 6], nrow, padding, pad);
      expect(g.shape).toEqual(ref.shape);
      expect(Array.from(g.dataSync())).toEqual(Array.from(ref.out));
    }
    // 1 channel becomes 3; a single image is returned without a grid
    const gray = makeGrid(torch.rand(4, 1, 2, 2), { nrow: 2 });
    expect(gray.shape).toEqual([3, 10, 10]);
    expect(makeGrid(torch.rand(1, 3, 5, 5)).shape).toEqual([3, 5, 5]);
    expect(makeGrid([torch.rand(3, 2, 2), torch.rand(3, 2, 2)]).shape).toEqual([3, 6, 10]);
  });

  it('normalizes by the min and max, a range, or per image', () => {
    const x = torch.tensor(new Float32Array([-1, 0, 1, 3, 2, 2, 4, 6]), { shape: [2, 1, 2, 2] });
    // two 2x2 images side by side: row 0 is image 0's row 0 then image 1's row 0
    const g = makeGrid(x, { padding: 0, normalize: true });
    expect(g.shape).toEqual([3, 2, 4]);
    const want = [-1, 0, 2, 2, 1, 3, 4, 6].map((v) => (v + 1) / 7);
    const got = g.dataSync();
    for (let i = 0; i < 8; i++) expect(got[i]).toBeCloseTo(want[i], 6);
    const each = makeGrid(x, { padding: 0, normalize: true, scaleEach: true });
    const v = each.dataSync();
    expect(Math.min(...v)).toBe(0);
    expect(Math.max(...v)).toBe(1);
    const ranged = makeGrid(x, { padding: 0, normalize: true, valueRange: [0, 2] });
    expect(Array.from(ranged.dataSync().subarray(0, 8))).toEqual([0, 0, 1, 1, 0.5, 1, 1, 1]);
  });

  it("saves the seed's imshow(make_grid(images)) as a PNG", async () => {
    const root = tmpDir();
    writeCifar10(root, 4);
    const ds = new CIFAR10(root, {
      transform: new Compose([new ToTensor(), new Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])]),
    });
    const [images] = (await new DataLoader(ds, { batchSize: 4 }).iter().next()).value as torch.Tensor[];
    const file = path.join(root, 'grid.png');
    await saveImage(images.div(2).add(0.5), file); // imshow's unnormalize
    const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([4 * 34 + 2, 36, 3]);
    // the first pixel of the first image is the dataset's byte (x/255 -> *255 + 0.5, truncated)
    const [raw] = new CIFAR10(root).get(0) as [{ data: Uint8Array }, number];
    expect(data[(2 * info.width + 2) * 3]).toBe(raw.data[0]);
    expect(data[0]).toBe(0); // padding
    const single = path.join(root, 'one.jpg');
    await saveImage(torch.rand(1, 8, 8), single);
    expect((await sharp(single).metadata()).format).toBe('jpeg');
  });
});
