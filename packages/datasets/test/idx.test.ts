import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DatasetFormatError } from '../src/errors.js';
import { encodeIdx, parseIdx, readIdxFile } from '../src/idx.js';
import { tmpDir } from './helpers.js';

describe('IDX', () => {
  it('round-trips every element type', () => {
    const cases = [
      ['uint8', [0, 1, 255, 7, 8, 9]],
      ['int8', [-128, -1, 0, 1, 127, 5]],
      ['int16', [-32768, -2, 0, 300, 32767, 1]],
      ['int32', [-(2 ** 31), -5, 0, 70000, 2 ** 31 - 1, 3]],
      ['float32', [1.5, -2.25, 0, 3.75, 1e10, -0.5]],
      ['float64', [Math.PI, -Math.E, 0, 1e-300, 1e300, 2]],
    ] as const;
    for (const [type, values] of cases) {
      const enc = encodeIdx(values, [2, 3], type);
      const dec = parseIdx(enc, 'x', { type });
      expect(dec.type).toBe(type);
      expect(dec.dims).toEqual([2, 3]);
      expect(Array.from(dec.data)).toEqual(type === 'float32' ? values.map(Math.fround) : [...values]);
    }
  });

  it('reads the header big-endian and views uint8 data without a copy', () => {
    const enc = encodeIdx([1, 2, 3, 4, 5, 6], [1, 2, 3]);
    expect(Array.from(enc.subarray(0, 16))).toEqual([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]);
    const dec = parseIdx(enc, 'x', { type: 'uint8', ndims: 3 });
    expect(dec.data.buffer).toBe(enc.buffer);
  });

  it('rejects a bad magic number, naming the file', () => {
    const enc = encodeIdx([1, 2, 3], [3]);
    enc[0] = 1;
    expect(() => parseIdx(enc, '/data/labels')).toThrow(DatasetFormatError);
    expect(() => parseIdx(enc, '/data/labels')).toThrow(
      /\/data\/labels: bad magic number 0x01000801: not an IDX file/,
    );
    const images = encodeIdx([1, 2, 3, 4], [1, 2, 2]);
    expect(() => parseIdx(images, 'imgs', { ndims: 1 })).toThrow(
      /imgs: bad magic number 0x00000803 \(expected 0x00000801: uint8, 1 dimension\)/,
    );
    const ints = encodeIdx([1, 2, 3], [3], 'int32');
    expect(() => parseIdx(ints, 'f', { type: 'uint8' })).toThrow(
      /f: bad magic number 0x00000c01 \(expected 0x00000801/,
    );
    const unknownType = encodeIdx([1], [1]);
    unknownType[2] = 0x0a;
    expect(() => parseIdx(unknownType, 'g')).toThrow(/g: bad magic number 0x00000a01: not an IDX file/);
  });

  it('rejects truncated and over-long files', () => {
    const enc = encodeIdx(new Uint8Array(12), [3, 2, 2]);
    expect(() => parseIdx(enc.subarray(0, enc.length - 1), 'f')).toThrow(
      /f: truncated: the header says 3x2x2 uint8 values \(28 bytes\), the file has 27 bytes/,
    );
    const longer = new Uint8Array(enc.length + 2);
    longer.set(enc);
    expect(() => parseIdx(longer, 'f')).toThrow(
      /f: wrong length: the header says 3x2x2 uint8 values \(28 bytes\), the file has 30 bytes/,
    );
    expect(() => parseIdx(enc.subarray(0, 10), 'f')).toThrow(
      /f: truncated IDX header: 10 bytes, the header needs 16/,
    );
    expect(() => parseIdx(enc.subarray(0, 2), 'f')).toThrow(/f: truncated IDX file: 2 bytes/);
  });

  it('reads raw and gzip files, and names the file on bad gzip', () => {
    const dir = tmpDir();
    const enc = encodeIdx([9, 8, 7], [3]);
    fs.writeFileSync(path.join(dir, 'a'), enc);
    fs.writeFileSync(path.join(dir, 'a.gz'), zlib.gzipSync(enc));
    expect(Array.from(readIdxFile(path.join(dir, 'a')).data)).toEqual([9, 8, 7]);
    expect(Array.from(readIdxFile(path.join(dir, 'a.gz')).data)).toEqual([9, 8, 7]);
    // a .gz that is not gzip
    fs.writeFileSync(path.join(dir, 'b.gz'), enc);
    expect(() => readIdxFile(path.join(dir, 'b.gz'))).toThrow(
      /b\.gz: bad gzip: the file does not start with the gzip magic number 1f 8b/,
    );
    // corrupt deflate data
    const bad = zlib.gzipSync(encodeIdx(new Uint8Array(1000).fill(3), [1000]));
    for (let i = 12; i < 30; i++) bad[i] ^= 0x5a;
    fs.writeFileSync(path.join(dir, 'c.gz'), bad);
    expect(() => readIdxFile(path.join(dir, 'c.gz'))).toThrow(
      new RegExp(`${path.join(dir, 'c.gz').replace(/[.]/g, '\\.')}: bad gzip`),
    );
    // truncated gzip
    const full = zlib.gzipSync(encodeIdx(new Uint8Array(1000).fill(3), [1000]));
    fs.writeFileSync(path.join(dir, 'd.gz'), full.subarray(0, full.length - 10));
    expect(() => readIdxFile(path.join(dir, 'd.gz'))).toThrow(
      /d\.gz: truncated gzip data: unexpected end of file/,
    );
    // file data is shared memory (for worker threads)
    expect(readIdxFile(path.join(dir, 'a')).data.buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});
