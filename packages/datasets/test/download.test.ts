import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { CIFAR10, CIFAR100 } from '../src/cifar.js';
import { downloadFile } from '../src/download.js';
import { DatasetFormatError, DatasetNotFoundError, DownloadError } from '../src/errors.js';
import { FashionMNIST, MNIST } from '../src/mnist.js';
import { createTar, extractTar } from '../src/tar.js';
import { cifarRecords, closedPort, mnistSplit, serve, type TestServer, tmpDir } from './helpers.js';

const md5 = (b: Uint8Array) => crypto.createHash('md5').update(b).digest('hex');
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(routes: Parameters<typeof serve>[0]): Promise<TestServer> {
  const s = await serve(routes);
  servers.push(s);
  return s;
}

describe('downloadFile', () => {
  it('downloads, verifies and renames into place; skips a valid existing file', async () => {
    const body = crypto.randomBytes(100_000);
    const s = await server({ '/f.bin': body });
    const dir = tmpDir();
    const dest = path.join(dir, 'sub', 'f.bin');
    await downloadFile(`${s.url}f.bin`, dest, { md5: md5(body) });
    expect(md5(fs.readFileSync(dest))).toBe(md5(body));
    expect(fs.readdirSync(path.dirname(dest))).toEqual(['f.bin']);
    await downloadFile(`${s.url}f.bin`, dest, { md5: md5(body) });
    expect(s.hits.length).toBe(1);
  });

  it('leaves nothing behind on a checksum mismatch, a cut connection or an HTTP error', async () => {
    const body = crypto.randomBytes(50_000);
    const s = await server({
      '/f.bin': body,
      '/cut.bin': (_req, res) => {
        res.setHeader('content-length', String(body.length));
        res.write(body.subarray(0, 10_000));
        setTimeout(() => res.destroy(), 20);
      },
    });
    const dir = tmpDir();
    const dest = path.join(dir, 'f.bin');
    const err = await downloadFile(`${s.url}f.bin`, dest, { md5: '0'.repeat(32) }).catch((e) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.message).toMatch(/checksum mismatch: md5 [0-9a-f]{32}, expected 0{32}/);
    expect(fs.readdirSync(dir)).toEqual([]);
    const cut = await downloadFile(`${s.url}cut.bin`, dest, { md5: md5(body) }).catch((e) => e);
    expect(cut).toBeInstanceOf(DownloadError);
    expect(fs.readdirSync(dir)).toEqual([]);
    const missing = await downloadFile(`${s.url}nope.bin`, dest).catch((e) => e);
    expect(missing.message).toMatch(/nope\.bin: HTTP 404/);
    expect(fs.readdirSync(dir)).toEqual([]);
    // an existing corrupt file is replaced only by a verified one
    fs.writeFileSync(dest, 'corrupt');
    await downloadFile([`${s.url}nope.bin`, `${s.url}f.bin`], dest, { md5: md5(body) });
    expect(md5(fs.readFileSync(dest))).toBe(md5(body));
  });

  it('reports an unreachable server', async () => {
    const port = await closedPort();
    const err = await downloadFile(`http://127.0.0.1:${port}/x`, path.join(tmpDir(), 'x')).catch((e) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect(err.message).toMatch(/fetch failed \(ECONNREFUSED\)/);
  });
});

/** FashionMNIST with the checksums of locally generated files. */
function fashionWithChecksums(files: Record<string, Uint8Array>) {
  return class LocalFashion extends FashionMNIST {
    static override readonly resources = FashionMNIST.resources.map((r) => ({
      ...r,
      gzMd5: md5(files[`${r.file}.gz`]),
    }));
  };
}

describe('dataset downloads from a mirror', () => {
  it('FashionMNIST.create downloads the four .gz files, verifies them and reads them', async () => {
    const train = mnistSplit(8, 28, 28, 2);
    const test = mnistSplit(4, 28, 28, 3);
    const files: Record<string, Uint8Array> = {
      'train-images-idx3-ubyte.gz': zlib.gzipSync(train.images),
      'train-labels-idx1-ubyte.gz': zlib.gzipSync(train.labels),
      't10k-images-idx3-ubyte.gz': zlib.gzipSync(test.images),
      't10k-labels-idx1-ubyte.gz': zlib.gzipSync(test.labels),
    };
    const s = await server(Object.fromEntries(Object.entries(files).map(([k, v]) => [`/fm/${k}`, v])));
    const Local = fashionWithChecksums(files);
    const root = tmpDir();
    const ds = await Local.create(root, { download: true, mirrors: [`http://127.0.0.1:1/`, `${s.url}fm/`] });
    expect(ds.length).toBe(8);
    expect(Array.from(ds.labels)).toEqual(Array.from(train.labelValues));
    expect(fs.readdirSync(path.join(root, 'LocalFashion', 'raw')).sort()).toEqual(Object.keys(files).sort());
    const ts = await Local.create(root, { train: false, download: true, mirrors: [`${s.url}fm/`] });
    expect(ts.length).toBe(4);
    expect(s.hits.length).toBe(4); // the second create found the files
    // the real checksums reject these files
    const err = await FashionMNIST.create(tmpDir(), { download: true, mirrors: [`${s.url}fm/`] }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(DatasetNotFoundError);
    expect(err.message).toMatch(
      /checksum mismatch: md5 [0-9a-f]{32}, expected 8d4fb7e6c68d591d4c3dfef9ec88bf0d/,
    );
  });

  it('offline, with no files: the error says where the files are expected and how to get them', async () => {
    const port = await closedPort();
    const root = tmpDir();
    const err = await FashionMNIST.create(root, {
      download: true,
      mirrors: [`http://127.0.0.1:${port}/`],
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetNotFoundError);
    expect(err.message).toContain(
      `FashionMNIST: dataset files not found in ${path.join(root, 'FashionMNIST', 'raw')}`,
    );
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).toContain(
      'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz',
    );
    expect(fs.readdirSync(path.join(root, 'FashionMNIST', 'raw'))).toEqual([]);
    const cerr = await CIFAR10.create(root, { download: true, mirrors: [`http://127.0.0.1:${port}/`] }).catch(
      (e) => e,
    );
    expect(cerr).toBeInstanceOf(DatasetNotFoundError);
    expect(cerr.message).toContain(`dataset files not found in ${path.join(root, 'cifar-10-batches-bin')}`);
    expect(cerr.message).toContain(
      'download https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz (md5 c32a1d4ab5d03f1284b67883e8d87530)',
    );
    // MNIST needs no network: the bundled copy
    const mnist = await MNIST.create(root, { download: true, mirrors: [`http://127.0.0.1:${port}/`] });
    expect(mnist.length).toBe(60000);
  });

  it('CIFAR10.create and CIFAR100.create download the archive, verify it and extract the data files', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let b = 1; b <= 5; b++)
      files[`cifar-10-batches-bin/data_batch_${b}.bin`] = cifarRecords(2, 1, b).file;
    files['cifar-10-batches-bin/test_batch.bin'] = cifarRecords(3, 1, 8).file;
    files['cifar-10-batches-bin/batches.meta.txt'] = Buffer.from('a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n');
    files['cifar-10-batches-bin/readme.html'] = Buffer.from('<html>');
    const archive = zlib.gzipSync(createTar(files));
    const tar100 = zlib.gzipSync(
      createTar({
        'cifar-100-binary/train.bin': cifarRecords(3, 2, 1).file,
        'cifar-100-binary/test.bin': cifarRecords(2, 2, 2).file,
      }),
    );
    const s = await server({
      '/kriz/cifar-10-binary.tar.gz': archive,
      '/kriz/cifar-100-binary.tar.gz': tar100,
    });
    class LocalCIFAR10 extends CIFAR10 {
      static override readonly archiveMd5 = md5(archive);
    }
    class LocalCIFAR100 extends CIFAR100 {
      static override readonly archiveMd5 = md5(tar100);
    }
    const root = tmpDir();
    const ds = await LocalCIFAR10.create(root, { download: true, mirrors: [`${s.url}kriz/`] });
    expect(ds.length).toBe(10);
    expect(ds.classes).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
    expect(fs.readdirSync(path.join(root, 'cifar-10-batches-bin')).sort()).toEqual([
      'batches.meta.txt',
      'data_batch_1.bin',
      'data_batch_2.bin',
      'data_batch_3.bin',
      'data_batch_4.bin',
      'data_batch_5.bin',
      'test_batch.bin',
    ]);
    expect(
      (await LocalCIFAR10.create(root, { train: false, download: true, mirrors: [`${s.url}kriz/`] })).length,
    ).toBe(3);
    expect((await LocalCIFAR100.create(root, { download: true, mirrors: [`${s.url}kriz/`] })).length).toBe(3);
    // the real checksum rejects this archive, and nothing half-written stays
    const other = tmpDir();
    const err = await CIFAR10.create(other, { download: true, mirrors: [`${s.url}kriz/`] }).catch((e) => e);
    expect(err.message).toMatch(/checksum mismatch/);
    expect(fs.readdirSync(other)).toEqual([]);
  });
});

