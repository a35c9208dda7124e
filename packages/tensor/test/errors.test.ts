/**
 * Bad input: every shape/dtype/device/dim error path throws the right TorchletError subclass, with a
 * message that names the op and, where shapes are involved, the shapes (as PyTorch's messages do).
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../src/index.js';
import {
  type Backend,
  DeviceError,
  DTypeError,
  IndexError,
  ShapeError,
  type Tensor,
  TorchletError,
  ValueError,
} from '../src/index.js';

type ErrorClass = new (message: string) => TorchletError;

/** Runs fn, expecting an error of class `cls` whose message contains every one of `parts`. */
function expectError(fn: () => unknown, cls: ErrorClass, ...parts: (string | RegExp)[]): void {
  let error: unknown = null;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected the call to throw').not.toBeNull();
  expect(error, String(error)).toBeInstanceOf(TorchletError);
  expect(error, String(error)).toBeInstanceOf(cls);
  const message = (error as Error).message;
  for (const p of parts) {
    if (typeof p === 'string') expect(message).toContain(p);
    else expect(message).toMatch(p);
  }
  expect((error as Error).name).toBe(cls.name);
}

const z = (...shape: number[]) => torch.zeros(shape);
const zi = (...shape: number[]) => torch.zeros(shape, { dtype: 'int32' });

