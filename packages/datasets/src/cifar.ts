// biome-ignore-all lint/complexity/noThisInStatic: `this` in statics is what lets the subclasses (CIFAR100, FashionMNIST) override the file lists
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IndexError } from '@torchlet/tensor';
import { defaultRoot, downloadFile } from './download.js';
import { DatasetFormatError, DatasetNotFoundError } from './errors.js';
import { readFileShared } from './idx.js';
import { RawImage } from './image.js';
import type { Spec } from './spec.js';
import { extractTar } from './tar.js';
import { type PackedImages, VisionDataset, type VisionDatasetOptions } from './vision-dataset.js';

export interface CIFAROptions extends VisionDatasetOptions {
  /** The training split (50,000 images) or the test split (10,000). Default true. */
  train?: boolean;
  /** Download and extract the archive when the files are missing (with `await CIFAR10.create(...)`). */
  download?: boolean;
  /** Base URLs to download the archive from, tried in order (default: the CIFAR page at the University of Toronto). */
  mirrors?: readonly string[];
}

interface Loaded {
  /** N x 32 x 32 x 3 bytes (HWC), in shared memory. */
  images: Uint8Array;
  labels: Uint8Array;
  coarseLabels: Uint8Array | null;
  classes: string[];
}

const PRELOADED = Symbol('preloaded');
type InternalOptions = CIFAROptions & { [PRELOADED]?: Loaded };

const PIXELS = 32 * 32;
const IMAGE_BYTES = 3 * PIXELS;

/**
 * CIFAR-10 (torchvision.datasets.CIFAR10), read from the official binary version: each record of
 * `data_batch_1.bin`..`data_batch_5.bin` and `test_batch.bin` is 1 label byte and 3072 pixel bytes (the
 * red, green and blue 32x32 planes). Files live in `root/cifar-10-batches-bin`.
 */
export class CIFAR10 extends VisionDataset<unknown, unknown> {
  static readonly baseFolder: string = 'cifar-10-batches-bin';
  static readonly mirrors: readonly string[] = ['https://www.cs.toronto.edu/~kriz/'];
  static readonly archive: string = 'cifar-10-binary.tar.gz';
  static readonly archiveMd5: string = 'c32a1d4ab5d03f1284b67883e8d87530';
  static readonly trainFiles: readonly string[] = [
    'data_batch_1.bin',
    'data_batch_2.bin',
    'data_batch_3.bin',
    'data_batch_4.bin',
    'data_batch_5.bin',
  ];
  static readonly testFiles: readonly string[] = ['test_batch.bin'];
  static readonly metaFile: string = 'batches.meta.txt';
  /** Label bytes per record: 1 (CIFAR-10) or 2 (CIFAR-100: coarse, fine). */
  static readonly labelBytes: number = 1;
  static readonly numClasses: number = 10;
  static readonly defaultClasses: readonly string[] = [
    'airplane',
    'automobile',
    'bird',
    'cat',
    'deer',
    'dog',
    'frog',
    'horse',
    'ship',
    'truck',
  ];

  readonly train: boolean;
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  /** CIFAR-100's coarse (superclass) labels; null for CIFAR-10. */
  readonly coarseLabels: Uint8Array | null;
  readonly classes: readonly string[];

  /** `new CIFAR10(root?, opts?)` reads local files; `await CIFAR10.create(root, { download: true })` fetches them first. */
  constructor(root?: string | CIFAROptions, opts: CIFAROptions = {}) {
    const o: InternalOptions = typeof root === 'object' && root !== null ? root : opts;
    super(typeof root === 'string' ? root : defaultRoot(), o);
    this.train = o.train ?? true;
    const loaded = o[PRELOADED] ?? this.load(o);
    this.images = loaded.images;
    this.labels = loaded.labels;
    this.coarseLabels = loaded.coarseLabels;
    this.classes = loaded.classes;
  }

  static async create<T extends typeof CIFAR10>(
    this: T,
    root?: string | CIFAROptions,
    opts: CIFAROptions = {},
  ): Promise<InstanceType<T>> {
    const o = typeof root === 'object' && root !== null ? root : opts;
    const r = typeof root === 'string' ? root : defaultRoot();
    const cls = this as unknown as typeof CIFAR10;
    if (o.download && cls.missingFiles(r, o.train ?? true).length > 0) await cls.download(r, o);
    return new this(r, o) as InstanceType<T>;
  }

  static folder(root: string): string {
    return path.join(root, this.baseFolder);
  }

