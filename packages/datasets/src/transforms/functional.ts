/** torchvision.transforms.functional: the deterministic operations behind the transforms. */
export { imageToTensor as toTensor, tensorToImage as toPILImage } from './tensor.js';
export { crop, cropPadded, pad, centerCrop } from './crop.js';
export { hflip, vflip } from './flip.js';
export { resize } from './resize.js';
export { rotate, affine, inverseAffineMatrix } from './affine.js';
export { adjustBrightness, adjustContrast, adjustSaturation, adjustHue, rgbToGrayscale } from './color.js';
