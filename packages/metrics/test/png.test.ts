import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confusionMatrixChart, lineChart, savePng, svgSize, svgToPng, trainingCurves } from '../src/index.js';
import { SKLEARN_DOC } from './cases.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'torchlet-metrics-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('PNG output', () => {
  it('writes a line chart at the SVG size, creating the folder', async () => {
    const svg = lineChart([{ name: 'loss', y: [1, 0.6, 0.4] }], { title: 'Loss', width: 480, height: 300 });
    const path = join(dir, 'run', 'loss.png');
    expect(await savePng(svg, path)).toEqual({ width: 480, height: 300 });
    const meta = await sharp(path).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 480, height: 300 });
  });

  it('writes the curves and the confusion matrix of a run', async () => {
    const curves = trainingCurves([
      { epoch: 1, trainLoss: 0.8, valLoss: 0.6, trainAccuracy: 0.8, valAccuracy: 0.85 },
      { epoch: 2, trainLoss: 0.4, valLoss: 0.5, trainAccuracy: 0.9, valAccuracy: 0.88 },
    ]);
    const confusion = confusionMatrixChart(SKLEARN_DOC.matrix, { labels: ['a', 'b', 'c'] });
    for (const [name, svg] of [
      ['curves.png', curves],
      ['confusion.png', confusion],
    ] as const) {
      await savePng(svg, join(dir, name));
      const meta = await sharp(join(dir, name)).metadata();
      expect({ width: meta.width, height: meta.height }).toEqual(svgSize(svg));
    }
  });

  it('renders real pixels (not a blank image) and scales for high-DPI screens', async () => {
    const svg = lineChart([{ name: 'loss', y: [1, 0.5] }], { width: 200, height: 150 });
    const png = await svgToPng(svg, { scale: 2 });
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([400, 300]);
    // some pixels are dark (text, axes), most are the white background
    let dark = 0;
    for (let i = 0; i < data.length; i += info.channels)
      if (data[i] < 128 && data[i + 1] < 128 && data[i + 2] < 128) dark++;
    expect(dark).toBeGreaterThan(100);
    expect(dark).toBeLessThan((info.width * info.height) / 4);
  });
});
