import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { DatasetFormatError } from './errors.js';

type Entry =
  | { kind: 'file'; fd: number; tmp: string; final: string; remaining: number; pad: number }
  | { kind: 'meta'; parts: Buffer[]; remaining: number; pad: number; done: (data: Buffer) => void };

/**
 * A streaming reader of tar archives (ustar, GNU long names and pax paths), enough for the official
 * dataset archives. Regular files are written atomically (`name.<pid>.part`, then renamed); links,
 * devices and paths that would leave the destination are skipped.
 */
class TarExtractor {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private entry: Entry | null = null;
  private skip = 0;
  private longName: string | null = null;
  private ended = false;
  readonly written: string[] = [];

  constructor(
    private readonly archive: string,
    private readonly dest: string,
    private readonly filter: (name: string) => boolean,
  ) {}

  push(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.drain();
  }

  private take(n: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return out;
  }

  private drain(): void {
    for (;;) {
      if (this.ended) {
        this.pending = [];
        this.pendingBytes = 0;
        return;
      }
      if (this.skip > 0) {
        const n = Math.min(this.skip, this.pendingBytes);
        if (n === 0) return;
        this.take(n);
        this.skip -= n;
        continue;
      }
      const e = this.entry;
      if (e) {
        if (e.remaining > 0) {
          const n = Math.min(e.remaining, this.pendingBytes);
          if (n === 0) return;
          const data = this.take(n);
          if (e.kind === 'file') fs.writeSync(e.fd, data);
          else e.parts.push(Buffer.from(data));
          e.remaining -= n;
          if (e.remaining > 0) return;
        }
        if (e.kind === 'file') {
          fs.closeSync(e.fd);
          fs.renameSync(e.tmp, e.final);
          this.written.push(e.final);
        } else e.done(Buffer.concat(e.parts));
        this.entry = null;
        this.skip = e.pad;
        continue;
      }
      if (this.pendingBytes < 512) return;
      this.header(this.take(512));
    }
  }

  private header(h: Buffer): void {
    if (h.every((b) => b === 0)) {
      this.ended = true;
      return;
    }
    const str = (off: number, len: number) => {
      const s = h.subarray(off, off + len);
      const z = s.indexOf(0);
      return s.subarray(0, z < 0 ? len : z).toString('utf8');
    };
    const octal = (off: number, len: number) => Number.parseInt(str(off, len).trim() || '0', 8);
    const stored = octal(148, 8);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    if (stored !== sum)
      throw new DatasetFormatError(`${this.archive}: corrupt tar archive (bad header checksum)`);
    const size = octal(124, 12);
    const type = String.fromCharCode(h[156] || 48);
    const prefix = str(257, 6).startsWith('ustar') ? str(345, 155) : '';
    let name = prefix ? `${prefix}/${str(0, 100)}` : str(0, 100);
    const pad = (512 - (size % 512)) % 512;
    if (type === 'L' || type === 'x') {
      // a GNU long name or a pax header names the next entry
      this.entry = {
        kind: 'meta',
        parts: [],
        remaining: size,
        pad,
        done: (data) => {
          if (type === 'L') this.longName = data.toString('utf8').replace(/\0+$/, '');
          else {
            const m = /\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
            if (m) this.longName = m[1];
          }
        },
      };
      return;
    }
    if (this.longName !== null) {
      name = this.longName;
      this.longName = null;
    }
    const safe = safePath(name);
    if ((type !== '0' && type !== '7') || safe === null || !this.filter(safe)) {
      this.skip = size + pad;
      return;
    }
    const final = path.join(this.dest, safe);
    fs.mkdirSync(path.dirname(final), { recursive: true });
    const tmp = `${final}.${process.pid}.part`;
    this.entry = { kind: 'file', fd: fs.openSync(tmp, 'w'), tmp, final, remaining: size, pad };
  }

  end(): void {
    if (this.entry) {
      this.abort();
      throw new DatasetFormatError(`${this.archive}: truncated tar archive (it ends inside an entry)`);
    }
  }

  abort(): void {
    const e = this.entry;
    if (e?.kind === 'file') {
      fs.closeSync(e.fd);
      fs.rmSync(e.tmp, { force: true });
    }
    this.entry = null;
  }
}

/** A relative path inside the destination, or null for absolute paths and `..` escapes. */
function safePath(name: string): string | null {
  const norm = path.posix.normalize(name.replace(/\\/g, '/'));
  if (norm.startsWith('/') || norm === '..' || norm.startsWith('../') || norm === '.' || norm === '')
    return null;
  return norm;
}

/**
 * Extracts a `.tar.gz` (or plain `.tar`) archive into `dest`; `filter` picks the entries to write (by
 * their path inside the archive). Returns the paths written.
 */
export async function extractTar(
  archive: string,
  dest: string,
  filter: (name: string) => boolean = () => true,
): Promise<string[]> {
  const head = Buffer.alloc(2);
  const fd = fs.openSync(archive, 'r');
  fs.readSync(fd, head, 0, 2, 0);
  fs.closeSync(fd);
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  if (!gz && /\.(tgz|gz)$/.test(archive)) {
    throw new DatasetFormatError(
      `${archive}: bad gzip: the file does not start with the gzip magic number 1f 8b`,
    );
  }
  const ex = new TarExtractor(archive, dest, filter);
  const input = fs.createReadStream(archive);
  const stream = gz ? input.pipe(zlib.createGunzip()) : input;
  try {
    for await (const chunk of stream) ex.push(chunk as Buffer);
    ex.end();
  } catch (e) {
    ex.abort();
    input.destroy();
    if (e instanceof DatasetFormatError) throw e;
    const msg = (e as Error).message;
    const why = /unexpected end/i.test(msg) ? 'truncated gzip data' : 'bad gzip';
    throw new DatasetFormatError(`${archive}: ${why}: ${msg}`);
  }
  return ex.written;
}

/** Builds an uncompressed ustar archive in memory (for tests and tools): `files` maps paths to bytes. */
export function createTar(files: Record<string, Uint8Array>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, data] of Object.entries(files)) {
    if (Buffer.byteLength(name) > 100)
      throw new DatasetFormatError(`createTar: name longer than 100 bytes: ${name}`);
    const h = Buffer.alloc(512);
    h.write(name, 0, 'utf8');
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write(
      `${Math.floor(Date.now() / 1000)
        .toString(8)
        .padStart(11, '0')}\0`,
      136,
    );
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += h[i];
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h, Buffer.from(data), Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
