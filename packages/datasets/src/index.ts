/**
 * @torchlet/datasets: torchvision's datasets and transforms and torch.utils.data's DataLoader for
 * Torchlet. MNIST needs no download (bundled); Fashion-MNIST and CIFAR-10/100 download and verify the
 * official files; transforms are seedable; the DataLoader decodes and augments in worker threads.
 */

export {
  type BenchLoadersOptions,
  benchLoaders,
  type LoaderBenchResult,
  type LoaderPipeline,
} from './bench.js';
export { CIFAR10, CIFAR100, type CIFAROptions } from './cifar.js';
export { collateHost, defaultCollate, stackHost, toDevice } from './collate.js';
export {
  type Batch,
  DataLoader,
  type DataLoaderOptions,
  LoaderIterator,
  type LoaderStats,
} from './dataloader.js';
export {
  ConcatDataset,
  type Dataset,
  type RandomSplitOptions,
  randomSplit,
  type SampleContext,
  Subset,
  sampleOf,
  TensorDataset,
} from './dataset.js';
export { checkIntegrity, type DownloadOptions, defaultRoot, downloadFile, hashFile } from './download.js';
export {
  ChecksumError,
  DatasetError,
  DatasetFormatError,
  DatasetNotFoundError,
  DownloadError,
} from './errors.js';
export { type HostArray, HostTensor, materialize, type TensorLike } from './host-tensor.js';
export { encodeIdx, type IdxArray, type IdxType, parseIdx, readIdxFile } from './idx.js';
export { RawImage } from './image.js';
export { IMG_EXTENSIONS, ImageFolder, type ImageFolderOptions, loadImage } from './image-folder.js';
export { embeddedMnistFolder, FashionMNIST, MNIST, type MNISTOptions } from './mnist.js';
export { deriveSeed, Generator, type Rng, torchRng } from './random.js';
export {
  RandomSampler,
  type RandomSamplerOptions,
  type Sampler,
  SequentialSampler,
  SubsetRandomSampler,
  WeightedRandomSampler,
} from './sampler.js';
export { type Spec, SpecError } from './spec.js';
export { createTar, extractTar } from './tar.js';
export * as transforms from './transforms/index.js';
export * as utils from './utils/index.js';
export { type MakeGridOptions, makeGrid } from './utils/make-grid.js';
export { type SaveImageOptions, saveImage, saveRawImage, tensorToRawImage } from './utils/save-image.js';
export { VisionDataset, type VisionDatasetOptions } from './vision-dataset.js';
export { fromSpec } from './workers/registry.js';
