import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

/** Builds the CLI (dist/main.js) when it is missing or older than a source file. */
export default function setup(): void {
  const main = path.join(app, 'dist', 'main.js');
  const stale = !fs.existsSync(main) || fs.statSync(main).mtimeMs < newest(path.join(app, 'src'));
  if (!stale) return;
  const tsc = createRequire(path.join(app, 'package.json')).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: app, stdio: 'inherit' });
}
