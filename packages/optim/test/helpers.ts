import { readFileSync } from 'node:fs';
import '@torchlet/autograd';
import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { expect } from 'vitest';
import {
  Adagrad,
  Adam,
  AdamW,
  lrScheduler,
  type Optimizer,
  type ParamGroup,
  RMSprop,
  SGD,
} from '../src/index.js';

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

export type AnyOpt = Optimizer<ParamGroup, object>;

// biome-ignore lint/suspicious/noExplicitAny: constructors are looked up by the fixture's name
type Ctor = new (...args: any[]) => any;

export const OPTIMIZERS: Record<string, Ctor> = { SGD, Adam, AdamW, RMSprop, Adagrad };
export const SCHEDULERS: Record<string, Ctor> = {
  StepLR: lrScheduler.StepLR,
  MultiStepLR: lrScheduler.MultiStepLR,
  ExponentialLR: lrScheduler.ExponentialLR,
  CosineAnnealingLR: lrScheduler.CosineAnnealingLR,
  OneCycleLR: lrScheduler.OneCycleLR,
  LinearLR: lrScheduler.LinearLR,
  ReduceLROnPlateau: lrScheduler.ReduceLROnPlateau,
};

export interface Stored {
  shape: number[];
  values: number[];
}

/** The fixtures' regression problem: loss = mean((tanh(x W1^T + b1) W2^T + b2 - y)^2). */
export interface Problem {
  x: Stored;
  y: Stored;
  params: (Stored & { name: string })[];
}

export function fromStored(s: Stored, requiresGrad = false): Tensor {
  return torch.tensor(s.values, { shape: s.shape, dtype: 'float32', requiresGrad });
}

export function makeProblem(problem: Problem): { params: Tensor[]; loss: () => Tensor } {
  const x = fromStored(problem.x);
  const y = fromStored(problem.y);
  const params = problem.params.map((p) => fromStored(p, true));
  const [w1, b1, w2, b2] = params;
  const loss = () => x.matmul(w1.t()).add(b1).tanh().matmul(w2.t()).add(b2).sub(y).square().mean();
  return { params, loss };
}

/** |actual - expected| <= atol + rtol * |expected|, elementwise, with the worst offender in the message. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: readonly number[],
  what: string,
  rtol = 1e-5,
  atol = 1e-6,
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${what}: element ${worst} is ${actual[worst]}, PyTorch has ${expected[worst]} (rtol ${rtol}, atol ${atol})`,
    );
  }
}

/** Largest |actual - expected| / (atol/rtol + |expected|): how far into the tolerance we are. */
export function relErr(actual: ArrayLike<number>, expected: readonly number[], floor = 0.1): number {
  let m = 0;
  for (let i = 0; i < expected.length; i++)
    m = Math.max(m, Math.abs(actual[i] - expected[i]) / (floor + Math.abs(expected[i])));
  return m;
}
