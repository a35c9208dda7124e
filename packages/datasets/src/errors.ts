import { TorchletError } from '@torchlet/tensor';

/** Base class of the errors this package throws. */
export class DatasetError extends TorchletError {}

/** The dataset files are not where they are expected (and could not be downloaded). */
export class DatasetNotFoundError extends DatasetError {}

/** A dataset file exists but is corrupt or truncated: the message names the file and what is wrong. */
export class DatasetFormatError extends DatasetError {}

/** A file's checksum differs from the published one. */
export class ChecksumError extends DatasetError {}

/** A download failed (network, HTTP status, or verification). */
export class DownloadError extends DatasetError {}
