import * as torch from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../src/errors.js';
import { HostTensor } from '../src/host-tensor.js';
import { RawImage } from '../src/image.js';
import { Generator, type Rng } from '../src/random.js';
import { SpecError } from '../src/spec.js';
import {
  BatchNormalize,
  BatchRandomCrop,
  BatchRandomHorizontalFlip,
  BatchRandomVerticalFlip,
  CenterCrop,
  ColorJitter,
  Compose,
  ConvertImageDtype,
  functional as F,
  Grayscale,
  Lambda,
  Normalize,
  Pad,
  PILToTensor,
  RandomAffine,
  RandomApply,
  RandomChoice,
  RandomCrop,
  RandomErasing,
  RandomGrayscale,
  RandomHorizontalFlip,
  RandomOrder,
  RandomResizedCrop,
  RandomRotation,
  RandomVerticalFlip,
  Resize,
  ToPILImage,
  ToTensor,
} from '../src/transforms/index.js';
import { fromSpec } from '../src/workers/registry.js';
import { bytes } from './helpers.js';

const img = (w: number, h: number, c = 3, seed = 1) => new RawImage(bytes(w * h * c, seed), w, h, c);
/** An Rng replaying fixed draws. */
const draws = (...v: number[]): Rng => ({ random: () => v.shift() ?? 0 });
const px = (im: RawImage, x: number, y: number) =>
  Array.from(im.data.subarray((y * im.width + x) * im.channels, (y * im.width + x + 1) * im.channels));