  static missingFiles(root: string, train: boolean): string[] {
    const folder = this.folder(root);
    return (train ? this.trainFiles : this.testFiles).filter((f) => !fs.existsSync(path.join(folder, f)));
  }

  /** Downloads the archive into `root` (verifying its MD5) and extracts the data files. */
  static async download(root: string, opts: Pick<CIFAROptions, 'mirrors'> = {}): Promise<void> {
    const archive = path.join(root, this.archive);
    const mirrors = opts.mirrors ?? this.mirrors;
    try {
      await downloadFile(
        mirrors.map((m) => `${m.endsWith('/') ? m : `${m}/`}${this.archive}`),
        archive,
        { md5: this.archiveMd5 },
      );
    } catch (e) {
      throw new DatasetNotFoundError(this.notFoundMessage(root, (e as Error).message));
    }
    const wanted = new Set(
      [...this.trainFiles, ...this.testFiles, this.metaFile, ...this.extraMetaFiles()].map(
        (f) => `${this.baseFolder}/${f}`,
      ),
    );
    await extractTar(archive, root, (name) => wanted.has(name));
  }

  protected static extraMetaFiles(): string[] {
    return [];
  }

  protected static notFoundMessage(root: string, downloadFailure?: string): string {
    const folder = this.folder(root);
    const files = [...this.trainFiles, ...this.testFiles].join(', ');
    const url = `${this.mirrors[0]}${this.archive}`;
    const lines = [`${this.name}: dataset files not found in ${folder} (expected ${files}).`];
    if (downloadFailure) lines.push(`Downloading failed: ${downloadFailure}`);
    lines.push(
      `To get them: run with network access and \`await ${this.name}.create(root, { download: true })\`, ` +
        `or download ${url} (md5 ${this.archiveMd5}) and extract it into ${root}.`,
    );
    return lines.join('\n');
  }

  private load(o: CIFAROptions): Loaded {
    const cls = this.constructor as typeof CIFAR10;
    const missing = cls.missingFiles(this.root, this.train);
    if (missing.length > 0) {
      let msg = cls.notFoundMessage(this.root);
      msg += `\nMissing: ${missing.join(', ')}.`;
      if (fs.existsSync(path.join(this.root, cls.archive)))
        msg += ` The archive ${path.join(this.root, cls.archive)} is there but not extracted: \`await ${cls.name}.create(root, { download: true })\` extracts it.`;
      else if (o.download)
        msg += `\n(The constructor is synchronous and cannot download: use \`await ${cls.name}.create(root, { download: true })\`.)`;
      throw new DatasetNotFoundError(msg);
    }
    const folder = cls.folder(this.root);
    const files = (this.train ? cls.trainFiles : cls.testFiles).map((f) => path.join(folder, f));
    return {
      ...readRecords(files, cls.labelBytes, cls.numClasses, cls.name),
      classes: cls.readClasses(folder),
    };
  }

  /** The class names from the meta file when present, else the built-in list. */
  protected static readClasses(folder: string): string[] {
    const meta = path.join(folder, this.metaFile);
    if (fs.existsSync(meta)) {
      const names = fs
        .readFileSync(meta, 'utf8')
        .split(/\r?\n/)
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      if (names.length === this.numClasses) return names;
    }
    return [...this.defaultClasses];
  }

  get length(): number {
    return this.labels.length;
  }

  /** torchvision's `data`: N x 32 x 32 x 3 bytes (HWC). */
  get data(): Uint8Array {
    return this.images;
  }

  get targets(): Int32Array {
    return Int32Array.from(this.labels);
  }

  get classToIdx(): Record<string, number> {
    return Object.fromEntries(this.classes.map((c, i) => [c, i]));
  }

