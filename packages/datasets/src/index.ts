/**
 * @torchlet/datasets: torchvision's datasets and transforms and torch.utils.data's DataLoader for
 * Torchlet. MNIST needs no download (bundled); Fashion-MNIST and CIFAR-10/100 download and verify the
 * official files; transforms are seedable; the DataLoader decodes and augments in worker threads.
 */
export { DataLoader, LoaderIterator, type DataLoaderOptions, type Batch } from './dataloader.js';
export {
  type Dataset,
  type SampleContext,
  TensorDataset,
  Subset,
  ConcatDataset,
  randomSplit,
  type RandomSplitOptions,
  sampleOf,
} from './dataset.js';
export { VisionDataset, type VisionDatasetOptions } from './vision-dataset.js';
export { MNIST, FashionMNIST, embeddedMnistFolder, type MNISTOptions } from './mnist.js';
export { CIFAR10, CIFAR100, type CIFAROptions } from './cifar.js';
export { ImageFolder, loadImage, IMG_EXTENSIONS, type ImageFolderOptions } from './image-folder.js';
export { defaultCollate, collateHost, stackHost, toDevice } from './collate.js';
export {
  type Sampler,
  SequentialSampler,
  RandomSampler,
  SubsetRandomSampler,
  WeightedRandomSampler,
  type RandomSamplerOptions,
} from './sampler.js';
export { RawImage } from './image.js';
export { HostTensor, materialize, type HostArray, type TensorLike } from './host-tensor.js';
export { Generator, type Rng, torchRng, deriveSeed } from './random.js';
export { type Spec, SpecError } from './spec.js';
export { fromSpec } from './workers/registry.js';
export { DatasetError, DatasetNotFoundError, DatasetFormatError, ChecksumError, DownloadError } from './errors.js';
export { parseIdx, readIdxFile, encodeIdx, type IdxArray, type IdxType } from './idx.js';
export { downloadFile, defaultRoot, hashFile, checkIntegrity, type DownloadOptions } from './download.js';
export { extractTar, createTar } from './tar.js';
export { makeGrid, type MakeGridOptions } from './utils/make-grid.js';
export { saveImage, saveRawImage, tensorToRawImage, type SaveImageOptions } from './utils/save-image.js';
export * as transforms from './transforms/index.js';
export * as utils from './utils/index.js';
