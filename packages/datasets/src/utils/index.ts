/** torchvision.utils: image grids and image files. */
export { type MakeGridOptions, makeGrid } from './make-grid.js';
export { type SaveImageOptions, saveImage, saveRawImage, tensorToRawImage } from './save-image.js';