describe('shape errors', () => {
  it('mm: shapes cannot be multiplied', () => {
    expectError(
      () => torch.mm(z(64, 400), z(256, 120)),
      ShapeError,
      'mm: shapes cannot be multiplied (64x400 and 256x120)',
    );
    expectError(
      () => z(64, 400).mm(z(256, 120)),
      ShapeError,
      'mm: shapes cannot be multiplied (64x400 and 256x120)',
    );
    expectError(() => torch.mm(z(3), z(3, 2)), ShapeError, 'mm', '[3]', '[3, 2]');
  });

  it('matmul, bmm, dot and addmm name the shapes', () => {
    expectError(
      () => torch.matmul(z(2, 3, 4), z(5, 6)),
      ShapeError,
      'matmul',
      '3x4 and 5x6',
      '[2, 3, 4]',
      '[5, 6]',
    );
    expectError(() => torch.matmul(z(3), z(4)), ShapeError, 'matmul', '[3]', '[4]');
    expectError(() => torch.matmul(z(), z(3)), ShapeError, 'matmul', '0D');
    expectError(() => torch.matmul(z(2, 2, 3, 4), z(3, 4, 2)), ShapeError, 'matmul', '[2, 2]', '[3]');
    expectError(() => torch.bmm(z(2, 3, 4), z(3, 4, 5)), ShapeError, 'bmm', '[2, 3, 4]', '[3, 4, 5]');
    expectError(
      () => torch.bmm(z(2, 3, 4), z(2, 5, 6)),
      ShapeError,
      'bmm: shapes cannot be multiplied (2x3x4 and 2x5x6)',
    );
    expectError(() => torch.bmm(z(3, 4), z(4, 5)), ShapeError, 'bmm', '2-D');
    expectError(() => torch.dot(z(3), z(4)), ShapeError, 'dot', '[3]', '[4]');
    expectError(() => torch.dot(z(3, 1), z(3)), ShapeError, 'dot', '2D');
    expectError(() => torch.addmm(z(2, 5), z(2, 3), z(4, 5)), ShapeError, 'addmm', '2x3 and 4x5');
    expectError(() => torch.addmm(z(3, 5), z(2, 3), z(3, 5)), ShapeError, 'addmm', '[3, 5]', '[2, 5]');
  });

  it('broadcasting mismatches name the op and both shapes', () => {
    expectError(() => z(3, 4).add(z(5)), ShapeError, 'add', '[3, 4]', '[5]', 'non-singleton dimension 1');
    expectError(() => torch.mul(z(2, 3), z(3, 2)), ShapeError, 'mul', '[2, 3]', '[3, 2]');
    expectError(() => z(2, 3).lt(z(4, 1, 2)), ShapeError, 'lt', '[2, 3]', '[4, 1, 2]');
    expectError(() => torch.where(z(3).gt(0), z(4), z(3)), ShapeError, 'where', '[3]', '[4]');
    expectError(
      () => z(3, 4).maskedFill(torch.zeros([3], { dtype: 'bool' }), 1),
      ShapeError,
      'maskedFill',
      '[3, 4]',
      '[3]',
    );
  });

  it('in-place ops cannot change the shape of self', () => {
    expectError(() => z(3).add_(z(2, 3)), ShapeError, 'add_', '[3]', '[2, 3]');
    expectError(() => z(2, 3).mul_(z(4, 3)), ShapeError, 'mul_', '[2, 3]', '[4, 3]');
    expectError(() => z(3).copy_(z(2, 3)), ShapeError, 'copy_', '[2, 3]', '[3]');
    expectError(
      () => z(3).maskedFill_(torch.zeros([2, 3], { dtype: 'bool' }), 0),
      ShapeError,
      'maskedFill_',
      '[2, 3]',
      '[3]',
    );
    expectError(() => z(3).fill_(z(2)), ShapeError, 'fill_');
    expectError(
      () => z(3).maskedFill(torch.zeros([3], { dtype: 'bool' }), z(1)),
      ShapeError,
      'maskedFill',
      '[1]',
    );
  });

  it('view/reshape: incompatible layouts and sizes', () => {
    expectError(() => z(3, 4).t().view(12), ShapeError, 'view', '[12]', '[4, 3]', '[1, 4]', 'reshape()');
    expectError(() => z(2, 3).view(5), ShapeError, 'view', '[5]', 'size 6');
    expectError(() => z(2, 3).view(-1, -1), ShapeError, 'view', 'only one dimension can be inferred');
    expectError(() => z(2, 3).view(4, -1), ShapeError, 'view', '[4, -1]', 'size 6');
    expectError(() => z(2, 3).reshape(7), ShapeError, 'reshape', '[7]', 'size 6', '[2, 3]');
    expectError(() => z(2, 3).reshape(-2, 3), ShapeError, 'reshape', '-2');
    expectError(() => z(6).unflatten(0, [4, -1]), ShapeError, 'unflatten', '[4, -1]');
  });

  it('expand, permute, t, squeeze and friends', () => {
    expectError(() => z(2, 3).expand(4, 3), ShapeError, 'expand', '(4)', '(2)', '[4, 3]', '[2, 3]');
    expectError(() => z(2, 3).expand(3), ShapeError, 'expand', '(1)', '(2)');
    expectError(() => z(3).expand(-1, 3), ShapeError, 'expand', '-1');
    expectError(() => z(2, 3, 4).permute(0, 1), ShapeError, 'permute', '[0, 1]', '3 dims');
    expectError(() => z(2, 3, 4).permute(0, 1, 1), ShapeError, 'permute', 'repeated dim');
    expectError(() => z(2, 3, 4).t(), ShapeError, 't', '3D');
  });

  it('cat / stack / split size mismatches', () => {
    expectError(
      () => torch.cat([z(2, 3), z(2, 4)], 0),
      ShapeError,
      'cat',
      '[2, 3]',
      '[2, 4]',
      'tensor number 1',
    );
    expectError(() => torch.cat([z(2, 3), z(2, 3, 1)], 1), ShapeError, 'cat', '[2, 3, 1]');
    expectError(() => torch.cat([z(), z()]), ShapeError, 'cat', 'zero-dimensional');
    expectError(() => torch.stack([z(2, 3), z(3, 2)]), ShapeError, 'stack', '[2, 3]', '[3, 2]', 'entry 1');
    expectError(() => z(5, 2).split([2, 2], 0), ShapeError, 'split', '5', '[2, 2]');
  });

  it('conv2d: channel mismatch and other geometry errors', () => {
    expectError(
      () => torch.conv2d(z(1, 3, 8, 8), z(6, 4, 5, 5)),
      ShapeError,
      'conv2d',
      '[6, 4, 5, 5]',
      '[1, 3, 8, 8]',
      'expected input[1, 3, 8, 8] to have 4 channels, but got 3 channels instead',
    );
    expectError(
      () => torch.conv2d(z(1, 4, 8, 8), z(6, 1, 3, 3), null, { groups: 2 }),
      ShapeError,
      'conv2d',
      'groups=2',
      '[6, 1, 3, 3]',
    );
    expectError(
      () => torch.conv2d(z(1, 4, 8, 8), z(6, 2, 3, 3), null, { groups: 4 }),
      ValueError,
      'conv2d',
      'groups',
    );
    expectError(
      () => torch.conv2d(z(1, 3, 4, 4), z(2, 3, 5, 5)),
      ShapeError,
      'conv2d',
      '[1, 3, 4, 4]',
      '5x5',
    );
    expectError(() => torch.conv2d(z(3, 4), z(2, 3, 1, 1)), ShapeError, 'conv2d', '[3, 4]');
    expectError(() => torch.conv2d(z(1, 3, 4, 4), z(2, 3, 3)), ShapeError, 'conv2d', '[2, 3, 3]');
    expectError(() => torch.conv2d(z(1, 3, 4, 4), z(2, 3, 3, 3), z(3)), ShapeError, 'conv2d', 'bias', '[3]');
    expectError(
      () => torch.conv2d(z(1, 3, 6, 6), z(2, 3, 3, 3), null, { padding: 'same', stride: 2 }),
      ValueError,
      'conv2d',
      'same',
    );
    expectError(() => torch.conv2d(z(1, 3, 6, 6), z(2, 3, 3, 3), null, { stride: 0 }), ShapeError, 'conv2d');
    expectError(
      () => torch.conv2d(z(1, 3, 6, 6), z(2, 3, 3, 3), null, { padding: -1 }),
      ValueError,
      'conv2d',
      'padding',
    );
  });

  it('pooling: rank, kernel and padding errors', () => {
    expectError(() => torch.maxPool2d(z(3, 4), 2), ShapeError, 'maxPool2d', '[3, 4]');
    expectError(() => torch.avgPool2d(z(1, 1, 1, 1), 2), ShapeError, 'avgPool2d', 'too small');
    expectError(() => torch.maxPool2d(z(1, 1, 4, 4), 2, { padding: 2 }), ValueError, 'maxPool2d', 'half');
    expectError(() => torch.adaptiveAvgPool2d(z(2, 3), 1), ShapeError, 'adaptiveAvgPool2d', '[2, 3]');
    expectError(() => torch.adaptiveAvgPool2d(z(1, 1, 4, 4), 0), ValueError, 'adaptiveAvgPool2d');
  });

  it('pad: odd lengths and reflect padding wider than the input', () => {
    expectError(() => torch.pad(z(2, 3), [1]), ShapeError, 'pad');
    expectError(() => torch.pad(z(3), [1, 1, 1, 1]), ShapeError, 'pad');
    expectError(() => torch.pad(z(1, 2, 3), [3, 0], 'reflect'), ShapeError, 'pad', '(3, 0)', '[1, 2, 3]');
    expectError(() => torch.pad(z(1, 2, 3), [4, 0], 'circular'), ShapeError, 'pad', '[1, 2, 3]');
  });

  it('gather / scatterAdd / indexSelect shapes', () => {
    expectError(() => z(3, 4).gather(1, zi(3)), ShapeError, 'gather', '[3]', '[3, 4]');
    expectError(() => z(3, 4).gather(1, zi(4, 2)), ShapeError, 'gather', '[4, 2]', '[3, 4]');
    expectError(
      () => z(3, 4).scatterAdd(1, zi(3, 2), z(3, 1)),
      ShapeError,
      'scatterAdd',
      '[3, 2]',
      '[3, 1]',
      '[3, 4]',
    );
    expectError(() => z(3, 4).indexSelect(0, zi(2, 2)), ShapeError, 'indexSelect', '[2, 2]');
  });

  it('creation: ragged data and shape mismatches', () => {
    expectError(() => torch.tensor([[1, 2], [3]]), ShapeError, 'tensor');
    expectError(() => torch.tensor([1, [2]] as never), ShapeError, 'tensor');
    expectError(() => torch.tensor(new Float32Array(6), { shape: [4, 2] }), ShapeError, 'tensor', '4,2', '6');
    expectError(() => torch.zeros([2, -1]), ShapeError, 'full', '[2, -1]');
    expectError(() => torch.randn([2.5]), ShapeError, 'randn', '[2.5]');
  });
});

