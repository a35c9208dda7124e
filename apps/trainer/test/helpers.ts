import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunIO } from '../src/io.js';

export const APP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURES = path.join(APP, 'test', 'fixtures');

/** A fresh temporary folder. */
export function tmpDir(prefix = 'trainer-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** An IO that records what a run prints and the events it emits. */
export function captureIO(extra: Partial<RunIO> = {}) {
  const state = { out: '', err: '', events: [] as Record<string, unknown>[] };
  const io: RunIO = {
    stdout: {
      write: (s: string) => {
        state.out += s;
        return true;
      },
      isTTY: false,
    },
    stderr: {
      write: (s: string) => {
        state.err += s;
        return true;
      },
    },
    onEvent: (e) => state.events.push(e),
    ...extra,
  };
  return { io, state };
}

/** The lines of a JSON-lines file, parsed. */
export function readJsonLines(file: string): Record<string, unknown>[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

/** Small, fast training arguments on a slice of the bundled MNIST. */
export const SMALL = ['--limit-train', '256', '--limit-test', '128', '--batch-size', '64'];

/**
 * Writes tiny CIFAR-10 files in the official binary format (records of 1 label byte and 3072 pixel
 * bytes, the R, G and B planes) into `root/cifar-10-batches-bin`.
 */
export function writeTinyCifar(root: string, perFile = 20): string {
  const folder = path.join(root, 'cifar-10-batches-bin');
  fs.mkdirSync(folder, { recursive: true });
  let seed = 12345;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 24;
  };
  const files = [
    'data_batch_1.bin',
    'data_batch_2.bin',
    'data_batch_3.bin',
    'data_batch_4.bin',
    'data_batch_5.bin',
    'test_batch.bin',
  ];
  for (const f of files) {
    const buf = new Uint8Array(perFile * 3073);
    for (let r = 0; r < perFile; r++) {
      const label = r % 10;
      buf[r * 3073] = label;
      // each class gets its own mean colour, so that the classes can be told apart a little
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < 1024; p++)
          buf[r * 3073 + 1 + c * 1024 + p] = (label * 25 + c * 60 + (next() >> 2)) & 255;
      }
    }
    fs.writeFileSync(path.join(folder, f), buf);
  }
  fs.writeFileSync(
    path.join(folder, 'batches.meta.txt'),
    'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n',
  );
  return folder;
}
