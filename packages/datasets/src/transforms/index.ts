/**
 * torchvision.transforms for Torchlet. Image transforms take a `RawImage` (HWC bytes) and return one;
 * `ToTensor` turns it into a CHW float tensor; the tensor transforms (Normalize, RandomErasing) take
 * tensors. Flips, crops, pads, resizes, rotations and affine warps take a CHW tensor too.
 */

export {
  RandomAffine,
  type RandomAffineOptions,
  RandomRotation,
  type RandomRotationOptions,
  type WarpInterpolation,
} from './affine.js';
export { applyTransform, Lambda, Transform, type TransformLike } from './base.js';
export {
  BatchNormalize,
  BatchRandomCrop,
  type BatchRandomCropOptions,
  BatchRandomHorizontalFlip,
  BatchRandomVerticalFlip,
} from './batch.js';
export { ColorJitter, type ColorJitterOptions, Grayscale, RandomGrayscale } from './color.js';
export { Compose, RandomApply, RandomChoice, RandomOrder } from './compose.js';
export {
  CenterCrop,
  Pad,
  type PaddingMode,
  type PadOptions,
  RandomCrop,
  type RandomCropOptions,
} from './crop.js';
export { RandomHorizontalFlip, RandomVerticalFlip } from './flip.js';
export * as functional from './functional.js';
export {
  type Interpolation,
  RandomResizedCrop,
  type RandomResizedCropOptions,
  Resize,
  type ResizeOptions,
} from './resize.js';
export {
  ConvertImageDtype,
  Normalize,
  type NormalizeOptions,
  PILToTensor,
  RandomErasing,
  type RandomErasingOptions,
  ToPILImage,
  ToTensor,
} from './tensor.js';
