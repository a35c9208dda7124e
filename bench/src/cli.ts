/**
 * Command line: `pnpm bench -- [--quick] [--filter matmul] [--libs torchlet,tfjs-wasm] [--no-pytorch]
 * [--out file.json] [--list]`.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIBRARY_IDS, type LibraryId } from './types.js';

export interface CliOptions {
  quick: boolean;
  filters: string[];
  libs: LibraryId[];
  pytorch: boolean;
  out: string;
  list: boolean;
  help: boolean;
}

export const DEFAULT_OUT = fileURLToPath(new URL('../results/latest.json', import.meta.url));

export const USAGE = `Usage: pnpm bench -- [options]
  --quick              smoke run: smaller sizes, fewer reps (JSON goes to the OS temp dir unless --out)
  --filter <text>      only cases whose id, group or title contains text (repeatable, or a,b)
  --libs <a,b>         only these columns: ${LIBRARY_IDS.join(', ')}
  --no-pytorch         skip the PyTorch column (same as leaving pytorch out of --libs)
  --out <file>         where to write the JSON results (default bench/results/latest.json)
  --list               print the cases and exit
  --help               this text`;

function splitList(v: string | undefined, flag: string): string[] {
  if (v === undefined || v.startsWith('--')) throw new Error(`bench: ${flag} needs a value`);
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function parseArgs(argv: readonly string[]): CliOptions {
  const o: CliOptions = {
    quick: false,
    filters: [],
    libs: [...LIBRARY_IDS],
    pytorch: true,
    out: '',
    list: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] =
      a.startsWith('--') && a.includes('=')
        ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--': // pnpm / turbo may pass the separator through
        break;
      case '--quick':
        o.quick = true;
        break;
      case '--filter':
        o.filters.push(...splitList(value(), flag));
        break;
      case '--libs': {
        const libs = splitList(value(), flag);
        const bad = libs.filter((l) => !LIBRARY_IDS.includes(l as LibraryId));
        if (bad.length)
          throw new Error(`bench: unknown libraries ${bad.join(', ')} (known: ${LIBRARY_IDS.join(', ')})`);
        o.libs = libs as LibraryId[];
        break;
      }
      case '--no-pytorch':
        o.pytorch = false;
        break;
      case '--out':
        o.out = value() ?? '';
        break;
      case '--list':
        o.list = true;
        break;
      case '--help':
      case '-h':
        o.help = true;
        break;
      default:
        throw new Error(`bench: unknown argument '${a}'\n${USAGE}`);
    }
  }
  if (!o.pytorch) o.libs = o.libs.filter((l) => l !== 'pytorch');
  if (!o.out) o.out = o.quick ? path.join(os.tmpdir(), 'torchlet-bench-quick.json') : DEFAULT_OUT;
  return o;
}