describe('dim and index errors', () => {
  it('dims out of range name the op and the valid range', () => {
    expectError(() => z(2, 3).sum(2), IndexError, 'sum', '[-2, 1]', 'got 2');
    expectError(() => z(2, 3).mean(-3), IndexError, 'mean', '[-2, 1]', 'got -3');
    expectError(() => z(2, 3).amax([0, 5]), IndexError, 'amax', 'got 5');
    expectError(() => z(2, 3).argmax(2), IndexError, 'argmax', 'got 2');
    expectError(() => z(2, 3).max(3), IndexError, 'max', 'got 3');
    expectError(() => z(2, 3).var(4), IndexError, 'var', 'got 4');
    expectError(() => z(2, 3).logsumexp(2), IndexError, 'logsumexp', 'got 2');
    expectError(() => z(2, 3).softmax(2), IndexError, 'softmax', 'got 2');
    expectError(() => z(2, 3).logSoftmax(-3), IndexError, 'logSoftmax', 'got -3');
    expectError(() => z(2, 3).transpose(0, 2), IndexError, 'transpose', 'got 2');
    expectError(() => z(2, 3).permute(0, 2), IndexError, 'permute', 'got 2');
    expectError(() => z(2, 3).unsqueeze(3), IndexError, 'unsqueeze', '[-3, 2]', 'got 3');
    expectError(() => z(2, 3).squeeze(2), IndexError, 'squeeze', 'got 2');
    expectError(() => z(2, 3).flatten(0, 2), IndexError, 'flatten', 'got 2');
    expectError(() => z(2, 3, 4).flatten(2, 1), IndexError, 'flatten', 'start_dim');
    expectError(() => z(2, 3).flip(2), IndexError, 'flip', 'got 2');
    expectError(() => z(2, 3).split(1, 2), IndexError, 'split', 'got 2');
    expectError(() => z(2, 3).chunk(2, -3), IndexError, 'chunk', 'got -3');
    expectError(() => z(2, 3).gather(2, zi(2, 3)), IndexError, 'gather', 'got 2');
    expectError(() => z(2, 3).indexSelect(2, zi(1)), IndexError, 'indexSelect', 'got 2');
    expectError(() => torch.cat([z(2, 3), z(2, 3)], 2), IndexError, 'cat', 'got 2');
    expectError(() => torch.stack([z(2, 3), z(2, 3)], 3), IndexError, 'stack', 'got 3');
    expectError(() => z(2, 3).sum(1.5), IndexError, 'sum', 'got 1.5');
    expectError(() => z().sum(1), IndexError, 'sum', '[-1, 0]', 'got 1');
  });

  it('repeated dims in a reduction', () => {
    expectError(() => z(2, 3).sum([0, 0]), IndexError, 'sum', 'multiple times');
    expectError(() => z(2, 3).amax([1, -1]), IndexError, 'amax', 'multiple times');
  });

  it('select / narrow / slice / index out of range', () => {
    expectError(() => z(2, 3).select(1, 3), IndexError, 'select', 'index 3', 'size 3');
    expectError(() => z(2, 3).select(0, -3), IndexError, 'select', 'index -3');
    expectError(() => z(2, 3).narrow(1, 2, 2), IndexError, 'narrow', '[2, 3]');
    expectError(() => z(2, 3).slice(0, 0, 2, 0), ValueError, 'slice', 'step');
    expectError(() => z(2, 3).index(0, 1, 2), IndexError, 'index', 'too many indices');
    expectError(() => z(2, 3).index(5), IndexError, 'select', 'index 5');
    expectError(() => z(2, 3).index(0, 1).select(0, 0), IndexError, 'select', '0-dim');
  });

  it('reductions over empty dims that have no identity', () => {
    expectError(() => z(0, 3).amax(0), IndexError, 'amax', '[0, 3]');
    expectError(() => z(0, 3).amin(), IndexError, 'amin', '[0, 3]');
    expectError(() => z(0, 3).argmax(), IndexError, 'argmax', '[0, 3]');
    expectError(() => z(3, 0).max(1), IndexError, 'max', '[3, 0]');
    expectError(() => z(3, 0).min(1), IndexError, 'min', '[3, 0]');
  });

  it('index values out of range (gather, scatterAdd, indexSelect, oneHot)', () => {
    const idx = torch.tensor([[0, 4]]);
    expectError(() => z(1, 4).gather(1, idx), IndexError, 'gather', 'index 4', 'size 4');
    expectError(() => z(1, 4).gather(1, torch.tensor([[-1, 0]])), IndexError, 'gather', 'index -1');
    expectError(() => z(1, 4).scatterAdd(1, idx, z(1, 2)), IndexError, 'scatterAdd', 'index 4');
    expectError(
      () => z(3, 2).indexSelect(0, torch.tensor([3])),
      IndexError,
      'indexSelect',
      'index 3',
      'size 3',
    );
    expectError(() => torch.oneHot(torch.tensor([0, 3]), 3), IndexError, 'oneHot', 'index 3');
    expectError(() => torch.oneHot(torch.tensor([0, -1])), IndexError, 'oneHot', 'index -1');
  });
});

