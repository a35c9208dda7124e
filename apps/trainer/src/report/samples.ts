import { noGrad } from '@torchlet/autograd';
import { DataLoader, type Dataset, Subset } from '@torchlet/datasets';
import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import type { DatasetInfo } from '../data/datasets.js';
import type { Model } from '../models/registry.js';
import { savePredictionGrid } from './predictions.js';

/** predictions.png for the first `count` images of the test split. */
export async function savePredictions(
  file: string,
  model: Model,
  test: Dataset,
  info: DatasetInfo,
  classes: readonly string[],
  opts: { count?: number; device?: string } = {},
): Promise<{ width: number; height: number }> {
  const k = Math.min(opts.count ?? 32, test.length);
  const loader = new DataLoader(
    new Subset(
      test,
      Array.from({ length: k }, (_, i) => i),
    ),
    {
      batchSize: k,
      device: opts.device,
    },
  );
  let batch: Tensor[] | null = null;
  for await (const b of loader) {
    batch = b as Tensor[];
    break;
  }
  if (!batch) throw new Error('predictions: the test split is empty');
  const [x, y] = batch;
  model.eval();
  const predicted = noGrad(() => torch.tidy(() => model.call(x).argmax(1)));
  const c = info.mean.length;
  const images = torch.tidy(() =>
    x
      .mul(torch.tensor(info.std, { shape: [1, c, 1, 1], dtype: 'float32', device: x.device }))
      .add(torch.tensor(info.mean, { shape: [1, c, 1, 1], dtype: 'float32', device: x.device }))
      .clamp(0, 1),
  );
  try {
    const preds = Array.from(await predicted.data(), Number);
    const targets = Array.from(await y.data(), Number);
    return await savePredictionGrid(file, images, preds, targets, classes);
  } finally {
    torch.dispose(x, y, predicted, images);
    await loader.close();
  }
}
