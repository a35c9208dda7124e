import { describe, expect, it } from 'vitest';
import {
  formatAccuracy,
  formatClassificationReport,
  formatConfusionMatrix,
  formatPerClassAccuracy,
} from '../src/index.js';
import { EDGE, SKLEARN_DOC } from './cases.js';

const CIFAR = ['plane', 'car', 'bird'];

describe('text formatters', () => {
  it("print seed 001's per-class accuracy table", () => {
    const matrix = [
      [29, 71, 0],
      [0, 100, 0],
      [50, 0, 0],
    ];
    expect(formatPerClassAccuracy(matrix, CIFAR)).toBe(
      ['Accuracy of plane : 29 %', 'Accuracy of   car : 100 %', 'Accuracy of  bird :  0 %'].join('\n'),
    );
    expect(formatPerClassAccuracy(matrix, CIFAR, { decimals: 1, counts: true }).split('\n')[0]).toBe(
      'Accuracy of plane :  29.0 % (29/100)',
    );
  });

  it('shows n/a for a class without samples and pads to the longest label', () => {
    const lines = formatPerClassAccuracy(EDGE.matrix, ['zero', 'one', 'two', 'three', 'a-long-name']).split(
      '\n',
    );
    expect(lines[0]).toBe('Accuracy of        zero : 50 %');
    expect(lines[4]).toBe('Accuracy of a-long-name : n/a');
  });

  it("print seed 001's overall accuracy line, truncating like '%d'", () => {
    expect(formatAccuracy({ correct: 5499, total: 10000 })).toBe(
      'Accuracy of the network on the 10000 test images: 54 %',
    );
    expect(formatAccuracy(SKLEARN_DOC.matrix, { subject: 'validation images', decimals: 2 })).toBe(
      'Accuracy of the network on the 6 validation images: 33.33 %',
    );
    expect(formatAccuracy({ correct: 0, total: 0 })).toBe(
      'Accuracy of the network on the 0 test images: n/a',
    );
  });

  it('print the confusion matrix as an aligned table', () => {
    expect(formatConfusionMatrix(SKLEARN_DOC.matrix, CIFAR)).toBe(
      [
        'Confusion matrix (rows: true label, columns: predicted label)',
        '       plane    car   bird',
        'plane      2      0      0',
        '  car      1      0      1',
        ' bird      0      2      0',
      ].join('\n'),
    );
  });

  it("print scikit-learn's classification report", () => {
    expect(formatClassificationReport(SKLEARN_DOC.matrix, ['class 0', 'class 1', 'class 2'])).toBe(
      [
        '              precision    recall  f1-score   support',
        '',
        '     class 0       0.67      1.00      0.80         2',
        '     class 1       0.00      0.00      0.00         2',
        '     class 2       0.00      0.00      0.00         2',
        '',
        '    accuracy                           0.33         6',
        '   macro avg       0.22      0.33      0.27         6',
        'weighted avg       0.22      0.33      0.27         6',
      ].join('\n'),
    );
  });

  it('reject a label list of the wrong length', () => {
    expect(() => formatConfusionMatrix(SKLEARN_DOC.matrix, ['a', 'b'])).toThrow(
      /expected 3 class labels, got 2/,
    );
  });
});