describe('dtype errors', () => {
  it('requiresGrad on integer and bool tensors', () => {
    expectError(() => zi(3).requiresGrad_(), DTypeError, 'requiresGrad_', 'floating point', 'int32');
    expectError(
      () => {
        torch.zeros([2], { dtype: 'bool' }).requiresGrad = true;
      },
      DTypeError,
      'requiresGrad_',
      'bool',
    );
    expectError(() => torch.tensor([1, 2, 3], { requiresGrad: true }), DTypeError, 'requiresGrad_', 'int32');
    expectError(() => torch.arange(3, undefined, 1, { requiresGrad: true }), DTypeError, 'requiresGrad_');
  });

  it('mean, var and std of integer tensors', () => {
    expectError(() => zi(3).mean(), DTypeError, 'mean', 'int32');
    expectError(() => torch.zeros([3], { dtype: 'bool' }).mean(0), DTypeError, 'mean', 'bool');
    expectError(() => zi(3).var(), DTypeError, 'var', 'int32');
    expectError(() => zi(3).std(0), DTypeError, 'var', 'int32');
  });

  it('conditions and masks must be bool', () => {
    expectError(() => torch.where(zi(3), z(3), z(3)), DTypeError, 'where', 'int32');
    expectError(() => z(3).maskedFill(z(3), 1), DTypeError, 'maskedFill', 'float32');
    expectError(() => z(3).maskedFill_(zi(3), 1), DTypeError, 'maskedFill_', 'int32');
  });

  it('index tensors must be int32 (our int64)', () => {
    expectError(() => z(2, 3).gather(1, z(2, 1)), DTypeError, 'gather', 'float32');
    expectError(() => z(2, 3).scatterAdd(1, z(2, 1), z(2, 1)), DTypeError, 'scatterAdd', 'float32');
    expectError(() => z(2, 3).indexSelect(1, z(2)), DTypeError, 'indexSelect', 'float32');
    expectError(() => torch.oneHot(z(3), 4), DTypeError, 'oneHot', 'float32');
  });

  it('matmul operands must share a non-bool dtype', () => {
    expectError(
      () => torch.mm(z(2, 2), torch.zeros([2, 2], { dtype: 'float64' })),
      DTypeError,
      'mm',
      'float32',
      'float64',
    );
    expectError(() => torch.matmul(z(2, 2), zi(2, 2)), DTypeError, 'matmul', 'int32');
    expectError(() => torch.dot(z(2), zi(2)), DTypeError, 'dot');
    const b = torch.zeros([2, 2], { dtype: 'bool' });
    expectError(() => torch.mm(b, b), DTypeError, 'mm', 'bool');
  });

  it('in-place results must fit the dtype of self', () => {
    expectError(() => zi(3).add_(1.5), DTypeError, 'add_', 'float32', 'int32');
    expectError(() => zi(3).add_(z(3)), DTypeError, 'add_', 'int32');
    expectError(() => zi(3).div_(2), DTypeError, 'div_', 'int32');
    expectError(() => zi(3).mul_(0.5), DTypeError, 'mul_');
    expectError(() => zi(3).sqrt_(), DTypeError, 'sqrt_', 'int32');
    expectError(() => zi(3).exp_(), DTypeError, 'exp_');
  });

  it('ops that are undefined for bool or integer inputs', () => {
    expectError(() => torch.zeros([3], { dtype: 'bool' }).neg(), DTypeError, 'neg', 'bool');
    expectError(() => torch.conv2d(zi(1, 1, 3, 3), zi(1, 1, 1, 1)), DTypeError, 'conv2d', 'int32');
    expectError(
      () => torch.conv2d(z(1, 1, 3, 3), torch.zeros([1, 1, 1, 1], { dtype: 'float64' })),
      DTypeError,
      'conv2d',
      'float64',
    );
    expectError(() => torch.maxPool2d(zi(1, 1, 4, 4), 2), DTypeError, 'maxPool2d', 'int32');
    expectError(() => torch.avgPool2d(zi(1, 1, 4, 4), 2), DTypeError, 'avgPool2d', 'int32');
    expectError(() => torch.rand([2], { dtype: 'int32' }), DTypeError, 'rand', 'int32');
    expectError(() => torch.randn([2], { dtype: 'bool' }), DTypeError, 'randn', 'bool');
  });
});