describe('ToTensor, Normalize and friends', () => {
  it('ToTensor: HWC bytes -> CHW float32 in [0, 1]', () => {
    const im = img(3, 2);
    const t = new ToTensor().apply(im) as HostTensor;
    expect(t.shape).toEqual([3, 2, 3]);
    expect(t.dtype).toBe('float32');
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 2; y++)
        for (let x = 0; x < 3; x++)
          expect(t.data[c * 6 + y * 3 + x]).toBe(Math.fround(px(im, x, y)[c] / 255));
    expect(() => new ToTensor().apply(t as unknown as RawImage)).toThrow(
      /ToTensor: expected an image \(RawImage, HWC uint8\), got a tensor/,
    );
    const ints = new PILToTensor().apply(im) as HostTensor;
    expect(ints.dtype).toBe('int32');
    expect(ints.data[4]).toBe(px(im, 1, 1)[0]);
    // back to an image: x * 255 truncated, as torchvision's ToPILImage
    expect(Array.from(new ToPILImage().apply(t).data)).toEqual(Array.from(im.data));
    expect(Array.from((new ConvertImageDtype('int32').apply(t) as HostTensor).data)).toEqual(
      Array.from(ints.data),
    );
  });

  it('Normalize per channel, in float32 as PyTorch, on HostTensors and on (batch) Tensors', () => {
    const t = new ToTensor().apply(img(4, 4)) as HostTensor;
    const n = new Normalize([0.4914, 0.4822, 0.4465], [0.247, 0.243, 0.261]);
    const h = n.apply(t) as HostTensor;
    const f = Math.fround;
    const means = [0.4914, 0.4822, 0.4465];
    const stds = [0.247, 0.243, 0.261];
    for (let i = 0; i < 48; i++) {
      const c = Math.floor(i / 16);
      expect(h.data[i]).toBe(f(f(t.data[i] - f(means[c])) / f(stds[c])));
    }
    const viaTensor = n.apply(t.toTensor()) as torch.Tensor;
    expect(Array.from(viaTensor.dataSync())).toEqual(Array.from(h.data));
    const batch = torch.stack([t.toTensor(), t.toTensor()]);
    const nb = n.apply(batch) as torch.Tensor;
    expect(nb.shape).toEqual([2, 3, 4, 4]);
    expect(Array.from(nb.dataSync().subarray(48))).toEqual(Array.from(h.data));
    expect(
      Array.from((new BatchNormalize(means, stds).apply(batch) as torch.Tensor).dataSync().subarray(0, 48)),
    ).toEqual(Array.from(h.data));
    expect(() => new Normalize([0.5], [0])).toThrow(/std evaluated to zero/);
    expect(() => new Normalize([0.1, 0.2], [1, 1]).apply(t)).toThrow(
      /mean has 2 values for a tensor with 3 channels/,
    );
    expect(String(n)).toBe('Normalize(mean=(0.4914, 0.4822, 0.4465), std=(0.247, 0.243, 0.261))');
  });

  it('Normalize and BatchNormalize on Tensors work call after call inside torch.tidy', () => {
    const n = new BatchNormalize([0.5, 0.25, 0], [0.5, 0.5, 2]);
    const x = torch.ones([2, 3, 2, 2]);
    for (let i = 0; i < 3; i++) {
      // the per-channel constants are cached: a tidy scope must not dispose them
      const y = torch.tidy(() => n.apply(x) as torch.Tensor);
      expect(Array.from(y.dataSync().subarray(0, 12))).toEqual([
        1, 1, 1, 1, 1.5, 1.5, 1.5, 1.5, 0.5, 0.5, 0.5, 0.5,
      ]);
      y.dispose();
    }
    torch.dispose(x);
  });

  it('Compose fuses crop, flip, ToTensor and Normalize with results identical to the separate steps', () => {
    const im = img(32, 32);
    const norm = () => new Normalize([0.5, 0.4, 0.3], [0.2, 0.25, 0.3]);
    const pipelines = [
      [new RandomCrop(32, { padding: 4 }), new RandomHorizontalFlip(), new ToTensor(), norm()],
      [new RandomCrop(28, { padding: [3, 1], fill: [200, 100, 50] }), new ToTensor(), norm()],
      [new RandomCrop(30, { padding: 2, paddingMode: 'reflect' }), new RandomHorizontalFlip(0.7)],
      [new ToTensor(), norm(), new RandomHorizontalFlip()],
    ];
    for (const parts of pipelines) {
      const composed = new Compose(parts);
      for (let s = 0; s < 12; s++) {
        const a = composed.apply(im, new Generator(s)) as HostTensor | RawImage;
        const g = new Generator(s);
        let x: unknown = im;
        for (const p of parts) x = p.apply(x as never, g);
        expect(Array.from(a.data)).toEqual(Array.from((x as HostTensor | RawImage).data));
      }
    }
    const fused = new Compose(pipelines[0]);
    expect(String(fused)).toBe(
      'Compose(\n    RandomCrop(size=(32, 32), padding=(4, 4, 4, 4))\n    RandomHorizontalFlip(p=0.5)\n    ToTensor()\n    Normalize(mean=(0.5, 0.4, 0.3), std=(0.2, 0.25, 0.3))\n)',
    );
  });

  it('RandomErasing erases one rectangle with a value, per channel values, or noise', () => {
    const t = new HostTensor(new Float32Array(3 * 10 * 10).fill(1), [3, 10, 10]);
    const g = new Generator(3);
    const out = new RandomErasing({ p: 1, value: [5, 6, 7] }).apply(t, g) as HostTensor;
    const changed = Array.from(out.data).filter((v) => v !== 1);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.length % 3).toBe(0);
    expect(new Set(changed.slice(0, changed.length / 3))).toEqual(new Set([5]));
    expect(Array.from(t.data).every((v) => v === 1)).toBe(true);
    expect(new RandomErasing({ p: 0 }).apply(t, g)).toBe(t);
    const noise = new RandomErasing({ p: 1, value: 'random' }).apply(
      t.toTensor(),
      new Generator(1),
    ) as torch.Tensor;
    expect(noise).toBeInstanceOf(torch.Tensor);
    expect(Array.from(noise.dataSync()).some((v) => v !== 1)).toBe(true);
    expect(() => new RandomErasing({ p: 1 }).apply(img(4, 4) as never)).toThrow(
      /RandomErasing: expected a tensor, got an image; put ToTensor\(\) before it/,
    );
  });
});

