import { figure } from './figure.js';
import { type LineChartOptions, lineChart, type Series } from './line-chart.js';
import { PALETTE } from './theme.js';

/** One epoch's results (metrics.jsonl's per-epoch record); missing values are left out of the plot. */
export interface EpochRecord {
  epoch: number;
  trainLoss?: number;
  valLoss?: number;
  /** Accuracies are fractions in [0, 1] (shown as percentages). */
  trainAccuracy?: number;
  valAccuracy?: number;
}

/** One optimisation step; `epoch` is its position in epochs, e.g. epoch - 1 + (batch + 1) / batchesPerEpoch. */
export interface StepRecord {
  epoch: number;
  loss?: number;
  accuracy?: number;
}

export interface TrainingCurvesOptions {
  /** Per-step values, drawn as a faint line behind the per-epoch points. */
  steps?: readonly StepRecord[];
  /** A title above both panels. */
  title?: string;
  /** Size of each panel (default 640 x 420). */
  panelWidth?: number;
  panelHeight?: number;
}

const TRAIN = PALETTE[0];
const VAL = PALETTE[1];

type Key = 'trainLoss' | 'valLoss' | 'trainAccuracy' | 'valAccuracy';

function epochSeries(epochs: readonly EpochRecord[], key: Key, name: string, color: string): Series[] {
  const points = epochs.filter((e) => e[key] !== undefined);
  if (points.length === 0) return [];
  return [
    {
      name,
      x: points.map((e) => e.epoch),
      y: points.map((e) => e[key] as number),
      color,
      style: 'line+markers',
    },
  ];
}

function stepSeries(
  steps: readonly StepRecord[] | undefined,
  key: 'loss' | 'accuracy',
  name: string,
): Series[] {
  const points = (steps ?? []).filter((s) => s[key] !== undefined);
  if (points.length === 0) return [];
  return [
    {
      name,
      x: points.map((s) => s.epoch),
      y: points.map((s) => s[key] as number),
      color: TRAIN,
      style: 'line',
      opacity: 0.3,
      strokeWidth: 1.2,
    },
  ];
}

/** Train and validation loss per epoch (and per step when given). */
export function lossChart(
  epochs: readonly EpochRecord[],
  opts: TrainingCurvesOptions & Pick<LineChartOptions, 'title'> = {},
): string {
  return lineChart(
    [
      ...stepSeries(opts.steps, 'loss', 'train loss (per step)'),
      ...epochSeries(epochs, 'trainLoss', 'train loss', TRAIN),
      ...epochSeries(epochs, 'valLoss', 'validation loss', VAL),
    ],
    {
      title: opts.title ?? 'Loss',
      xLabel: 'Epoch',
      yLabel: 'Loss',
      width: opts.panelWidth,
      height: opts.panelHeight,
    },
  );
}

/** Train and validation accuracy per epoch (and per step when given), in percent. */
export function accuracyChart(
  epochs: readonly EpochRecord[],
  opts: TrainingCurvesOptions & Pick<LineChartOptions, 'title'> = {},
): string {
  return lineChart(
    [
      ...stepSeries(opts.steps, 'accuracy', 'train accuracy (per step)'),
      ...epochSeries(epochs, 'trainAccuracy', 'train accuracy', TRAIN),
      ...epochSeries(epochs, 'valAccuracy', 'validation accuracy', VAL),
    ],
    {
      title: opts.title ?? 'Accuracy',
      xLabel: 'Epoch',
      yLabel: 'Accuracy',
      yFormat: 'percent',
      width: opts.panelWidth,
      height: opts.panelHeight,
    },
  );
}

/**
 * The training curves figure (a run's curves.png): loss and accuracy panels side by side, train in
 * blue and validation in orange, as seed 001 plots them. A panel without any value is left out.
 */
export function trainingCurves(epochs: readonly EpochRecord[], opts: TrainingCurvesOptions = {}): string {
  const has = (keys: Key[], stepKey: 'loss' | 'accuracy') =>
    epochs.some((e) => keys.some((k) => e[k] !== undefined)) ||
    (opts.steps ?? []).some((s) => s[stepKey] !== undefined);
  const panelOpts = { ...opts, title: undefined };
  const panels: string[] = [];
  if (has(['trainLoss', 'valLoss'], 'loss') || !has(['trainAccuracy', 'valAccuracy'], 'accuracy'))
    panels.push(lossChart(epochs, panelOpts));
  if (has(['trainAccuracy', 'valAccuracy'], 'accuracy')) panels.push(accuracyChart(epochs, panelOpts));
  return figure(panels, { title: opts.title });
}