describe('device errors', () => {
  it('unknown and unavailable devices', () => {
    expectError(() => torch.zeros([2], { device: 'tpu' }), DeviceError, "'tpu'");
    expectError(() => torch.zeros([2], { device: 'webgpu' }), DeviceError, "'webgpu'", 'initWebGPU');
    expectError(() => z(2).to('webgpu'), DeviceError, "'webgpu'");
    expectError(() => torch.setDefaultDevice('webgpu'), DeviceError, "'webgpu'");
  });

  it('tensors on different devices cannot be combined', () => {
    // A stand-in second device: the CPU backend registered under another name (this file only).
    const fake = Object.create(torch.cpuBackend, { device: { value: 'webgpu' } }) as Backend;
    torch.registerBackend(fake);
    const a = z(2, 2);
    const b = torch.zeros([2, 2], { device: 'webgpu' });
    expect(b.device).toBe('webgpu');
    expectError(() => a.add(b), DeviceError, 'add', 'same device', 'cpu', 'webgpu');
    expectError(() => torch.mm(a, b), DeviceError, 'mm', 'same device');
    expectError(() => torch.cat([a, b]), DeviceError, 'cat', 'same device');
    expectError(() => torch.where(a.gt(0), a, b), DeviceError, 'where', 'same device');
    expectError(
      () => a.gather(0, torch.zeros([1, 2], { dtype: 'int32', device: 'webgpu' })),
      DeviceError,
      'gather',
    );
    expectError(
      () => torch.conv2d(z(1, 1, 3, 3), torch.zeros([1, 1, 1, 1], { device: 'webgpu' })),
      DeviceError,
      'conv2d',
    );
  });
});