describe('tar extraction', () => {
  it('extracts regular files atomically, skipping unsafe paths', async () => {
    const dir = tmpDir();
    const tar = createTar({
      'a/b.txt': Buffer.from('hello'),
      '../evil.txt': Buffer.from('x'),
      'c.bin': new Uint8Array(1000).fill(7),
    });
    fs.writeFileSync(path.join(dir, 'x.tar.gz'), zlib.gzipSync(tar));
    const out = path.join(dir, 'out');
    const written = await extractTar(path.join(dir, 'x.tar.gz'), out);
    expect(written.map((w) => path.relative(out, w)).sort()).toEqual(['a/b.txt', 'c.bin']);
    expect(fs.readFileSync(path.join(out, 'a', 'b.txt'), 'utf8')).toBe('hello');
    expect(fs.existsSync(path.join(dir, 'evil.txt'))).toBe(false);
  });

  it('names the archive when it is corrupt or truncated', async () => {
    const dir = tmpDir();
    const tar = createTar({ 'big.bin': new Uint8Array(5000).fill(1) });
    const gz = zlib.gzipSync(tar);
    fs.writeFileSync(path.join(dir, 't.tar.gz'), gz.subarray(0, gz.length - 20));
    await expect(extractTar(path.join(dir, 't.tar.gz'), path.join(dir, 'o1'))).rejects.toThrow(
      /t\.tar\.gz: truncated gzip data/,
    );
    fs.writeFileSync(path.join(dir, 'u.tar.gz'), tar);
    await expect(extractTar(path.join(dir, 'u.tar.gz'), path.join(dir, 'o2'))).rejects.toThrow(
      /u\.tar\.gz: bad gzip: the file does not start with the gzip magic number/,
    );
    const badHeader = Buffer.from(tar);
    badHeader[0] ^= 1;
    fs.writeFileSync(path.join(dir, 'v.tar'), badHeader);
    await expect(extractTar(path.join(dir, 'v.tar'), path.join(dir, 'o3'))).rejects.toThrow(
      DatasetFormatError,
    );
    await expect(extractTar(path.join(dir, 'v.tar'), path.join(dir, 'o3'))).rejects.toThrow(
      /v\.tar: corrupt tar archive \(bad header checksum\)/,
    );
    fs.writeFileSync(path.join(dir, 'w.tar'), tar.subarray(0, 512 + 1000));
    await expect(extractTar(path.join(dir, 'w.tar'), path.join(dir, 'o4'))).rejects.toThrow(
      /w\.tar: truncated tar archive/,
    );
    expect(fs.existsSync(path.join(dir, 'o4')) ? fs.readdirSync(path.join(dir, 'o4')) : []).toEqual([]);
  });
});
