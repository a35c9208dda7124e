import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes a file so that readers see either the old or the new content, never a part: the bytes go to
 * a temporary file in the same folder, which is flushed to disk (fsync) and then renamed over the
 * target; the folder is synced too where the platform allows it.
 */
export function writeFileAtomic(file: string, chunks: readonly Uint8Array[] | Uint8Array | string): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`,
  );
  const list =
    typeof chunks === 'string' ? [Buffer.from(chunks)] : chunks instanceof Uint8Array ? [chunks] : chunks;
  let fd: number | null = fs.openSync(tmp, 'w', 0o644);
  try {
    for (const c of list) {
      let written = 0;
      while (written < c.length) written += fs.writeSync(fd, c, written, c.length - written);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== null) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  try {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // syncing a folder is not possible everywhere (Windows); the rename is still atomic
  }
}