describe('geometric transforms', () => {
  it("RandomCrop with padding crops the padded image at torchvision's random position", () => {
    const im = img(6, 5);
    // draws: i = floor(0.5 * (5 + 2 - 4 + 1)) = 2, j = floor(0.99 * (6 + 2 - 3 + 1)) = 5
    const out = new RandomCrop([4, 3], { padding: 1, fill: [9, 8, 7] }).apply(im, draws(0.5, 0.99));
    expect([out.width, out.height]).toEqual([3, 4]);
    const padded = F.pad(im, 1, [9, 8, 7]);
    expect(Array.from(out.data)).toEqual(Array.from(F.crop(padded, 2, 5, 4, 3).data));
    expect(px(out, 2, 0)).toEqual([9, 8, 7]);
    for (const mode of ['edge', 'reflect', 'symmetric'] as const) {
      const o = new RandomCrop(6, { padding: [2, 1], paddingMode: mode }).apply(im, draws(0.3, 0.7));
      const p = F.pad(im, [2, 1], 0, mode);
      expect(Array.from(o.data)).toEqual(
        Array.from(F.crop(p, Math.floor(0.3 * (7 - 6 + 1)), Math.floor(0.7 * (10 - 6 + 1)), 6, 6).data),
      );
    }
    const needed = new RandomCrop(8, { padIfNeeded: true }).apply(im, draws(0, 0));
    expect([needed.width, needed.height]).toEqual([8, 8]);
    expect(() => new RandomCrop(8).apply(im)).toThrow(
      /RandomCrop: required crop size \(8, 8\) is larger than input image size \(5, 6\)/,
    );
    // same size: no draw
    expect(Array.from(new RandomCrop([5, 6]).apply(im, draws()).data)).toEqual(Array.from(im.data));
  });

  it('CenterCrop and Pad', () => {
    const im = img(7, 6);
    const c = new CenterCrop(3).apply(im);
    // torchvision: top = round((6 - 3) / 2) = 2 (half to even), left = round(2) = 2
    expect(Array.from(c.data)).toEqual(Array.from(F.crop(im, 2, 2, 3, 3).data));
    const big = new CenterCrop([8, 9]).apply(im);
    expect([big.width, big.height]).toEqual([9, 8]);
    expect(px(big, 0, 0)).toEqual([0, 0, 0]);
    expect(px(big, 1, 1)).toEqual(px(im, 0, 0));
    const p = new Pad([1, 2, 3, 4], { fill: 5 }).apply(im);
    expect([p.width, p.height]).toEqual([11, 12]);
    expect(px(p, 1, 2)).toEqual(px(im, 0, 0));
    expect(px(p, 0, 0)).toEqual([5, 5, 5]);
    expect(() => new Pad([1, 2, 3])).toThrow(/padding must be an int or a 1, 2, or 4 element sequence/);
  });

  it('flips, on images and on CHW tensors alike', () => {
    const im = img(5, 3);
    const h = F.hflip(im);
    const v = F.vflip(im);
    expect(px(h, 0, 1)).toEqual(px(im, 4, 1));
    expect(px(v, 2, 0)).toEqual(px(im, 2, 2));
    const t = new ToTensor().apply(im) as HostTensor;
    expect(Array.from((F.hflip(t) as HostTensor).data)).toEqual(
      Array.from((new ToTensor().apply(h) as HostTensor).data),
    );
    const tt = F.vflip(t.toTensor());
    expect(tt).toBeInstanceOf(torch.Tensor);
    expect(Array.from(tt.dataSync())).toEqual(Array.from((new ToTensor().apply(v) as HostTensor).data));
    expect(new RandomHorizontalFlip(0.5).apply(im, draws(0.7))).toBe(im);
    expect(Array.from(new RandomHorizontalFlip(0.5).apply(im, draws(0.2)).data)).toEqual(Array.from(h.data));
    expect(Array.from(new RandomVerticalFlip(1).apply(im, draws(0.99)).data)).toEqual(Array.from(v.data));
  });

  it("Resize and RandomResizedCrop follow torchvision's sizes", () => {
    const im = img(40, 20);
    const r = new Resize(10).apply(im);
    expect([r.width, r.height]).toEqual([20, 10]);
    expect([new Resize([7, 9]).apply(im).width, new Resize([7, 9]).apply(im).height]).toEqual([9, 7]);
    const capped = new Resize(10, { maxSize: 15 }).apply(im);
    expect([capped.width, capped.height]).toEqual([15, 7]);
    const t = new Resize(10).apply(new ToTensor().apply(im) as HostTensor) as HostTensor;
    expect(t.shape).toEqual([3, 10, 20]);
    const rrc = new RandomResizedCrop(16);
    const g = new Generator(4);
    for (let k = 0; k < 10; k++) {
      const o = rrc.apply(im, g);
      expect([o.width, o.height]).toEqual([16, 16]);
    }
    // the fallback when no draw fits: the central crop with the ratio clamped
    const [i, j, h, w] = new RandomResizedCrop(8, { scale: [2, 3] }).params(40, 20, new Generator(1));
    expect([i, j, h, w]).toEqual([0, 6, 20, 27]);
  });

  it('RandomRotation and RandomAffine draw their parameters like torchvision', () => {
    const im = img(9, 9);
    // angle = -10 + 20 * 0.75 = 5
    expect(Array.from(new RandomRotation(10).apply(im, draws(0.75)).data)).toEqual(
      Array.from(F.rotate(im, 5).data),
    );
    const ra = new RandomAffine([-20, 20], {
      translate: [0.1, 0.2],
      scale: [0.9, 1.1],
      shear: [-5, 5, -3, 3],
    });
    const params = ra.params(9, 9, draws(0.5, 0.9, 0.1, 0.25, 1, 0, 0.5));
    expect(params[0]).toBe(0);
    // tx = round(uniform(-0.9, 0.9) at 0.9) = round(0.72) = 1; ty = round(-1.8 + 3.6 * 0.1) = round(-1.44) = -1
    expect(params[1]).toEqual([1, -1]);
    expect(params[2]).toBeCloseTo(0.95, 12);
    expect(params[3]).toEqual([5, -3]);
    const a = new RandomAffine(0).apply(im, draws(0.5));
    expect(Array.from(a.data)).toEqual(Array.from(im.data));
  });
});

