import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { workerExecArgv } from '../src/workers/pool.js';

describe('worker execArgv', () => {
  it('carries module loaders and conditions, and drops V8 flags and the main script code', () => {
    const argv = [
      '--expose-gc',
      '--import',
      'tsx',
      '--conditions=source',
      '-e',
      'code()',
      '--max-old-space-size=4096',
      '-r',
      'x.cjs',
    ];
    expect(workerExecArgv(argv)).toEqual(['--import', 'tsx', '--conditions=source', '-r', 'x.cjs']);
  });

  it('gives options Node accepts for a Worker even when the parent runs with --expose-gc', async () => {
    const w = new Worker('require("node:worker_threads").parentPort.postMessage(1)', {
      eval: true,
      execArgv: workerExecArgv(['--expose-gc', '--stack-size=2000']),
    });
    const msg = await new Promise((resolve) => w.once('message', resolve));
    await w.terminate();
    expect(msg).toBe(1);
  });
});
