/**
 * @torchlet/metrics: classification metrics that accumulate on the tensors' device (nothing is read
 * back until `compute()`), text tables in the seeds' style, and training charts as SVG / PNG.
 */

export { Accuracy, type AccuracyCounts, type AccuracyOptions } from './accuracy.js';
export { blues, type ColorMap, colorMap } from './charts/colormap.js';
export { type FigureOptions, figure, svgSize } from './charts/figure.js';
export { type ConfusionChartOptions, confusionMatrixChart, normalizeConfusion } from './charts/heatmap.js';
export type { SeriesStyle } from './charts/legend.js';
export { type LineChartOptions, lineChart, type Series } from './charts/line-chart.js';
export { type PngOptions, savePng, svgToPng } from './charts/png.js';
export { linearScale, niceTicks, type TickOptions, type Ticks } from './charts/scale.js';
export {
  accuracyChart,
  type EpochRecord,
  lossChart,
  type StepRecord,
  type TrainingCurvesOptions,
  trainingCurves,
} from './charts/training-curves.js';
export {
  accuracyFromConfusion,
  type ClassAccuracy,
  type ClassCounts,
  classCounts,
  f1FromConfusion,
  perClassAccuracyFromConfusion,
  precisionFromConfusion,
  recallFromConfusion,
} from './classification.js';
export type { ConfusionMatrixData } from './confusion-counts.js';
export { ConfusionMatrix } from './confusion-matrix.js';
export {
  formatAccuracy,
  formatPerClassAccuracy,
  type PerClassTextOptions,
  type PercentOptions,
} from './format/accuracy-text.js';
export { formatConfusionMatrix } from './format/confusion-text.js';
export { formatClassificationReport } from './format/report.js';
export { MeanMetric } from './mean.js';
export type { Average, AverageResult, Metric } from './metric.js';
export {
  type AverageOptions,
  F1Score,
  F1Score as F1,
  PerClassAccuracy,
  Precision,
  Recall,
} from './scores.js';
export { topKCorrect } from './topk.js';
