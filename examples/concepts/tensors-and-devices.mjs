// The code of the docs' "Tensors and devices" page (concepts/tensors-and-devices.md), region by region.
//
//   node examples/concepts/tensors-and-devices.mjs
import * as torch from '@torchlet/tensor';

// #region create
torch.manualSeed(0);
const a = torch.tensor([
  [1.5, 2],
  [3, 4],
]); // float32 (PyTorch's default); all-integer data gives int32, or pass { dtype: 'float32' }
const b = torch.randn(2, 3); // PyTorch's varargs shape...
const c = torch.zeros([2, 3], { dtype: 'int32' }); // ...or an array, with the keyword options last
const d = torch.arange(12).view(3, 4); // integer ranges are int32 (PyTorch: int64)
const e = torch.tensor(new Float64Array([0.5, 1.5]), { requiresGrad: true }); // from a typed array

console.log(a.shape, a.dtype, a.device, b.shape); // [ 2, 2 ] float32 cpu [ 2, 3 ]
console.log(String(d)); // printed exactly as PyTorch prints it
// #endregion create

// #region ops
const x = torch.randn(4, 3);
const w = torch.randn(3, 2);
const y = x.mm(w).add(1).relu(); // no operator overloading: x @ w + 1 is x.mm(w).add(1)
const s = y.sum(1, true); // reduce over dim 1, keepdim
const z = y.div(s.add(1e-6)); // broadcasting [4, 2] / [4, 1], as NumPy and PyTorch
const m = x.gt(0); // comparisons give bool tensors
x.maskedFill_(m.logicalNot(), 0); // in place: every method ending in _ modifies its tensor
console.log(z.shape, m.dtype, torch.where(m, x, torch.zerosLike(x)).shape);
// #endregion ops

// #region views
const t = torch.arange(24).view(2, 3, 4);
const flat = t.view(-1, 12); // a view: same storage, new shape (-1 is inferred)
const row = t.index(1, '0:2', null); // t[1, 0:2, :]
const tr = t.transpose(1, 2); // strided view, no copy
console.log(flat.shape, row.shape, tr.shape, tr.isContiguous()); // [2, 12] [2, 4] [2, 4, 3] false
const packed = tr.contiguous(); // the copy happens here
const parts = torch.split(t, [1, 1], 0); // also cat, stack, chunk, squeeze, unsqueeze, permute...
console.log(packed.isContiguous(), parts.length, String(t.index(0, 0)));
// #endregion views

// #region read
// Values are read asynchronously on every device: a GPU must be waited for.
console.log(await d.sum().item(), await d.index(0).data(), await d.tolist());
// The CPU can also read synchronously (the GPU cannot):
console.log(d.sum().itemSync(), d.index(0).dataSync());
// #endregion read

// #region devices
console.log(torch.getDefaultDevice()); // 'cpu' until another device is made the default
const onCpu = torch.randn(2, 2, { device: 'cpu' }); // a device per tensor, as PyTorch's device=...
if (torch.hasBackend('webgpu')) {
  // after `await initWebGPU()` from @torchlet/webgpu
  const onGpu = onCpu.to('webgpu'); // PyTorch's .to(device) / .cuda()
  console.log(onGpu.device, await onGpu.sum().item());
}
// #endregion devices

if (!(a.dtype === 'float32' && c.dtype === 'int32' && e.dtype === 'float64' && d.sum().itemSync() === 66)) {
  console.error('tensors-and-devices: unexpected values');
  process.exit(1);
}
