/** torchvision.transforms.functional: the deterministic operations behind the transforms. */

export { affine, inverseAffineMatrix, rotate } from './affine.js';
export { adjustBrightness, adjustContrast, adjustHue, adjustSaturation, rgbToGrayscale } from './color.js';
export { centerCrop, crop, cropPadded, pad } from './crop.js';
export { hflip, vflip } from './flip.js';
export { resize } from './resize.js';
export { imageToTensor as toTensor, tensorToImage as toPILImage } from './tensor.js';