describe('color transforms', () => {
  it('ColorJitter applies the four adjustments in a random order with drawn factors', () => {
    const im = img(6, 6);
    const cj = new ColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 });
    const [order, b, c, s, h] = cj.params(new Generator(7));
    expect(Array.from(order).sort()).toEqual([0, 1, 2, 3]);
    expect(
      b! >= 0.6 && b! <= 1.4 && c! >= 0.6 && c! <= 1.4 && s! >= 0.6 && s! <= 1.4 && h! >= -0.1 && h! <= 0.1,
    ).toBe(true);
    let want = im;
    for (const fn of order) {
      if (fn === 0) want = F.adjustBrightness(want, b!);
      if (fn === 1) want = F.adjustContrast(want, c!);
      if (fn === 2) want = F.adjustSaturation(want, s!);
      if (fn === 3) want = F.adjustHue(want, h!);
    }
    expect(Array.from(cj.apply(im, new Generator(7)).data)).toEqual(Array.from(want.data));
    expect(new ColorJitter({ brightness: 0 }).brightness).toBeNull();
    expect(() => new ColorJitter({ hue: 0.7 })).toThrow(/hue values should be between \(-0.5, 0.5\)/);
    expect(String(cj)).toBe(
      'ColorJitter(brightness=(0.6, 1.4), contrast=(0.6, 1.4), saturation=(0.6, 1.4), hue=(-0.1, 0.1))',
    );
  });

  it('Grayscale and RandomGrayscale', () => {
    const im = img(4, 4);
    const g1 = new Grayscale().apply(im);
    expect(g1.channels).toBe(1);
    const g3 = new Grayscale(3).apply(im);
    expect(g3.channels).toBe(3);
    expect(px(g3, 1, 1)).toEqual([g1.data[5], g1.data[5], g1.data[5]]);
    expect(new RandomGrayscale(0.5).apply(im, draws(0.6))).toBe(im);
    expect(new RandomGrayscale(0.5).apply(im, draws(0.4)).channels).toBe(3);
  });
});

