import { noGrad } from '@torchlet/autograd';
import * as nn from '@torchlet/nn';

export type InitKind = 'default' | 'xavier' | 'kaiming';

/** A model whose weights are raw tensors (seed 004) initialises itself. */
interface SelfInitializing {
  initWeights(kind: 'xavier' | 'kaiming'): void;
}

function selfInitializing(m: unknown): m is SelfInitializing {
  return typeof (m as Partial<SelfInitializing>).initWeights === 'function';
}

/**
 * `--init`: 'default' keeps each layer's PyTorch initialisation (or the seed's); 'xavier' puts
 * Xavier-uniform weights and zero biases in every Conv2d and Linear (seed 001, homework 5(7)); 'kaiming'
 * Kaiming-normal weights (fan_in, ReLU gain) and zero biases.
 */
export function initializeModel(model: nn.Module, kind: InitKind): void {
  if (kind === 'default') return;
  if (selfInitializing(model)) {
    model.initWeights(kind);
    return;
  }
  noGrad(() => {
    for (const m of model.modules()) {
      if (!(m instanceof nn.Conv2d) && !(m instanceof nn.Linear)) continue;
      if (kind === 'xavier') nn.init.xavierUniform_(m.weight);
      else nn.init.kaimingNormal_(m.weight, { mode: 'fan_in', nonlinearity: 'relu' });
      if (m.bias) nn.init.zeros_(m.bias);
    }
  });
}