describe('value errors: wrong use of the API', () => {
  it('using a disposed tensor', () => {
    const x = torch.ones([2, 3]);
    const y = x.t();
    x.dispose();
    expect(x.isDisposed).toBe(true);
    expectError(() => x.add(1), ValueError, 'add', 'disposed');
    expectError(() => x.sum(), ValueError, 'sum', 'disposed');
    expectError(() => x.view(6), ValueError, 'view', 'disposed');
    expectError(() => torch.mm(x, y), ValueError, 'mm', 'disposed');
    expectError(() => x.dataSync(), ValueError, 'disposed');
    expectError(() => x.toString(), ValueError, 'disposed');
    // views of a disposed tensor stay usable: they hold their own reference to the storage
    expect(y.sum().itemSync()).toBe(6);
    y.dispose();
  });

  it('reading a disposed tensor asynchronously rejects', async () => {
    const x = torch.ones([1]);
    x.dispose();
    await expect(x.data()).rejects.toBeInstanceOf(ValueError);
    await expect(x.item()).rejects.toThrow(/disposed/);
  });

  it('in-place writes into expanded tensors (elements sharing memory)', () => {
    const e = z(3, 1).expand(3, 4);
    expectError(() => e.add_(1), ValueError, 'add_', 'single memory location', '[3, 4]', '[1, 0]');
    expectError(() => e.mul_(z(3, 4)), ValueError, 'mul_', 'single memory location');
    expectError(() => e.relu_(), ValueError, 'relu_', 'single memory location');
    expectError(() => e.copy_(z(3, 4)), ValueError, 'copy_', 'single memory location');
    expectError(() => e.maskedFill_(torch.ones([3, 4], { dtype: 'bool' }), 1), ValueError, 'maskedFill_');
    // fill_/zero_ write one value everywhere, which PyTorch allows
    expect(e.fill_(2).sum().itemSync()).toBe(24);
    // a size-1 dim with stride 0 is no overlap
    expect(z(1).expand(1).add_(1).itemSync()).toBe(1);
  });

  it('item() of a tensor with more than one element', () => {
    expectError(() => z(2).itemSync(), ValueError, 'item', '2 elements');
  });

  it('bad options', () => {
    expectError(() => z(3).clamp(), ValueError, 'clamp', 'min', 'max');
    expectError(() => z(3).clamp_(), ValueError, 'clamp_');
    expectError(() => torch.cat([]), ValueError, 'cat', 'non-empty');
    expectError(() => torch.stack([]), ValueError, 'stack', 'non-empty');
    expectError(() => z(4).split(0), ValueError, 'split');
    expectError(() => z(4).chunk(0), ValueError, 'chunk');
    expectError(() => torch.arange(0, 5, 0), ValueError, 'arange', 'step');
    expectError(() => torch.arange(5, 0, 1), ValueError, 'arange');
    expectError(() => torch.linspace(0, 1, -1), ValueError, 'linspace');
    expectError(() => torch.randint(5, 5, [2]), ValueError, 'randint');
    expectError(() => torch.randperm(-1), ValueError, 'randperm');
    expectError(() => torch.tensor(['a'] as never), ValueError, 'tensor');
  });

  it('errors are thrown where the user called, not deferred', () => {
    let t: Tensor | null = null;
    expect(() => {
      t = z(2, 3).add(z(4));
    }).toThrow(ShapeError);
    expect(t).toBeNull();
  });
});

