/**
 * Bad input: a layer given the wrong input shape says which layer, what it expected and what it got;
 * loadStateDict names missing and unexpected keys and shape mismatches; bad loss targets and options
 * are refused with the loss's name. Errors are Torchlet's typed errors, thrown where the user called.
 */
import * as torch from '@torchlet/tensor';
import { DTypeError, IndexError, ShapeError, type Tensor, TorchletError, ValueError } from '@torchlet/tensor';
import { describe, expect, test } from 'vitest';
import * as nn from '../src/index.js';
import { F, init } from '../src/index.js';

const int = (v: number[]) => torch.tensor(v, { dtype: 'int32' });

/** The error a call throws (fails the test if it throws nothing). */
function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('layers name themselves, the expected and the actual shape', () => {
  test('Linear: the example of the issue', () => {
    const e = errorOf(() => new nn.Linear(400, 120).call(torch.randn(64, 576)));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toBe('Linear(in_features=400): expected input [..., 400], got [64, 576]');
  });

  test('inside a model, the failing leaf layer is named once, and the error reaches the caller', () => {
    class Net extends nn.Module {
      conv1 = new nn.Conv2d(1, 6, 3);
      fc1 = new nn.Linear(400, 120);
      forward(x: Tensor): Tensor {
        x = F.maxPool2d(F.relu(this.conv1.call(x)), 2);
        return this.fc1.call(x.flatten(1));
      }
    }
    const e = errorOf(() => new Net().call(torch.randn(1, 1, 32, 32)));
    expect(e.message).toBe('Linear(in_features=400): expected input [..., 400], got [1, 1350]');
    const seq = new nn.Sequential(new nn.Flatten(), new nn.Linear(10, 2));
    expect(() => seq.call(torch.randn(3, 2, 3))).toThrow(
      'Linear(in_features=10): expected input [..., 10], got [3, 6]',
    );
  });

  test.each([
    [
      'Conv2d: channels',
      () => new nn.Conv2d(3, 6, 5).call(torch.randn(64, 1, 28, 28)),
      ShapeError,
      'Conv2d(3, 6): expected input [N, 3, H, W], got [64, 1, 28, 28]',
    ],
    [
      'Conv2d: dims',
      () => new nn.Conv2d(3, 6, 5).call(torch.randn(64, 3)),
      ShapeError,
      'Conv2d(3, 6): expected input [N, 3, H, W], got [64, 3]',
    ],
    [
      'Conv2d: input smaller than the kernel',
      () => new nn.Conv2d(3, 6, 5).call(torch.randn(1, 3, 3, 3)),
      ShapeError,
      /^Conv2d\(3, 6, kernel_size=\(5, 5\), stride=\(1, 1\)\): conv2d: .*too small.*\[1, 3, 3, 3\]/,
    ],
    [
      'BatchNorm1d',
      () => new nn.BatchNorm1d(3).call(torch.randn(4, 4)),
      ShapeError,
      'BatchNorm1d(3): expected 2-D or 3-D input with 3 channels in dim 1, got [4, 4]',
    ],
    [
      'BatchNorm2d',
      () => new nn.BatchNorm2d(3).call(torch.randn(4, 3, 5)),
      ShapeError,
      'BatchNorm2d(3): expected 4-D input with 3 channels in dim 1, got [4, 3, 5]',
    ],
    [
      'MaxPool2d',
      () => new nn.MaxPool2d(2).call(torch.randn(4, 3)),
      ShapeError,
      /^MaxPool2d\(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False\): .*4-D.*got \[4, 3\]/,
    ],
    [
      'MaxPool2d: too small',
      () => new nn.MaxPool2d(5).call(torch.randn(1, 3, 2, 2)),
      ShapeError,
      /^MaxPool2d\(kernel_size=5.*too small/,
    ],
    [
      'AvgPool2d',
      () => new nn.AvgPool2d(2).call(torch.randn(4)),
      ShapeError,
      /^AvgPool2d\(kernel_size=2, stride=2, padding=0\): .*got \[4\]/,
    ],
    [
      'AdaptiveAvgPool2d',
      () => new nn.AdaptiveAvgPool2d(1).call(torch.randn(4)),
      ShapeError,
      /^AdaptiveAvgPool2d\(output_size=1\): .*got \[4\]/,
    ],
    [
      'Flatten',
      () => new nn.Flatten().call(torch.randn(3)),
      IndexError,
      /^Flatten\(start_dim=1, end_dim=-1\): flatten: dimension out of range/,
    ],
    [
      'Softmax',
      () => new nn.Softmax(3).call(torch.randn(3, 2)),
      IndexError,
      /^Softmax\(dim=3\): softmax: dimension out of range .* but got 3/,
    ],
    [
      'Dropout2d',
      () => new nn.Dropout2d().call(torch.randn(3, 2)),
      ValueError,
      /^Dropout2d\(p=0.5, inplace=False\): dropout2d: expected 3-D or 4-D input, got \[3, 2\]/,
    ],
    [
      'Embedding: float indices',
      () => new nn.Embedding(5, 2).call(torch.randn(3)),
      DTypeError,
      'Embedding: expected int32 indices, got float32',
    ],
    [
      'Embedding: index out of range',
      () => new nn.Embedding(5, 2).call(int([1, 7])),
      IndexError,
      /^Embedding\(5, 2\): .*index 7 is out of bounds .* size 5/,
    ],
  ] as const)('%s', (_name, fn, type, message) => {
    const e = errorOf(fn);
    expect(e).toBeInstanceOf(type);
    if (typeof message === 'string') expect(e.message).toBe(message);
    else expect(e.message).toMatch(message);
  });

  test('the functional forms name the op and both shapes', () => {
    expect(() => F.linear(torch.randn(2, 3), torch.randn(4, 5))).toThrow(
      'linear: expected input [..., 5] for weight [4, 5], got [2, 3] (mat1 and mat2 shapes cannot be multiplied (2x3 and 5x4))',
    );
    expect(() => F.conv2d(torch.randn(2, 3, 5, 5), torch.randn(4, 2, 3, 3))).toThrow(
      'conv2d: given groups=1, weight of size [4, 2, 3, 3], expected input[2, 3, 5, 5] to have 2 channels, but got 3 channels instead',
    );
    expect(() => F.batchNorm(torch.randn(4), null, null)).toThrow(/batchNorm: .*got \[4\]/);
    expect(() => F.dropout(torch.randn(2), 1.5)).toThrow(
      'dropout: dropout probability has to be between 0 and 1, but got 1.5',
    );
  });

  test('bad constructor options', () => {
    expect(() => new nn.Conv2d(3, 6, 3, { groups: 2 })).toThrow(/in_channels must be divisible by groups/);
    expect(() => new nn.Conv2d(4, 6, 3, { groups: 4 })).toThrow(/out_channels must be divisible by groups/);
    expect(() => new nn.Conv2d(3, 6, 3, { padding: 'same', stride: 2 })).toThrow(
      /padding='same' is not supported for strided convolutions/,
    );
    expect(() => new nn.Dropout(1.5)).toThrow(ValueError);
    expect(() => new nn.Dropout2d(-0.1)).toThrow(/between 0 and 1, but got -0.1/);
    expect(() => new nn.Embedding(5, 2, { paddingIdx: 5 })).toThrow(
      /padding_idx must be within num_embeddings/,
    );
    expect(() => init.kaimingUniform_(torch.empty(5))).toThrow(
      'Fan in and fan out can not be computed for tensor with fewer than 2 dimensions',
    );
    expect(() => init.calculateGain('swish' as init.Nonlinearity)).toThrow(/unsupported nonlinearity swish/);
  });
});

describe('loadStateDict names missing and unexpected keys and shape mismatches', () => {
  class Net extends nn.Module {
    fc = new nn.Linear(3, 2);
    bn = new nn.BatchNorm1d(2);
    forward(x: Tensor): Tensor {
      return this.bn.call(this.fc.call(x));
    }
  }

  test("strict: PyTorch's message, line for line", () => {
    const sd = new Net().stateDict();
    delete sd['fc.bias'];
    sd['extra.weight'] = torch.zeros(1);
    sd['bn.running_mean'] = torch.zeros(3);
    const e = errorOf(() => new Net().loadStateDict(sd));
    expect(e).toBeInstanceOf(TorchletError);
    // PyTorch 1.13 ends the first two lines with '. ' (a trailing space); ours end with '.'
    expect(e.message).toBe(
      [
        'Error(s) in loading state_dict for Net:',
        '\tMissing key(s) in state_dict: "fc.bias".',
        '\tUnexpected key(s) in state_dict: "extra.weight".',
        '\tsize mismatch for bn.running_mean: copying a param with shape torch.Size([3]) from checkpoint, the shape in current model is torch.Size([2]).',
      ].join('\n'),
    );
  });

  test('several keys are listed in order', () => {
    const sd = new Net().stateDict();
    delete sd['fc.weight'];
    delete sd['bn.num_batches_tracked'];
    sd.a = torch.zeros(1);
    sd.b = torch.zeros(1);
    expect(() => new Net().loadStateDict(sd)).toThrow(
      'Missing key(s) in state_dict: "fc.weight", "bn.num_batches_tracked".\n\tUnexpected key(s) in state_dict: "a", "b".',
    );
  });

  // PyTorch raises after copying the keys that fit; Torchlet checks everything first and loads nothing
  test('non-strict: a shape mismatch is still an error (as in PyTorch), and nothing is loaded', () => {
    const src = new Net();
    const dst = new Net();
    const before = Array.from(dst.fc.bias!.dataSync());
    const sd = src.stateDict();
    sd['fc.weight'] = torch.zeros(2, 4);
    sd.unused = torch.zeros(1);
    expect(() => dst.loadStateDict(sd, { strict: false })).toThrow(
      'Error(s) in loading state_dict for Net:\n\tsize mismatch for fc.weight: copying a param with shape torch.Size([2, 4]) from checkpoint, the shape in current model is torch.Size([2, 3]).',
    );
    expect(Array.from(dst.fc.bias!.dataSync())).toEqual(before);
  });

  test('a scalar against a vector is a shape mismatch too', () => {
    const sd = new Net().stateDict();
    sd['bn.num_batches_tracked'] = torch.zeros([1], { dtype: 'int32' });
    expect(() => new Net().loadStateDict(sd)).toThrow(
      'size mismatch for bn.num_batches_tracked: copying a param with shape torch.Size([1]) from checkpoint, the shape in current model is torch.Size([]).',
    );
  });
});

describe('bad loss targets and options', () => {
  const logits = () => torch.randn(4, 3);

  test.each([
    [
      'class target out of range',
      () => F.crossEntropy(logits(), int([0, 1, 5, 2])),
      IndexError,
      /^crossEntropy: target out of bounds: expected class indices in \[0, 2\] or ignoreIndex -100 .*index 5/,
    ],
    [
      'negative class target that is not ignoreIndex',
      () => F.nllLoss(logits(), int([0, -1, 1, 2])),
      IndexError,
      /^nllLoss: target out of bounds.*index -1/,
    ],
    [
      'float class target for nllLoss',
      () => F.nllLoss(logits(), torch.tensor([0, 1, 1, 2], { dtype: 'float32' })),
      DTypeError,
      'nllLoss: expected target of class indices (int32), got float32',
    ],
    [
      'wrong target shape',
      () => F.crossEntropy(logits(), int([0, 1, 1])),
      ShapeError,
      'crossEntropy: expected target of shape [4] for input [4, 3], got [3]',
    ],
    [
      'K-dim target shape',
      () => F.crossEntropy(torch.randn(2, 3, 5), int([0, 1])),
      ShapeError,
      'crossEntropy: expected target of shape [2, 5] for input [2, 3, 5], got [2]',
    ],
    [
      'probability target of another shape',
      () => F.crossEntropy(logits(), torch.rand(4, 4)),
      ShapeError,
      'crossEntropy: input [4, 3] and target [4, 4] must have the same shape',
    ],
    [
      'label smoothing outside [0, 1]',
      () => F.crossEntropy(logits(), int([0, 1, 1, 2]), { labelSmoothing: 1.5 }),
      ValueError,
      'crossEntropy: label_smoothing must be between 0.0 and 1.0. Got: 1.5',
    ],
    [
      'unknown reduction',
      () => F.mseLoss(logits(), logits(), { reduction: 'avg' as 'mean' }),
      ValueError,
      'mseLoss: avg is not a valid value for reduction',
    ],
    [
      'unknown reduction (nll)',
      () => F.nllLoss(logits(), int([0, 1, 1, 2]), { reduction: 'batchmean' as 'mean' }),
      ValueError,
      'nllLoss: batchmean is not a valid value for reduction',
    ],
    // PyTorch broadcasts mismatched shapes here with a UserWarning (almost always a bug, e.g. [N, 1]
    // against [N]); Torchlet refuses them.
    [
      'mseLoss shapes',
      () => F.mseLoss(logits(), torch.randn(4, 1)),
      ShapeError,
      'mseLoss: input [4, 3] and target [4, 1] must have the same shape',
    ],
    [
      'l1Loss shapes',
      () => F.l1Loss(logits(), torch.randn(4)),
      ShapeError,
      'l1Loss: input [4, 3] and target [4] must have the same shape',
    ],
    [
      'binaryCrossEntropy shapes',
      () => F.binaryCrossEntropy(torch.rand(4, 1), torch.rand(4)),
      ShapeError,
      'binaryCrossEntropy: input [4, 1] and target [4] must have the same shape',
    ],
    [
      'smoothL1Loss negative beta',
      () => F.smoothL1Loss(logits(), logits(), { beta: -1 }),
      ValueError,
      'smoothL1Loss: beta must be non-negative',
    ],
  ] as const)('%s', (_name, fn, type, message) => {
    const e = errorOf(fn);
    expect(e).toBeInstanceOf(type);
    if (typeof message === 'string') expect(e.message).toBe(message);
    else expect(e.message).toMatch(message);
  });

  test('the loss modules name themselves too', () => {
    const e = errorOf(() => new nn.CrossEntropyLoss().call(torch.randn(4, 3), int([0, 1])));
    expect(e.message).toBe(
      'CrossEntropyLoss(): crossEntropy: expected target of shape [4] for input [4, 3], got [2]',
    );
  });

  test('ignored targets only: NaN, as PyTorch', () => {
    expect(F.nllLoss(logits(), int([-100, -100, -100, -100])).itemSync()).toBeNaN();
    expect(F.crossEntropy(logits(), int([1, 1, 1, 1]), { ignoreIndex: 1 }).itemSync()).toBeNaN();
  });

  test('binaryCrossEntropy does not read values back to validate them: an input outside [0, 1] gives NaN', () => {
    // PyTorch raises "all elements of input should be between 0 and 1"; that check needs the values
    // on the host, and Torchlet's ops never wait for the device.
    expect(
      F.binaryCrossEntropy(
        torch.tensor([1.5], { dtype: 'float32' }),
        torch.tensor([1], { dtype: 'float32' }),
      ).itemSync(),
    ).toBeNaN();
  });
});
