import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../checkpoint/atomic.js';

/** The files a finished run leaves, in the order the README lists them. */
export const RUN_FILES = [
  'config.json',
  'metrics.jsonl',
  'curves.png',
  'confusion.png',
  'predictions.png',
  'model.safetensors',
  'checkpoint.safetensors',
] as const;

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** `runs/<dataset>-<model>-<yyyymmdd-hhmmss>`, with a suffix when that folder exists already. */
export function defaultRunDir(dataset: string, model: string, now = new Date()): string {
  const base = path.join('runs', `${dataset}-${model}-${stamp(now)}`);
  let dir = base;
  for (let i = 2; fs.existsSync(dir); i++) dir = `${base}-${i}`;
  return dir;
}

/** A run folder: config.json, metrics.jsonl (one JSON object per line), images and safetensors files. */
export class RunFolder {
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomic(this.file(name), `${JSON.stringify(value, null, 2)}\n`);
  }

  /** Starts metrics.jsonl over with the given lines (a new run: none; a resumed run: its history). */
  resetMetrics(lines: readonly Record<string, unknown>[]): void {
    writeFileAtomic(this.file('metrics.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  }

  appendMetrics(line: Record<string, unknown>): void {
    fs.appendFileSync(this.file('metrics.jsonl'), `${JSON.stringify(line)}\n`);
  }
}
