import { CIFAR10, CIFAR100 } from '../cifar.js';
import { ConcatDataset, type Dataset, Subset, TensorDataset } from '../dataset.js';
import { ImageFolder } from '../image-folder.js';
import { FashionMNIST, MNIST } from '../mnist.js';
import { type Spec, SpecError } from '../spec.js';
import { RandomAffine, RandomRotation } from '../transforms/affine.js';
import {
  BatchNormalize,
  BatchRandomCrop,
  BatchRandomHorizontalFlip,
  BatchRandomVerticalFlip,
} from '../transforms/batch.js';
import { ColorJitter, Grayscale, RandomGrayscale } from '../transforms/color.js';
import { Compose, RandomApply, RandomChoice, RandomOrder } from '../transforms/compose.js';
import { CenterCrop, Pad, RandomCrop } from '../transforms/crop.js';
import { RandomHorizontalFlip, RandomVerticalFlip } from '../transforms/flip.js';
import { RandomResizedCrop, Resize } from '../transforms/resize.js';
import {
  ConvertImageDtype,
  Normalize,
  PILToTensor,
  RandomErasing,
  ToPILImage,
  ToTensor,
} from '../transforms/tensor.js';

// biome-ignore lint/suspicious/noExplicitAny: constructors of every arity
type Ctor = new (...args: any[]) => unknown;

const CONSTRUCTED: Record<string, Ctor> = {
  Compose,
  RandomApply,
  RandomChoice,
  RandomOrder,
  ToTensor,
  PILToTensor,
  ToPILImage,
  Normalize,
  RandomErasing,
  ConvertImageDtype,
  Pad,
  CenterCrop,
  RandomCrop,
  RandomHorizontalFlip,
  RandomVerticalFlip,
  Resize,
  RandomResizedCrop,
  RandomRotation,
  RandomAffine,
  ColorJitter,
  Grayscale,
  RandomGrayscale,
  BatchRandomHorizontalFlip,
  BatchRandomVerticalFlip,
  BatchRandomCrop,
  BatchNormalize,
  Subset,
  ConcatDataset,
};

const VISION: Record<string, typeof MNIST | typeof CIFAR10> = { MNIST, FashionMNIST, CIFAR10, CIFAR100 };

async function decodeArgs(x: unknown): Promise<unknown> {
  if (Array.isArray(x)) return Promise.all(x.map(decodeArgs));
  if (
    x !== null &&
    typeof x === 'object' &&
    !ArrayBuffer.isView(x) &&
    !(x instanceof ArrayBuffer) &&
    !(x instanceof SharedArrayBuffer)
  ) {
    const o = x as Record<string, unknown>;
    if ('$spec' in o) return fromSpec(o.$spec as Spec);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = await decodeArgs(v);
    return out;
  }
  return x;
}

async function optional(spec: Spec | null | undefined): Promise<unknown> {
  return spec ? fromSpec(spec) : null;
}

/**
 * Rebuilds a dataset or a transform from its spec (what DataLoader workers do). Built-in types are
 * looked up here; `{ module, export, args }` specs import the module.
 */
export async function fromSpec(spec: Spec): Promise<unknown> {
  if ('module' in spec) {
    const mod = (await import(spec.module)) as Record<string, unknown>;
    const C = mod[spec.export] as (Ctor & { fromSpec?: (...a: unknown[]) => unknown }) | undefined;
    if (typeof C !== 'function') throw new SpecError(`spec: ${spec.module} has no export ${spec.export}`);
    const args = (await decodeArgs(spec.args ?? [])) as unknown[];
    return typeof C.fromSpec === 'function' ? C.fromSpec(...args) : new C(...args);
  }
  const { type } = spec;
  if (type in CONSTRUCTED)
    return new CONSTRUCTED[type](...((await decodeArgs(spec.args ?? [])) as unknown[]));
  const state = spec.state as Record<string, unknown>;
  const transforms = async () => ({
    // biome-ignore lint/suspicious/noExplicitAny: revived transforms
    transform: (await optional(state.transform as Spec | null)) as any,
    // biome-ignore lint/suspicious/noExplicitAny: revived transforms
    targetTransform: (await optional(state.targetTransform as Spec | null)) as any,
  });
  if (type in VISION) return VISION[type].fromState(state as never, await transforms());
  if (type === 'ImageFolder') return ImageFolder.fromState(state as never, await transforms());
  if (type === 'TensorDataset') return TensorDataset.fromSpec(state as never);
  throw new SpecError(`spec: unknown type ${type}`);
}

export async function datasetFromSpec(spec: Spec): Promise<Dataset> {
  return (await fromSpec(spec)) as Dataset;
}
