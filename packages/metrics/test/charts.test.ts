import { describe, expect, it } from 'vitest';
import {
  confusionMatrixChart,
  figure,
  lineChart,
  normalizeConfusion,
  svgSize,
  trainingCurves,
} from '../src/index.js';
import { SKLEARN_DOC } from './cases.js';

const count = (svg: string, needle: string) => svg.split(needle).length - 1;
const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

const EPOCHS = [
  { epoch: 1, trainLoss: 0.9, valLoss: 0.7, trainAccuracy: 0.71, valAccuracy: 0.78 },
  { epoch: 2, trainLoss: 0.5, valLoss: 0.45, trainAccuracy: 0.84, valAccuracy: 0.86 },
  { epoch: 3, trainLoss: 0.3, valLoss: 0.35, trainAccuracy: 0.91, valAccuracy: 0.9 },
];

describe('lineChart', () => {
  const svg = lineChart(
    [
      { name: 'training loss', y: [0.9, 0.5, 0.3] },
      { name: 'validation loss', y: [0.7, 0.45, 0.35], dashed: true },
    ],
    { title: 'Loss per epoch', xLabel: 'Epoch', yLabel: 'Loss', width: 500, height: 320 },
  );

  it('is an SVG document of the requested size', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(svgSize(svg)).toEqual({ width: 500, height: 320 });
  });

  it('has a title, legend entries and axis labels', () => {
    const t = texts(svg);
    expect(t).toContain('Loss per epoch');
    expect(t).toContain('training loss');
    expect(t).toContain('validation loss');
    expect(count(svg, 'class="legend-item"')).toBe(2);
    expect(svg).toMatch(/class="x-label"[^>]*>Epoch</);
    expect(svg).toMatch(/class="y-label"[^>]*>Loss</);
  });

  it('ticks the epochs with integers and the values with nice steps', () => {
    const t = texts(svg);
    expect(t).toEqual(expect.arrayContaining(['1', '2', '3', '0.3', '0.5', '0.9']));
    expect(t).not.toContain('1.5');
  });

  it('draws one path per line series and markers for short series', () => {
    expect(count(svg, 'class="series"')).toBe(2);
    expect(count(svg, 'stroke-linejoin="round"')).toBe(2);
    expect(count(svg, '<circle')).toBe(6 + 2); // 3 points per series, plus one per legend swatch
    expect(svg).toContain('stroke-dasharray="6 4"');
  });

  it('leaves gaps at non-finite values and escapes text', () => {
    const gap = lineChart([{ name: 'a < b & "c"', y: [1, Number.NaN, 3, 4] }], { legend: true });
    expect(gap).toContain('a &lt; b &amp; &quot;c&quot;');
    const d = /<path d="([^"]+)"[^>]*stroke-linejoin/.exec(gap)?.[1] ?? '';
    expect(count(d, 'M')).toBe(2);
  });

  it('shows fractions as percentages and drops markers on long per-step series', () => {
    const steps = Array.from({ length: 500 }, (_, i) => 0.5 + i / 1000);
    const pct = lineChart([{ name: 'accuracy', x: steps.map((_, i) => i), y: steps }], {
      yFormat: 'percent',
    });
    expect(texts(pct)).toEqual(expect.arrayContaining(['50%', '100%']));
    expect(count(pct, '<circle')).toBe(0);
  });

  it('rejects mismatched x and y', () => {
    expect(() => lineChart([{ name: 's', x: [1, 2], y: [1] }])).toThrow(/2 x values and 1 y values/);
  });
});

describe('trainingCurves', () => {
  it('puts loss and accuracy panels side by side, with per-step values when given', () => {
    const steps = [0.5, 1, 1.5, 2, 2.5, 3].map((epoch, i) => ({ epoch, loss: 1 - i * 0.1 }));
    const svg = trainingCurves(EPOCHS, { steps, title: 'lenet5 on MNIST' });
    expect(svgSize(svg)).toEqual({ width: 1280, height: 464 });
    const t = texts(svg);
    expect(t).toEqual(
      expect.arrayContaining([
        'lenet5 on MNIST',
        'Loss',
        'Accuracy',
        'train loss',
        'validation loss',
        'train loss (per step)',
        'train accuracy',
        'validation accuracy',
      ]),
    );
    expect(count(svg, '<svg')).toBe(3);
  });

  it('leaves out a panel without values', () => {
    const svg = trainingCurves([{ epoch: 1, trainLoss: 1 }]);
    expect(svgSize(svg).width).toBe(640);
    expect(texts(svg)).not.toContain('Accuracy');
  });
});

describe('figure', () => {
  it('lays panels out in a grid', () => {
    const a = lineChart([{ name: 'a', y: [1, 2] }], { width: 300, height: 200 });
    const b = lineChart([{ name: 'b', y: [2, 1] }], { width: 400, height: 250 });
    const svg = figure([a, b, a], { columns: 2 });
    expect(svgSize(svg)).toEqual({ width: 700, height: 450 });
    expect(svg).toContain('<svg x="300" y="0"');
    expect(svg).toContain('<svg x="0" y="250"');
  });
});

describe('confusionMatrixChart', () => {
  const labels = ['plane', 'car', 'bird'];
  const svg = confusionMatrixChart(SKLEARN_DOC.matrix, { labels, title: 'Test set' });

  it('has the title, class labels on both axes and axis titles', () => {
    const t = texts(svg);
    expect(t).toContain('Test set');
    for (const l of labels) expect(t.filter((x) => x === l)).toHaveLength(2);
    expect(svg).toMatch(/class="x-label"[^>]*>Predicted label</);
    expect(svg).toMatch(/class="y-label"[^>]*>True label</);
  });

  it('draws one coloured cell per count, with the counts written in', () => {
    const cells = svg.split('class="cells"')[1].split('</g>')[0];
    expect(count(cells, '<rect')).toBe(9);
    const cellTexts = [...cells.matchAll(/>(\d+)<\/text>/g)].map((m) => Number(m[1]));
    expect(cellTexts).toEqual(SKLEARN_DOC.matrix.flat());
    expect(svg).toContain('class="colorbar"');
    expect(svg).toContain('<linearGradient');
  });

  it('normalizes like scikit-learn', () => {
    expect(normalizeConfusion(SKLEARN_DOC.matrix, 'true')).toEqual([
      [1, 0, 0],
      [0.5, 0, 0.5],
      [0, 1, 0],
    ]);
    expect(normalizeConfusion(SKLEARN_DOC.matrix, 'pred')[0]).toEqual([2 / 3, 0, 0]);
    expect(normalizeConfusion(SKLEARN_DOC.matrix, 'all')[2][1]).toBeCloseTo(1 / 3, 12);
    expect(texts(confusionMatrixChart(SKLEARN_DOC.matrix, { normalize: 'true' }))).toContain('0.50');
  });

  it('hides the values when the cells are too small, and rejects bad input', () => {
    const n = 60;
    const big = Array.from({ length: n }, (_, t) =>
      Array.from({ length: n }, (_, p) => (t === p ? 1000 : 1)),
    );
    const cells = confusionMatrixChart(big).split('class="cells"')[1].split('</g>')[0];
    expect(count(cells, '<rect')).toBe(n * n);
    expect(count(cells, '<text')).toBe(0);
    expect(() => confusionMatrixChart([[1, 2]])).toThrow(/square/);
    expect(() => confusionMatrixChart(SKLEARN_DOC.matrix, { labels: ['a'] })).toThrow(
      /expected 3 class labels/,
    );
  });
});
