import { ValueError } from '@torchlet/tensor';

/** Class names for C classes: the given labels (checked) or '0', '1', ... */
export function classLabels(numClasses: number, labels?: readonly string[]): string[] {
  if (!labels) return Array.from({ length: numClasses }, (_, i) => String(i));
  if (labels.length !== numClasses)
    throw new ValueError(`expected ${numClasses} class labels, got ${labels.length}`);
  return [...labels];
}
