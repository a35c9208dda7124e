import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as torch from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { CIFAR10, CIFAR100 } from '../src/cifar.js';
import { DatasetFormatError, DatasetNotFoundError } from '../src/errors.js';
import type { RawImage } from '../src/image.js';
import { Compose, Normalize, ToTensor } from '../src/transforms/index.js';
import { cifarRecords, tmpDir, writeCifar10 } from './helpers.js';

describe('CIFAR10 (binary version)', () => {
  it('reads the five training batches and the test batch, planes -> HWC', () => {
    const root = tmpDir();
    const { batches, test } = writeCifar10(root, 4);
    const train = new CIFAR10(root);
    expect(train.length).toBe(20);
    expect(train.classes).toEqual([
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
    ]);
    const [img, label] = train.get(5) as [RawImage, number];
    expect([img.width, img.height, img.channels]).toEqual([32, 32, 3]);
    expect(label).toBe(batches[1].labels[1]);
    expect(Array.from(img.data)).toEqual(Array.from(batches[1].hwc.subarray(3072, 6144)));
    const ts = new CIFAR10(root, { train: false });
    expect(ts.length).toBe(4);
    expect(Array.from(ts.targets)).toEqual(test.labels);
    // the seed tutorial's transform
    const ds = new CIFAR10(root, {
      train: true,
      transform: new Compose([new ToTensor(), new Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])]),
    });
    const [x] = ds.get(0) as [torch.Tensor, number];
    expect(x.shape).toEqual([3, 32, 32]);
    const planes = batches[0].file.subarray(1, 3073);
    const v = x.dataSync();
    for (const i of [0, 1023, 1024, 2048, 3071]) expect(v[i]).toBeCloseTo((planes[i] / 255 - 0.5) / 0.5, 6);
  });

  it('takes class names from batches.meta.txt when present', () => {
    const root = tmpDir();
    writeCifar10(root, 1);
    const names = ['plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
    fs.writeFileSync(path.join(root, 'cifar-10-batches-bin', 'batches.meta.txt'), `${names.join('\n')}\n\n`);
    expect(new CIFAR10(root).classes).toEqual(names);
  });

  it('names the file and the problem for corrupt files', () => {
    const root = tmpDir();
    const { dir } = writeCifar10(root, 2);
    const f = path.join(dir, 'data_batch_3.bin');
    const good = fs.readFileSync(f);
    fs.writeFileSync(f, good.subarray(0, good.length - 1));
    expect(() => new CIFAR10(root)).toThrow(DatasetFormatError);
    expect(() => new CIFAR10(root)).toThrow(
      `${f}: wrong length: 6145 bytes is not a whole number of 3073-byte records (1 label byte + 3072 pixel bytes)`,
    );
    const bad = Buffer.from(good);
    bad[3073] = 10;
    fs.writeFileSync(f, bad);
    expect(() => new CIFAR10(root)).toThrow(
      `${f}: bad label 10 in record 1 (CIFAR10 has 10 classes): the file is corrupt`,
    );
    fs.writeFileSync(f, new Uint8Array(0));
    expect(() => new CIFAR10(root)).toThrow(`${f}: wrong length: 0 bytes`);
  });

  it('says where the files are expected and how to get them', () => {
    const root = tmpDir();
    try {
      new CIFAR10(root, { download: true });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DatasetNotFoundError);
      const msg = (e as Error).message;
      expect(msg).toContain(`CIFAR10: dataset files not found in ${path.join(root, 'cifar-10-batches-bin')}`);
      expect(msg).toContain(
        'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz (md5 c32a1d4ab5d03f1284b67883e8d87530)',
      );
      expect(msg).toContain('await CIFAR10.create(root, { download: true })');
      expect(msg).toContain('Missing: data_batch_1.bin, data_batch_2.bin');
    }
  });
});

describe('CIFAR100 (binary version)', () => {
  it('reads coarse and fine labels; targets are the fine labels', () => {
    const root = tmpDir();
    const dir = path.join(root, 'cifar-100-binary');
    fs.mkdirSync(dir, { recursive: true });
    const train = cifarRecords(6, 2, 4);
    fs.writeFileSync(path.join(dir, 'train.bin'), train.file);
    fs.writeFileSync(path.join(dir, 'test.bin'), cifarRecords(3, 2, 7).file);
    fs.writeFileSync(
      path.join(dir, 'coarse_label_names.txt'),
      Array.from({ length: 20 }, (_, i) => `super${i}`).join('\n'),
    );
    const ds = new CIFAR100(root);
    expect(ds.length).toBe(6);
    expect(Array.from(ds.targets)).toEqual(train.labels);
    expect(Array.from(ds.coarseLabels!)).toEqual(train.coarse);
    expect(ds.classes.length).toBe(100);
    expect(ds.classes[0]).toBe('apple');
    expect(ds.coarseClasses[3]).toBe('super3');
    const [img] = ds.get(4) as [RawImage, number];
    expect(Array.from(img.data)).toEqual(Array.from(train.hwc.subarray(4 * 3072, 5 * 3072)));
    expect(new CIFAR100(root, { train: false }).length).toBe(3);

    const bad = Buffer.from(train.file);
    bad[3074 * 2 + 1] = 100;
    fs.writeFileSync(path.join(dir, 'train.bin'), bad);
    expect(() => new CIFAR100(root)).toThrow(
      `${path.join(dir, 'train.bin')}: bad label 100 in record 2 (CIFAR100 has 100 classes)`,
    );
    fs.writeFileSync(path.join(dir, 'train.bin'), train.file.subarray(0, 3074 * 2 + 5));
    expect(() => new CIFAR100(root)).toThrow(
      /train\.bin: wrong length: 6153 bytes is not a whole number of 3074-byte records \(2 label bytes/,
    );
  });
});
