import * as fs from 'node:fs';
import * as path from 'node:path';
import { IndexError } from '@torchlet/tensor';
import sharp from 'sharp';
import { DatasetFormatError, DatasetNotFoundError } from './errors.js';
import { RawImage } from './image.js';
import type { Spec } from './spec.js';
import { VisionDataset, type VisionDatasetOptions } from './vision-dataset.js';

/** The extensions ImageFolder accepts by default (decoded with sharp). */
export const IMG_EXTENSIONS: readonly string[] = [
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
];

export interface ImageFolderOptions extends VisionDatasetOptions {
  /** File extensions to accept (lower case, with the dot); default IMG_EXTENSIONS. */
  extensions?: readonly string[];
  /** Channels of the decoded images: 3 (RGB, torchvision's default loader), 1 (L) or 4 (RGBA). */
  channels?: 1 | 3 | 4;
  /** Allow class folders with no valid file (torchvision's allow_empty). */
  allowEmpty?: boolean;
}

/** Decodes an image file with sharp into a RawImage with the given number of channels. */
export async function loadImage(file: string, channels: 1 | 3 | 4 = 3): Promise<RawImage> {
  try {
    let s = sharp(file, { failOn: 'error' });
    if (channels === 1) s = s.toColourspace('b-w');
    else if (channels === 3) s = s.removeAlpha().toColourspace('srgb');
    else s = s.ensureAlpha().toColourspace('srgb');
    const { data, info } = await s.raw().toBuffer({ resolveWithObject: true });
    let bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let c = info.channels;
    if (c !== channels) {
      // grey inputs can come back with one channel: replicate it
      const n = info.width * info.height;
      const out = new Uint8Array(n * channels);
      for (let i = 0; i < n; i++)
        for (let k = 0; k < channels; k++)
          out[i * channels + k] = k === 3 ? 255 : bytes[i * c + Math.min(k, c - 1)];
      bytes = out;
      c = channels;
    }
    return new RawImage(bytes, info.width, info.height, c);
  } catch (e) {
    throw new DatasetFormatError(`${file}: cannot decode the image: ${(e as Error).message}`);
  }
}

/**
 * A folder of images, one sub-folder per class (torchvision.datasets.ImageFolder):
 * `root/dog/xxx.png`, `root/cat/yyy.jpg`. Classes are the sub-folder names in sorted order; images are
 * decoded with sharp (PNG, JPEG, WebP, GIF, TIFF, AVIF) as RGB by default.
 */
export class ImageFolder extends VisionDataset<unknown, unknown> {
  readonly classes: string[];
  readonly classToIdx: Record<string, number>;
  /** [path, class index] for every image, sorted by class then file name. */
  readonly samples: [string, number][];
  readonly extensions: readonly string[];
  readonly channels: 1 | 3 | 4;

  constructor(root: string, opts: ImageFolderOptions = {}) {
    super(root, opts);
    this.extensions = (opts.extensions ?? IMG_EXTENSIONS).map((e) => e.toLowerCase());
    this.channels = opts.channels ?? 3;
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
      throw new DatasetNotFoundError(
        `ImageFolder: ${root} is not a folder (expected one sub-folder of images per class)`,
      );
    }
    this.classes = fs
      .readdirSync(root, { withFileTypes: true })
      .filter(
        (d) => d.isDirectory() || (d.isSymbolicLink() && fs.statSync(path.join(root, d.name)).isDirectory()),
      )
      .map((d) => d.name)
      .sort();
    if (this.classes.length === 0)
      throw new DatasetNotFoundError(`ImageFolder: couldn't find any class folder in ${root}`);
    this.classToIdx = Object.fromEntries(this.classes.map((c, i) => [c, i]));
    this.samples = [];
    const empty: string[] = [];
    for (const cls of this.classes) {
      const files = walk(path.join(root, cls)).filter((f) =>
        this.extensions.includes(path.extname(f).toLowerCase()),
      );
      if (files.length === 0) empty.push(cls);
      for (const f of files) this.samples.push([f, this.classToIdx[cls]]);
    }
    if (empty.length > 0 && !opts.allowEmpty) {
      throw new DatasetNotFoundError(
        `ImageFolder: found no valid file for the classes ${empty.join(', ')}. Supported extensions are: ${this.extensions.join(', ')}`,
      );
    }
  }

  get length(): number {
    return this.samples.length;
  }

  /** The class index of every sample (torchvision's `targets`). */
  get targets(): number[] {
    return this.samples.map((s) => s[1]);
  }

  /** torchvision's `imgs` (the same as samples). */
  get imgs(): [string, number][] {
    return this.samples;
  }

  protected async rawItem(index: number): Promise<[RawImage, number]> {
    const n = this.samples.length;
    const i = index < 0 ? index + n : index;
    if (!Number.isInteger(i) || i < 0 || i >= n)
      throw new IndexError(`ImageFolder: index ${index} is out of range for a dataset of length ${n}`);
    const [file, target] = this.samples[i];
    return [await loadImage(file, this.channels), target];
  }

  spec(): Spec {
    return {
      type: 'ImageFolder',
      state: {
        root: this.root,
        classes: this.classes,
        samples: this.samples,
        extensions: this.extensions,
        channels: this.channels,
        ...this.transformSpecs('ImageFolder'),
      },
    };
  }

  static fromState(
    state: {
      root: string;
      classes: string[];
      samples: [string, number][];
      extensions: string[];
      channels: 1 | 3 | 4;
    },
    transforms: VisionDatasetOptions,
  ): ImageFolder {
    const ds = Object.create(ImageFolder.prototype) as ImageFolder;
    const w = ds as unknown as Record<string, unknown>;
    w.root = state.root;
    w.transform = transforms.transform ?? null;
    w.targetTransform = transforms.targetTransform ?? null;
    w.classes = state.classes;
    w.classToIdx = Object.fromEntries(state.classes.map((c, i) => [c, i]));
    w.samples = state.samples;
    w.extensions = state.extensions;
    w.channels = state.channels;
    return ds;
  }
}

/** The files under a folder, recursively, sorted (symlinked folders followed). */
function walk(dir: string): string[] {
  const out: string[] = [];
  const entries = fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    const st = e.isSymbolicLink() ? fs.statSync(p) : null;
    if (e.isDirectory() || st?.isDirectory()) out.push(...walk(p));
    else if (e.isFile() || st?.isFile()) out.push(p);
  }
  return out;
}
