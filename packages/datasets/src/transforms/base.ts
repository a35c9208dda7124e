import { materialize } from '../host-tensor.js';
import { type Rng, torchRng } from '../random.js';
import { encodeArgs, type Spec, SpecError } from '../spec.js';

/**
 * A transform maps a sample (a `RawImage`, a tensor, a label) to another. Random transforms draw from
 * `rng`: inside a DataLoader each sample gets its own stream, elsewhere the default is torch's global
 * generator (so `torch.manualSeed` replays it), or pass a `Generator`.
 *
 * `apply` returns a value or a promise (transforms that call sharp are asynchronous).
 */
// biome-ignore lint/suspicious/noExplicitAny: a transform's input and output types are open by default, as in torchvision
export abstract class Transform<I = any, O = any> {
  /** The built-in name and constructor arguments, from which `spec()` is made. */
  protected readonly specName: string | undefined;
  protected readonly specArgs: unknown[];

  constructor(specName?: string, specArgs: unknown[] = []) {
    this.specName = specName;
    this.specArgs = specArgs;
  }

  abstract apply(input: I, rng?: Rng): O | Promise<O>;

  /**
   * Built-in transforms take `HostTensor`s (host-side tensors a DataLoader collates without per-sample
   * Tensors); other transforms and functions always receive real `Tensor`s.
   */
  get acceptsHostTensor(): boolean {
    return this.specName !== undefined;
  }

  /**
   * How a worker thread rebuilds this transform. User subclasses override it to return
   * `{ module: import.meta.url, export: 'MyTransform', args: [...] }`.
   */
  spec(): Spec {
    if (!this.specName) {
      throw new SpecError(
        `${this.constructor.name} has no spec(), so it cannot be sent to a worker thread; override spec() to return { module: import.meta.url, export: '${this.constructor.name}', args }`,
      );
    }
    return { type: this.specName, args: encodeArgs(this.specArgs, this.specName) as unknown[] };
  }

  /** The arguments part of PyTorch's repr, e.g. `size=(32, 32), padding=4`. */
  protected reprArgs(): string {
    return '';
  }

  toString(): string {
    return `${this.specName ?? this.constructor.name}(${this.reprArgs()})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** A transform or a plain function (which behaves like `Lambda`). */
// biome-ignore lint/suspicious/noExplicitAny: user functions of any signature are accepted
export type TransformLike<I = any, O = any> = Transform<I, O> | ((input: I) => O | Promise<O>);

export function applyTransform(t: TransformLike, input: unknown, rng: Rng = torchRng): unknown {
  if (typeof t === 'function') return t(materialize(input));
  return t.apply(t.acceptsHostTensor ? input : materialize(input), rng);
}

/** A user function as a transform (not serialisable: a DataLoader with workers runs it in the main thread). */
// biome-ignore lint/suspicious/noExplicitAny: as Transform
export class Lambda<I = any, O = any> extends Transform<I, O> {
  constructor(readonly lambd: (input: I) => O | Promise<O>) {
    super();
    if (typeof lambd !== 'function')
      throw new TypeError(`Lambda: argument should be callable, got ${typeof lambd}`);
  }

  apply(input: I): O | Promise<O> {
    return this.lambd(materialize(input) as I);
  }

  override spec(): Spec {
    throw new SpecError(
      `Lambda(${this.lambd.name || '<function>'}) holds a function, which cannot be sent to a worker thread`,
    );
  }

  override toString(): string {
    return 'Lambda()';
  }
}