describe('randomness and specs', () => {
  it('a seeded generator replays an augmentation; torch.manualSeed replays the default stream', () => {
    const im = img(16, 16);
    const t = new Compose([
      new RandomResizedCrop(12),
      new RandomRotation(30),
      new ColorJitter({ brightness: 0.5, hue: 0.2 }),
      new RandomHorizontalFlip(),
    ]);
    const a = t.apply(im, new Generator(11)) as RawImage;
    const b = t.apply(im, new Generator(11)) as RawImage;
    const c = t.apply(im, new Generator(12)) as RawImage;
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
    torch.manualSeed(5);
    const d = t.apply(im) as RawImage;
    torch.manualSeed(5);
    expect(Array.from((t.apply(im) as RawImage).data)).toEqual(Array.from(d.data));
  });

  it('RandomApply, RandomChoice and RandomOrder', () => {
    const im = img(5, 5);
    expect(new RandomApply([new Grayscale(3)], 0.3).apply(im, draws(0.5))).toBe(im);
    expect(new RandomApply([new Grayscale(3)], 0.3).apply(im, draws(0.1))).not.toBe(im);
    const rc = new RandomChoice([new Grayscale(1), new Pad(1)]);
    expect((rc.apply(im, draws(0.7)) as RawImage).width).toBe(7);
    const ro = new RandomOrder([new Pad(1), new CenterCrop(3)]);
    expect((ro.apply(im, new Generator(2)) as RawImage).width).toBeOneOf([3, 5]);
  });

  it('transforms rebuild from their specs; functions cannot', async () => {
    const t = new Compose([
      new RandomCrop(8, { padding: 2, paddingMode: 'reflect' }),
      new RandomHorizontalFlip(0.3),
      new ColorJitter({ brightness: 0.2 }),
      new RandomAffine(10, { translate: [0.1, 0.1] }),
      new ToTensor(),
      new Normalize([0.5, 0.5, 0.5], [0.2, 0.2, 0.2]),
      new RandomErasing({ p: 0.5, value: 'random' }),
    ]);
    const back = (await fromSpec(structuredClone(t.spec()))) as Compose;
    expect(String(back)).toBe(String(t));
    const im = img(8, 8);
    const x = t.apply(im, new Generator(1)) as HostTensor;
    const y = back.apply(im, new Generator(1)) as HostTensor;
    expect(Array.from(y.data)).toEqual(Array.from(x.data));
    expect(() => new Compose([new ToTensor(), (v: unknown) => v]).spec()).toThrow(SpecError);
    expect(() => new Lambda((v: unknown) => v).spec()).toThrow(
      /Lambda\(<function>\) holds a function, which cannot be sent to a worker thread/,
    );
    // a Lambda sees Tensors, not HostTensors
    let seen: unknown = null;
    new Compose([new ToTensor(), new Lambda((v) => (seen = v))]).apply(im);
    expect(seen).toBeInstanceOf(torch.Tensor);
  });
});

describe('batched tensor transforms', () => {
  const batch = () => {
    const ims = [0, 1, 2, 3, 4, 5].map((s) => new ToTensor().apply(img(6, 5, 3, s + 1)) as HostTensor);
    return { ims, x: torch.stack(ims.map((h) => h.toTensor())) };
  };

  it('BatchRandomHorizontalFlip / VerticalFlip flip each sample as the per-sample transform would', () => {
    const { ims, x } = batch();
    for (const [B, S, f] of [
      [BatchRandomHorizontalFlip, RandomHorizontalFlip, 3],
      [BatchRandomVerticalFlip, RandomVerticalFlip, 2],
    ] as const) {
      const out = new B(0.5).apply(x, new Generator(9));
      const g = new Generator(9);
      const per = ims.map((h) => new S(0.5).apply(h, g) as HostTensor);
      expect(Array.from(out.dataSync())).toEqual(per.flatMap((h) => Array.from(h.data)));
      expect(f).toBeGreaterThan(0);
    }
    expect(() => new BatchRandomHorizontalFlip().apply(torch.zeros(3, 4, 4))).toThrow(
      /expected a batch Tensor of shape \[N, C, H, W\]/,
    );
  });

  it('BatchRandomCrop crops each sample where RandomCrop would', () => {
    const { ims, x } = batch();
    for (const mode of ['constant', 'edge', 'reflect'] as const) {
      const out = new BatchRandomCrop([4, 5], { padding: 2, paddingMode: mode }).apply(x, new Generator(3));
      expect(out.shape).toEqual([6, 3, 4, 5]);
      const g = new Generator(3);
      const per = ims.map(
        (h) => new RandomCrop([4, 5], { padding: 2, paddingMode: mode }).apply(h, g) as HostTensor,
      );
      expect(Array.from(out.dataSync())).toEqual(per.flatMap((h) => Array.from(h.data)));
    }
  });

  it('RawImage checks its size', () => {
    expect(() => new RawImage(new Uint8Array(5), 2, 2, 1)).toThrow(DatasetError);
    expect(() => new RawImage(new Uint8Array(5), 2, 2, 1)).toThrow(/RawImage: 2x2x1 needs 4 bytes, got 5/);
  });
});
