import * as fs from 'node:fs';
import * as path from 'node:path';
import * as torch from '@torchlet/tensor';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DataLoader } from '../src/dataloader.js';
import { DatasetFormatError, DatasetNotFoundError } from '../src/errors.js';
import type { RawImage } from '../src/image.js';
import { ImageFolder, loadImage } from '../src/image-folder.js';
import { Compose, RandomHorizontalFlip, Resize, ToTensor } from '../src/transforms/index.js';
import { bytes, tmpDir } from './helpers.js';

async function writeImage(
  file: string,
  w: number,
  h: number,
  channels: 1 | 3 | 4,
  seed: number,
): Promise<Uint8Array> {
  const data = bytes(w * h * channels, seed);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let s = sharp(Buffer.from(data), { raw: { width: w, height: h, channels } });
  if (file.endsWith('.png')) s = s.png();
  else if (file.endsWith('.jpg')) s = s.jpeg({ quality: 95 });
  else s = s.webp({ lossless: true });
  await s.toFile(file);
  return data;
}

describe('ImageFolder', () => {
  it('finds classes and images, and decodes PNG, JPEG and WebP with sharp', async () => {
    const root = tmpDir();
    const png = await writeImage(path.join(root, 'dog', 'b.png'), 5, 4, 3, 1);
    await writeImage(path.join(root, 'dog', 'a.jpg'), 6, 6, 3, 2);
    const webp = await writeImage(path.join(root, 'cat', 'x.webp'), 3, 3, 3, 3);
    await writeImage(path.join(root, 'cat', 'nested', 'g.png'), 4, 4, 1, 4);
    fs.writeFileSync(path.join(root, 'cat', 'notes.txt'), 'not an image');
    const ds = new ImageFolder(root);
    expect(ds.classes).toEqual(['cat', 'dog']);
    expect(ds.classToIdx).toEqual({ cat: 0, dog: 1 });
    expect(ds.samples.map(([f, c]) => [path.relative(root, f), c])).toEqual([
      [path.join('cat', 'nested', 'g.png'), 0],
      [path.join('cat', 'x.webp'), 0],
      [path.join('dog', 'a.jpg'), 1],
      [path.join('dog', 'b.png'), 1],
    ]);
    expect(ds.targets).toEqual([0, 0, 1, 1]);
    const [img, label] = (await ds.get(3)) as [RawImage, number];
    expect(label).toBe(1);
    expect([img.width, img.height, img.channels]).toEqual([5, 4, 3]);
    expect(Array.from(img.data)).toEqual(Array.from(png));
    expect(Array.from(((await ds.get(1)) as [RawImage, number])[0].data)).toEqual(Array.from(webp));
    const [gray] = (await ds.get(0)) as [RawImage, number];
    expect(gray.channels).toBe(3); // RGB like torchvision's default loader
    expect(gray.data[0]).toBe(gray.data[1]);
    expect((await loadImage(ds.samples[0][0], 1)).channels).toBe(1);
    expect((await loadImage(ds.samples[3][0], 4)).channels).toBe(4);
  });

  it('works with transforms and a DataLoader, in the main thread and in workers', async () => {
    const root = tmpDir();
    for (let i = 0; i < 6; i++)
      await writeImage(path.join(root, i % 2 ? 'odd' : 'even', `${i}.png`), 8 + i, 8, 3, i + 10);
    const ds = new ImageFolder(root, {
      transform: new Compose([new Resize([6, 6]), new RandomHorizontalFlip(), new ToTensor()]),
    });
    const run = async (numWorkers: number) => {
      const out: number[][] = [];
      for await (const [x, y] of new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 2, numWorkers })) {
        expect(x.shape.slice(1)).toEqual([3, 6, 6]);
        out.push([...Array.from(x.dataSync()), ...Array.from(y.dataSync())]);
      }
      return out;
    };
    const a = await run(0);
    expect(a.length).toBe(2);
    expect(await run(2)).toEqual(a);
    const [x] = (await ds.get(0)) as [torch.Tensor, number];
    expect(x).toBeInstanceOf(torch.Tensor);
  });

  it('says what is wrong: no folder, no class, an empty class, a corrupt file', async () => {
    const root = tmpDir();
    expect(() => new ImageFolder(path.join(root, 'nope'))).toThrow(DatasetNotFoundError);
    expect(() => new ImageFolder(root)).toThrow(/couldn't find any class folder in/);
    fs.mkdirSync(path.join(root, 'a'));
    fs.mkdirSync(path.join(root, 'b'));
    await writeImage(path.join(root, 'a', '1.png'), 2, 2, 3, 1);
    expect(() => new ImageFolder(root)).toThrow(
      /found no valid file for the classes b\. Supported extensions are: \.jpg/,
    );
    expect(new ImageFolder(root, { allowEmpty: true }).length).toBe(1);
    fs.writeFileSync(path.join(root, 'b', 'broken.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
    const ds = new ImageFolder(root);
    await expect(ds.get(1)).rejects.toThrow(DatasetFormatError);
    await expect(ds.get(1)).rejects.toThrow(
      new RegExp(`${path.join(root, 'b', 'broken.png').replace(/[.]/g, '\\.')}: cannot decode the image`),
    );
  });
});
