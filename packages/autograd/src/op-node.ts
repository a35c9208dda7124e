import { type Device, type DType, type Tensor, TorchletError, zeros } from '@torchlet/tensor';
import type { Ctx, Derivative } from './derivative.js';
import { Node, SavedTensor } from './node.js';

/** The node recorded for one call of a differentiable op. */
export class OpNode extends Node {
  private savedInputs: SavedTensor[] | null;
  private savedOutputs: SavedTensor[] | null;
  private released = false;
  readonly shapes: (readonly number[])[];
  readonly dtypes: DType[];
  readonly devices: Device[];
  readonly outShapes: (readonly number[])[];
  readonly outMeta: { dtype: DType; device: Device }[];
  readonly needs: boolean[];
  private readonly nodeName: string;

  constructor(
    readonly op: string,
    private readonly entry: Derivative,
    inputs: Tensor[],
    private readonly attrs: Record<string, any>,
    savedInputs: Tensor[] | null,
  ) {
    super();
    this.nodeName = typeof entry.name === 'string' ? entry.name : entry.name(attrs, inputs.length);
    this.shapes = inputs.map((t) => t.shape);
    this.dtypes = inputs.map((t) => t.dtype);
    this.devices = inputs.map((t) => t.device);
    this.needs = inputs.map((t) => t.requiresGrad);
    this.savedInputs = savedInputs ? savedInputs.map((t) => new SavedTensor(t, this.nodeName, false)) : null;
    this.savedOutputs = null;
    this.outShapes = [];
    this.outMeta = [];
  }

  /** Called once the op has run: remembers output metadata and saves outputs if the formula needs them. */
  setOutputs(outputs: Tensor[]): void {
    for (const o of outputs) {
      (this.outShapes as (readonly number[])[]).push(o.shape);
      this.outMeta.push({ dtype: o.dtype, device: o.device });
    }
    if (this.entry.save?.outputs)
      this.savedOutputs = outputs.map((t) => new SavedTensor(t, this.nodeName, true));
  }

  name(): string {
    return this.nodeName;
  }

  apply(grads: (Tensor | null)[]): (Tensor | null)[] {
    if (this.released) {
      throw new TorchletError(
        'Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Specify retainGraph: true if you need to backward through the graph a second time.',
      );
    }
    const g =
      grads[0] ?? zeros(this.outShapes[0], { dtype: this.outMeta[0].dtype, device: this.outMeta[0].device });
    const ctx: Ctx = {
      g,
      grads,
      inputs: this.savedInputs ? this.savedInputs.map((s) => s.unpack()) : [],
      outputs: this.savedOutputs ? this.savedOutputs.map((s) => s.unpack()) : [],
      attrs: this.attrs,
      shapes: this.shapes,
      dtypes: this.dtypes,
      devices: this.devices,
      needs: this.needs,
    };
    const result = this.entry.backward(ctx);
    return this.shapes.map((shape, i) => {
      const r = result[i];
      if (!this.needs[i] || r === null || r === undefined) return null;
      if (r.shape.length !== shape.length || r.shape.some((s, k) => s !== shape[k])) {
        throw new TorchletError(
          `${this.nodeName}: internal error, gradient for input ${i} has shape [${r.shape.join(', ')}] but the input has shape [${shape.join(', ')}]`,
        );
      }
      return r;
    });
  }

  override release(): void {
    this.released = true;
    for (const s of this.savedInputs ?? []) s.release();
    for (const s of this.savedOutputs ?? []) s.release();
    this.savedInputs = null;
    this.savedOutputs = null;
  }
}