describe('bool arithmetic', () => {
  it('refuses subtracting bool tensors like PyTorch', () => {
    expect(() => torch.tensor([true]).sub(torch.tensor([true]))).toThrow(torch.DTypeError);
    expect(() => torch.tensor([true]).sub(true)).toThrow(
      /Subtraction, the `-` operator, with two bool tensors is not supported/,
    );
  });

  it('relu of huge float64 values does not overflow', () => {
    expect(Array.from(torch.tensor([1.7e308, -1.7e308], { dtype: 'float64' }).relu().dataSync())).toEqual([
      1.7e308, 0,
    ]);
  });
});

describe('max pooling with several NaNs in a window', () => {
  it('picks the first NaN on every path (general 3x3 window and the 2x2 fast path)', () => {
    const x = torch.tensor(
      [
        [
          [
            [1, 2, 3],
            [4, Number.NaN, 6],
            [Number.NaN, 8, 9],
          ],
        ],
      ],
      { dtype: 'float32' },
    );
    const [, idx3] = torch.maxPool2dWithIndices(x, 3);
    expect(Array.from(idx3.dataSync())).toEqual([4]);
    const y = torch.tensor(
      [
        [
          [
            [1, Number.NaN],
            [Number.NaN, 4],
          ],
        ],
      ],
      { dtype: 'float32' },
    );
    const [, idx2] = torch.maxPool2dWithIndices(y, 2);
    expect(Array.from(idx2.dataSync())).toEqual([1]);
  });
});
