/** torchvision.utils: image grids and image files. */
export { makeGrid, type MakeGridOptions } from './make-grid.js';
export { saveImage, saveRawImage, tensorToRawImage, type SaveImageOptions } from './save-image.js';
