import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newest(dir: string, ext: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, ext));
    else if (e.name.endsWith(ext)) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

/** Worker threads load dist/: rebuild it when a source file is newer than the build. */
export default function setup(): void {
  const marker = path.join(pkg, 'dist', 'workers', 'worker.js');
  const built = fs.existsSync(marker) ? fs.statSync(marker).mtimeMs : 0;
  const distNewest = fs.existsSync(path.join(pkg, 'dist'))
    ? Math.min(built, newest(path.join(pkg, 'dist'), '.js'))
    : 0;
  if (distNewest === 0 || newest(path.join(pkg, 'src'), '.ts') > distNewest) {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: pkg, stdio: 'inherit' });
  }
}
