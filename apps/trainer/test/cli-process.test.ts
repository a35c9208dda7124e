import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../src/checkpoint/checkpoint.js';
import { RUN_FILES } from '../src/report/run-folder.js';
import { APP, SMALL, tmpDir } from './helpers.js';

const MAIN = path.join(APP, 'dist', 'main.js');

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a child process; `onLine` sees each stdout line as it comes. */
function cli(
  args: string[],
  onLine?: (line: string, child: ReturnType<typeof spawn>) => void,
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: tmpDir(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const l of lines) onLine?.(l, child);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('the built CLI as a child process', () => {
  it('trains and leaves the run folder, printing JSON lines', async () => {
    const out = path.join(tmpDir(), 'run');
    const r = await cli([...SMALL, '--epochs', '1', '--json', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({
      event: 'start',
      command: 'train',
      device: 'cpu',
      model: 'lenet5',
      parameters: 61706,
    });
    expect(events.at(-1)).toMatchObject({ event: 'summary', total: 128 });
    for (const f of RUN_FILES) expect(fs.existsSync(path.join(out, f)), f).toBe(true);
  });

  it('exits with 2 and a message on an unknown option', async () => {
    const r = await cli(['--optimiser', 'sgd']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown option --optimiser (did you mean --optimizer?)');
    expect(r.stdout).toBe('');
  });

  it('on SIGINT finishes the step, saves a checkpoint and says how to resume', async () => {
    const out = path.join(tmpDir(), 'run');
    let sent = false;
    const r = await cli(
      [
        '--limit-train',
        '4096',
        '--limit-test',
        '64',
        '--batch-size',
        '16',
        '--epochs',
        '3',
        '--json',
        '--out',
        out,
      ],
      (line, child) => {
        if (!sent && JSON.parse(line).event === 'step') {
          sent = true;
          child.kill('SIGINT');
        }
      },
    );
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('Ctrl-C: finishing the current step and saving a checkpoint');
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(last).toMatchObject({
      event: 'interrupted',
      checkpoint: path.join(out, 'checkpoint.safetensors'),
    });
    expect(last.resume).toBe(`pnpm trainer --resume ${path.join(out, 'checkpoint.safetensors')}`);
    const ckpt = loadCheckpoint(path.join(out, 'checkpoint.safetensors'));
    expect(ckpt.step).toBeGreaterThan(0);
    expect(ckpt.epoch).toBe(0);
  });
});
