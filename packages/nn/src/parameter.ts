import { Tensor } from '@torchlet/tensor';

/** A tensor that is a module's learnable weight: a leaf that requires grad, found by parameters(). */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    const src = data.detach();
    super(src.storage, [...src.shape], [...src.strides], src.offset);
    src.dispose();
    if (requiresGrad) this.requiresGrad_(true);
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
