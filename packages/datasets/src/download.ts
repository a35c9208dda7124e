import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChecksumError, DownloadError } from './errors.js';

/**
 * Where datasets live when no `root` is given: `$TORCHLET_DATA_HOME`, else
 * `$XDG_CACHE_HOME/torchlet/datasets`, else `~/.cache/torchlet/datasets`.
 */
export function defaultRoot(): string {
  if (process.env.TORCHLET_DATA_HOME) return path.resolve(process.env.TORCHLET_DATA_HOME);
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'torchlet', 'datasets');
}

export type HashAlgorithm = 'md5' | 'sha256';

/** The hex digest of a file, read in chunks. */
export function hashFile(file: string, algorithm: HashAlgorithm = 'md5'): string {
  const h = crypto.createHash(algorithm);
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

export function md5File(file: string): string {
  return hashFile(file, 'md5');
}

/** The hex digest of bytes in memory. */
export function hashBytes(bytes: Uint8Array, algorithm: HashAlgorithm = 'md5'): string {
  return crypto.createHash(algorithm).update(bytes).digest('hex');
}

/** True when the file exists and (if a checksum is given) matches it. torchvision's check_integrity. */
export function checkIntegrity(file: string, md5?: string): boolean {
  if (!fs.existsSync(file)) return false;
  if (!md5) return true;
  return md5File(file) === md5;
}

export interface DownloadOptions {
  /** Expected MD5 of the file (as torchvision lists it). */
  md5?: string;
  /** Expected SHA-256 of the file. */
  sha256?: string;
  /** Called as bytes arrive. */
  onProgress?: (received: number, total: number | null) => void;
  /** Abort a download that receives nothing for this long (default 60 s). */
  idleTimeoutMs?: number;
}

function describeFetchError(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  const cause = err.cause?.code ?? err.cause?.message;
  return cause ? `${err.message} (${cause})` : err.message;
}

/**
 * Downloads `urls[0]` (falling back to the next URL on failure) to `dest`, atomically: the bytes go to a
 * temporary file in the same folder, are verified against the checksums, and only then renamed over
 * `dest`. A failed or interrupted download never leaves a partial `dest`. Already present and valid:
 * nothing is fetched.
 */
export async function downloadFile(
  urls: string | readonly string[],
  dest: string,
  opts: DownloadOptions = {},
): Promise<void> {
  const list = typeof urls === 'string' ? [urls] : [...urls];
  if (fs.existsSync(dest) && verifies(dest, opts)) return;
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const failures: string[] = [];
  for (const url of list) {
    try {
      await fetchTo(url, dest, opts);
      return;
    } catch (e) {
      failures.push(
        `${url}: ${e instanceof ChecksumError || e instanceof DownloadError ? e.message : describeFetchError(e)}`,
      );
    }
  }
  throw new DownloadError(`could not download ${path.basename(dest)}:\n  ${failures.join('\n  ')}`);
}

function verifies(file: string, opts: DownloadOptions): boolean {
  if (opts.md5 && hashFile(file, 'md5') !== opts.md5) return false;
  if (opts.sha256 && hashFile(file, 'sha256') !== opts.sha256) return false;
  return true;
}

async function fetchTo(url: string, dest: string, opts: DownloadOptions): Promise<void> {
  const tmp = path.join(
    path.dirname(dest),
    `.${path.basename(dest)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.part`,
  );
  const controller = new AbortController();
  const idle = opts.idleTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no data for ${idle} ms`)), idle);
  };
  let fd: number | null = null;
  try {
    arm();
    const res = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    if (!res.ok || !res.body) throw new DownloadError(`HTTP ${res.status} ${res.statusText}`);
    // with a content-encoding, fetch decodes and content-length counts the encoded bytes
    const total = res.headers.get('content-encoding')
      ? null
      : Number(res.headers.get('content-length')) || null;
    const md5 = crypto.createHash('md5');
    const sha = crypto.createHash('sha256');
    fd = fs.openSync(tmp, 'w');
    let received = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      arm();
      fs.writeSync(fd, chunk);
      md5.update(chunk);
      if (opts.sha256) sha.update(chunk);
      received += chunk.length;
      opts.onProgress?.(received, total);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    if (total !== null && received !== total) {
      throw new DownloadError(`connection closed after ${received} of ${total} bytes`);
    }
    const gotMd5 = md5.digest('hex');
    if (opts.md5 && gotMd5 !== opts.md5) {
      throw new ChecksumError(`checksum mismatch: md5 ${gotMd5}, expected ${opts.md5}`);
    }
    if (opts.sha256) {
      const got = sha.digest('hex');
      if (got !== opts.sha256)
        throw new ChecksumError(`checksum mismatch: sha256 ${got}, expected ${opts.sha256}`);
    }
    fs.renameSync(tmp, dest);
  } finally {
    clearTimeout(timer);
    if (fd !== null) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
  }
}
