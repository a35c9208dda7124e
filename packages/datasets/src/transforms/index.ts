/**
 * torchvision.transforms for Torchlet. Image transforms take a `RawImage` (HWC bytes) and return one;
 * `ToTensor` turns it into a CHW float tensor; the tensor transforms (Normalize, RandomErasing) take
 * tensors. Flips, crops, pads, resizes, rotations and affine warps take a CHW tensor too.
 */
export { Transform, Lambda, type TransformLike, applyTransform } from './base.js';
export { Compose, RandomApply, RandomChoice, RandomOrder } from './compose.js';
export {
  ToTensor,
  PILToTensor,
  ToPILImage,
  Normalize,
  RandomErasing,
  ConvertImageDtype,
  type NormalizeOptions,
  type RandomErasingOptions,
} from './tensor.js';
export {
  Pad,
  CenterCrop,
  RandomCrop,
  type PadOptions,
  type PaddingMode,
  type RandomCropOptions,
} from './crop.js';
export { RandomHorizontalFlip, RandomVerticalFlip } from './flip.js';
export {
  Resize,
  RandomResizedCrop,
  type Interpolation,
  type ResizeOptions,
  type RandomResizedCropOptions,
} from './resize.js';
export {
  RandomRotation,
  RandomAffine,
  type WarpInterpolation,
  type RandomRotationOptions,
  type RandomAffineOptions,
} from './affine.js';
export { ColorJitter, Grayscale, RandomGrayscale, type ColorJitterOptions } from './color.js';
export {
  BatchRandomHorizontalFlip,
  BatchRandomVerticalFlip,
  BatchRandomCrop,
  BatchNormalize,
  type BatchRandomCropOptions,
} from './batch.js';
export * as functional from './functional.js';
