import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { encodeIdx } from '../src/idx.js';

export function tmpDir(prefix = 'torchlet-datasets-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Deterministic bytes. */
export function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}

/** A small MNIST-format split: n images of rows x cols and labels 0..9. */
export function mnistSplit(
  n: number,
  rows = 28,
  cols = 28,
  seed = 1,
): { images: Uint8Array; labels: Uint8Array; pixels: Uint8Array; labelValues: Uint8Array } {
  const pixels = bytes(n * rows * cols, seed);
  const labelValues = Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) % 10);
  return {
    images: encodeIdx(pixels, [n, rows, cols]),
    labels: encodeIdx(labelValues, [n]),
    pixels,
    labelValues,
  };
}

/** Writes MNIST-format files under root/<name>/raw (gz: compressed). */
export function writeMnist(
  root: string,
  name: string,
  opts: { train?: number; test?: number; gz?: boolean; rows?: number; cols?: number } = {},
) {
  const raw = path.join(root, name, 'raw');
  fs.mkdirSync(raw, { recursive: true });
  const out: Record<string, ReturnType<typeof mnistSplit>> = {};
  for (const [prefix, n, seed] of [
    ['train', opts.train ?? 20, 3],
    ['t10k', opts.test ?? 10, 5],
  ] as const) {
    const s = mnistSplit(n, opts.rows, opts.cols, seed);
    out[prefix] = s;
    const put = (file: string, data: Uint8Array) => {
      const p = path.join(raw, opts.gz ? `${file}.gz` : file);
      fs.writeFileSync(p, opts.gz ? zlib.gzipSync(data) : data);
    };
    put(`${prefix}-images-idx3-ubyte`, s.images);
    put(`${prefix}-labels-idx1-ubyte`, s.labels);
  }
  return out;
}

/** CIFAR binary records: label byte(s) then the R, G, B planes. Returns the file bytes and the HWC images. */
export function cifarRecords(
  n: number,
  labelBytes: 1 | 2,
  seed = 1,
): { file: Uint8Array; hwc: Uint8Array; labels: number[]; coarse: number[] } {
  const record = labelBytes + 3072;
  const file = new Uint8Array(n * record);
  const planes = bytes(n * 3072, seed);
  const hwc = new Uint8Array(n * 3072);
  const labels: number[] = [];
  const coarse: number[] = [];
  for (let r = 0; r < n; r++) {
    const fine = labelBytes === 1 ? (r * 3 + seed) % 10 : (r * 13 + seed) % 100;
    const c = (r + seed) % 20;
    labels.push(fine);
    coarse.push(c);
    if (labelBytes === 2) file[r * record] = c;
    file[r * record + labelBytes - 1] = fine;
    file.set(planes.subarray(r * 3072, (r + 1) * 3072), r * record + labelBytes);
    for (let p = 0; p < 1024; p++)
      for (let ch = 0; ch < 3; ch++) hwc[r * 3072 + p * 3 + ch] = planes[r * 3072 + ch * 1024 + p];
  }
  return { file, hwc, labels, coarse };
}

/** Writes a small CIFAR-10 binary layout (n records per batch file). */
export function writeCifar10(root: string, n = 4) {
  const dir = path.join(root, 'cifar-10-batches-bin');
  fs.mkdirSync(dir, { recursive: true });
  const batches: ReturnType<typeof cifarRecords>[] = [];
  for (let b = 1; b <= 5; b++) {
    const r = cifarRecords(n, 1, b);
    batches.push(r);
    fs.writeFileSync(path.join(dir, `data_batch_${b}.bin`), r.file);
  }
  const test = cifarRecords(n, 1, 9);
  fs.writeFileSync(path.join(dir, 'test_batch.bin'), test.file);
  return { dir, batches, test };
}

export interface TestServer {
  url: string;
  close(): Promise<void>;
  hits: string[];
}

/** A local HTTP server: `routes` maps paths to bodies, or to a handler. */
export async function serve(
  routes: Record<string, Uint8Array | ((req: http.IncomingMessage, res: http.ServerResponse) => void)>,
): Promise<TestServer> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    const r = routes[req.url ?? ''];
    if (r === undefined) {
      res.statusCode = 404;
      res.end('not found');
    } else if (typeof r === 'function') r(req, res);
    else {
      res.setHeader('content-length', r.length);
      res.end(Buffer.from(r));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port with nothing listening (the "offline" case). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
