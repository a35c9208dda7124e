import * as torch from '@torchlet/tensor';
import * as nn from '@torchlet/nn';
import { Adam } from '@torchlet/optim';
import { MNIST, DataLoader, transforms as T, Subset } from '@torchlet/datasets';
const { F } = nn;
class Net extends nn.Module {
  constructor() { super(); this.conv1 = new nn.Conv2d(1, 6, 5, { padding: 2 }); this.conv2 = new nn.Conv2d(6, 16, 5);
    this.fc1 = new nn.Linear(400, 120); this.fc2 = new nn.Linear(120, 84); this.fc3 = new nn.Linear(84, 10); }
  forward(x) { x = F.maxPool2d(F.relu(this.conv1.call(x)), [2, 2]); x = F.maxPool2d(F.relu(this.conv2.call(x)), 2);
    x = x.view(-1, 400); x = F.relu(this.fc1.call(x)); x = F.relu(this.fc2.call(x)); return this.fc3.call(x); }
}
torch.manualSeed(0);
const net = new Net();
const opt = new Adam(net.parameters(), { lr: 1e-3 });
let t0 = performance.now();
const ds = new MNIST({ train: true, transform: new T.Compose([new T.ToTensor(), new T.Normalize([0.1307], [0.3081])]) });
console.log('load', performance.now() - t0, ds.length);
const loader = new DataLoader(new Subset(ds, Array.from({length: 64*60}, (_, i) => i)), { batchSize: 64, shuffle: true, seed: 1, numWorkers: Number(process.argv[2] ?? 0) });
t0 = performance.now();
let n = 0, tl = 0;
for await (const [x, y] of loader) {
  const t1 = performance.now();
  torch.tidy(() => {
    opt.zeroGrad();
    const out = net.call(x);
    const loss = F.crossEntropy(out, y);
    loss.backward();
    opt.step();
    if (n % 20 === 0) console.log(n, loss.itemSync(), x.shape, y.dtype);
  });
  x.dispose(); y.dispose();
  tl += performance.now() - t1;
  n++;
}
const dt = performance.now() - t0;
console.log('steps', n, 'ms/step', dt / n, 'compute ms/step', tl / n, 'samples/s', n * 64 / dt * 1000, torch.numLiveTensors());
