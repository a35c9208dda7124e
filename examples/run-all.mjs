// Runs every example program the docs show, as CI does (`pnpm --filter @torchlet/examples test`): short
// runs (TORCHLET_EXAMPLES_QUICK=1: fewer epochs or steps, the same code), one after the other. Each
// program checks its own result (its loss fell, or its numbers are right) and exits non-zero otherwise;
// this runner fails when any program fails or runs past its time limit.
// The CIFAR-10 programs run on stand-in files in CIFAR-10's binary format made from MNIST digits
// (tools/make-cifar-standin.mjs): CIFAR-10 cannot be downloaded here.
//
//   node run-all.mjs                 # all of them
//   node run-all.mjs mnist barebones # those whose name contains one of the words
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'torchlet-examples-'));
const cifar = join(work, 'cifar');
const LIMIT_S = 300; // an upper bound against hangs, not a speed check

const standin = { name: 'tools/make-cifar-standin', file: 'tools/make-cifar-standin.mjs', args: [cifar] };
const programs = [
  { name: 'quickstart', file: 'quickstart.mjs' },
  { name: 'lenet-blitz', file: 'lenet-blitz.mjs' },
  { name: 'lenet-blitz-3x3', file: 'lenet-blitz-3x3.mjs' },
  ...['1-arrays', '2-tensors', '3-autograd', '4-nn', '5-optim', '6-custom-module', '7-dynamic-net'].map(
    (n) => ({ name: `learning-with-examples/${n}`, file: `learning-with-examples/${n}.mjs` }),
  ),
  ...['tensors-and-devices', 'autograd', 'modules', 'data', 'training', 'memory-and-async'].map((n) => ({
    name: `concepts/${n}`,
    file: `concepts/${n}.mjs`,
  })),
  { name: 'mnist-classifier', file: 'mnist-classifier.mjs' },
  { name: 'homework-by-hand', file: 'homework-by-hand.mjs' },
  { name: 'cifar10-classifier', file: 'cifar10-classifier.mjs', args: ['--data-dir', cifar], cifar: true },
  ...Array.from({ length: 9 }, (_, i) => ({
    name: `cifar10-homework --variant ${i + 1}`,
    file: 'cifar10-homework.mjs',
    args: ['--data-dir', cifar, '--variant', String(i + 1)],
    cifar: true,
  })),
  { name: 'barebones', file: 'barebones.mjs', args: ['--data-dir', cifar], cifar: true },
];

const filters = process.argv.slice(2);
const selected = filters.length ? programs.filter((p) => filters.some((f) => p.name.includes(f))) : programs;
if (selected.length === 0) {
  console.error(`run-all: no example matches ${filters.join(', ')}`);
  process.exit(2);
}

function run({ name, file, args = [] }) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(here, file), ...args], {
      cwd: work,
      env: { ...process.env, TORCHLET_EXAMPLES_QUICK: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\nrun-all: killed after ${LIMIT_S} s`;
      child.kill('SIGKILL');
    }, LIMIT_S * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        name,
        ok: code === 0,
        code: code ?? signal,
        output,
        seconds: (performance.now() - t0) / 1000,
      });
    });
  });
}

const failures = [];
const queue = selected.some((p) => p.cifar) ? [standin, ...selected] : selected;
for (const program of queue) {
  const r = await run(program);
  const tail = r.output.trimEnd().split('\n').slice(-2).join('\n    ');
  console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds.toFixed(1)} s)\n    ${tail}`);
  if (!r.ok) {
    failures.push(r.name);
    console.log(`---- output of ${r.name} (exit ${r.code}) ----\n${r.output}\n----`);
  }
}
rmSync(work, { recursive: true, force: true });
if (failures.length) {
  console.error(`run-all: ${failures.length} example(s) failed: ${failures.join(', ')}`);
  process.exit(1);
}
console.log(`run-all: ${selected.length} examples passed`);