  protected rawItem(index: number): [RawImage, number] {
    const i = this.packedIndex(index);
    return [
      new RawImage(this.images.slice(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES), 32, 32, 3),
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
    if (this.rawItem !== CIFAR10.prototype.rawItem) return null;
    return { data: this.images, width: 32, height: 32, channels: 3, targets: this.labels };
  }

  protected override extraRepr(): string[] {
    return [`Split: ${this.train ? 'Train' : 'Test'}`];
  }

  spec(): Spec {
    const name = this instanceof CIFAR100 ? 'CIFAR100' : 'CIFAR10';
    return {
      type: name,
      state: {
        root: this.root,
        train: this.train,
        loaded: {
          images: this.images,
          labels: this.labels,
          coarseLabels: this.coarseLabels,
          classes: [...this.classes],
        },
        ...this.transformSpecs(name),
      },
    };
  }

  static fromState(
    state: { root: string; train: boolean; loaded: Loaded },
    transforms: Pick<CIFAROptions, 'transform' | 'targetTransform'>,
  ): CIFAR10 {
    const opts: InternalOptions = { train: state.train, ...transforms, [PRELOADED]: state.loaded };
    return new this(state.root, opts);
  }
}

/** Reads CIFAR binary records, checking each file's length and labels; converts the planes to HWC. */
function readRecords(
  files: string[],
  labelBytes: number,
  numClasses: number,
  name: string,
): Omit<Loaded, 'classes'> {
  const record = labelBytes + IMAGE_BYTES;
  const buffers: Uint8Array[] = [];
  let total = 0;
  for (const f of files) {
    const b = readFileShared(f);
    if (b.length === 0 || b.length % record !== 0) {
      throw new DatasetFormatError(
        `${f}: wrong length: ${b.length} bytes is not a whole number of ${record}-byte records (${labelBytes} label byte${labelBytes > 1 ? 's' : ''} + ${IMAGE_BYTES} pixel bytes)`,
      );
    }
    buffers.push(b);
    total += b.length / record;
  }
  const images = new Uint8Array(new SharedArrayBuffer(total * IMAGE_BYTES));
  const labels = new Uint8Array(new SharedArrayBuffer(total));
  const coarse = labelBytes === 2 ? new Uint8Array(new SharedArrayBuffer(total)) : null;
  let n = 0;
  for (let fi = 0; fi < buffers.length; fi++) {
    const b = buffers[fi];
    const count = b.length / record;
    for (let r = 0; r < count; r++, n++) {
      const base = r * record;
      const label = b[base + labelBytes - 1];
      if (label >= numClasses) {
        throw new DatasetFormatError(
          `${files[fi]}: bad label ${label} in record ${r} (${name} has ${numClasses} classes): the file is corrupt`,
        );
      }
      labels[n] = label;
      if (coarse) {
        if (b[base] >= 20)
          throw new DatasetFormatError(
            `${files[fi]}: bad coarse label ${b[base]} in record ${r} (CIFAR-100 has 20 superclasses): the file is corrupt`,
          );
        coarse[n] = b[base];
      }
      const px = base + labelBytes;
      const out = n * IMAGE_BYTES;
      for (let p = 0; p < PIXELS; p++) {
        images[out + 3 * p] = b[px + p];
        images[out + 3 * p + 1] = b[px + PIXELS + p];
        images[out + 3 * p + 2] = b[px + 2 * PIXELS + p];
      }
    }
  }
  return { images, labels, coarseLabels: coarse };
}

/**
 * CIFAR-100 (torchvision.datasets.CIFAR100) from the official binary version: `train.bin` and `test.bin`
 * in `root/cifar-100-binary`, each record 2 label bytes (coarse, fine) and 3072 pixel bytes. Targets are
 * the fine labels (100 classes); `coarseLabels` holds the 20 superclasses.
 */
export class CIFAR100 extends CIFAR10 {
  static override readonly baseFolder: string = 'cifar-100-binary';
  static override readonly archive: string = 'cifar-100-binary.tar.gz';
  static override readonly archiveMd5: string = '03b5dce01913d631647c71ecec9e9cb8';
  static override readonly trainFiles: readonly string[] = ['train.bin'];
  static override readonly testFiles: readonly string[] = ['test.bin'];
  static override readonly metaFile: string = 'fine_label_names.txt';
  static override readonly labelBytes: number = 2;
  static override readonly numClasses: number = 100;
  static override readonly defaultClasses: readonly string[] = cifar100Classes();

  protected static override extraMetaFiles(): string[] {
    return ['coarse_label_names.txt'];
  }

  /** The 20 superclass names, when `coarse_label_names.txt` is present. */
  get coarseClasses(): string[] {
    const meta = path.join((this.constructor as typeof CIFAR100).folder(this.root), 'coarse_label_names.txt');
    if (!fs.existsSync(meta)) return [];
    return fs
      .readFileSync(meta, 'utf8')
      .split(/\r?\n/)
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }
}

function cifar100Classes(): string[] {
  return (
    'apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle ' +
    'caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish ' +
    'forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle ' +
    'mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine ' +
    'possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake spider squirrel streetcar ' +
    'sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip turtle wardrobe whale willow_tree ' +
    'wolf woman worm'
  ).split(' ');
}
