import * as torch from '@torchlet/tensor';
import { test } from 'vitest';
import * as nn from '../src/index.js';
test('scratch', () => {
  const seq = new nn.Sequential(new nn.Conv2d(1, 6, 5), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10));
  const s = nn.summary(seq, [1, 1, 32, 32]);
  console.log(s.text);
  console.log(JSON.stringify(s.rows));
});
