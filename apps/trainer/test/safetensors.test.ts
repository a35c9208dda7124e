import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  fromTypedArray,
  parse,
  readSafetensorsFile,
  type SafeDType,
  type SafeTensor,
  SafetensorsError,
  serializeToBuffer,
  typedArrayOf,
  writeSafetensorsFile,
} from '../src/checkpoint/safetensors.js';
import { tmpDir } from './helpers.js';

/** A file by hand: header JSON, then data bytes. */
function handMade(header: unknown, data: Uint8Array, headerLength?: number): Uint8Array {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function expectError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a SafetensorsError');
}

describe('safetensors', () => {
  const samples: [string, SafeTensor][] = [
    ['f64', fromTypedArray('F64', [2, 2], Float64Array.from([0.1, -2.5, 1e300, -0]))],
    ['f32', fromTypedArray('F32', [3], Float32Array.from([0.5, -1.25, Number.POSITIVE_INFINITY]))],
    ['i64', fromTypedArray('I64', [3], BigInt64Array.from([0n, -1n, 2n ** 40n]))],
    ['i32', fromTypedArray('I32', [2, 1], Int32Array.from([2 ** 31 - 1, -(2 ** 31)]))],
    ['i16', fromTypedArray('I16', [2], Int16Array.from([-32768, 7]))],
    ['i8', fromTypedArray('I8', [2], Int8Array.from([-128, 127]))],
    ['u8', fromTypedArray('U8', [4], Uint8Array.from([0, 1, 128, 255]))],
    ['bool', fromTypedArray('BOOL', [3], Uint8Array.from([1, 0, 1]))],
    ['scalar', fromTypedArray('F32', [], Float32Array.from([3.5]))],
    ['empty', fromTypedArray('F32', [0, 3], new Float32Array(0))],
  ];

  it('round-trips every dtype, shapes (scalar and empty included) and metadata', () => {
    const bytes = serializeToBuffer(samples, { format: 'pt', note: 'héllo' });
    const file = parse(bytes, 'mem');
    expect([...file.tensors.keys()]).toEqual(samples.map(([n]) => n));
    expect(file.metadata).toEqual({ format: 'pt', note: 'héllo' });
    for (const [name, t] of samples) {
      const back = file.tensors.get(name)!;
      expect(back.dtype).toBe(t.dtype);
      expect(back.shape).toEqual(t.shape);
      expect(Array.from(typedArrayOf(back) as ArrayLike<number | bigint>)).toEqual(
        Array.from(typedArrayOf(t) as ArrayLike<number | bigint>),
      );
    }
    expect(Object.is((typedArrayOf(file.tensors.get('f64')!) as Float64Array)[3], -0)).toBe(true);
  });

  it('lays out the bytes as the format says: u64 LE header size, padded JSON, contiguous data', () => {
    const bytes = serializeToBuffer(samples.slice(0, 2), { a: 'b' });
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header.__metadata__).toEqual({ a: 'b' });
    expect(header.f64).toEqual({ dtype: 'F64', shape: [2, 2], data_offsets: [0, 32] });
    expect(header.f32).toEqual({ dtype: 'F32', shape: [3], data_offsets: [32, 44] });
    expect(bytes.length).toBe(8 + n + 44);
    expect(new Float32Array(bytes.slice(8 + n + 32).buffer)[1]).toBe(-1.25);
  });

  it('decodes F16 and BF16 into float32', () => {
    const f16 = {
      dtype: 'F16' as SafeDType,
      shape: [4],
      data: new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x7c00, 0x0001]).buffer),
    };
    expect(Array.from(typedArrayOf(f16) as Float32Array)).toEqual([
      1,
      -2,
      Number.POSITIVE_INFINITY,
      2 ** -24,
    ]);
    const bf16 = {
      dtype: 'BF16' as SafeDType,
      shape: [2],
      data: new Uint8Array(new Uint16Array([0x3f80, 0xbe20]).buffer),
    };
    expect(Array.from(typedArrayOf(bf16) as Float32Array)).toEqual([1, -0.15625]);
  });

  it('writes atomically and reads back from disk', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'x.safetensors');
    writeSafetensorsFile(file, samples, { k: 'v' });
    writeSafetensorsFile(file, samples.slice(0, 1));
    expect(fs.readdirSync(dir)).toEqual(['x.safetensors']); // no temporary file left
    expect([...readSafetensorsFile(file).tensors.keys()]).toEqual(['f64']);
  });

  it('names the file and the problem: too short, bad header length, truncated data', () => {
    expectError(
      () => parse(new Uint8Array(5), 'a.safetensors'),
      /^a\.safetensors: .*5 bytes, fewer than the 8 bytes/,
    );
    const good = serializeToBuffer(samples);
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, 2n ** 62n, true);
    expectError(
      () => parse(huge, 'b.safetensors'),
      /^b\.safetensors: .*header length is 4611686018427387904 bytes but only/,
    );
    expectError(
      () => parse(good.subarray(0, good.length - 3), 'c.safetensors'),
      /^c\.safetensors: .*(go past the end of the data|truncated)/,
    );
    expectError(() => parse(good.subarray(0, 40), 'd.safetensors'), /^d\.safetensors: .*truncated/);
    expectError(() => readSafetensorsFile('/nonexistent/e.safetensors'), /e\.safetensors: no such file/);
  });

  it('rejects overlapping offsets, gaps, trailing bytes, wrong sizes and bad JSON', () => {
    const data = new Uint8Array(16);
    expectError(
      () =>
        parse(
          handMade(
            {
              a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
              b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
            },
            data.subarray(0, 12),
          ),
        ),
      /tensors 'a' \[0, 8\] and 'b' \[4, 12\] overlap/,
    );
    expectError(
      () => parse(handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, data)),
      /data bytes 0\.\.8 belong to no tensor/,
    );
    expectError(
      () => parse(handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, data)),
      /8 bytes of data after the last tensor/,
    );
    expectError(
      () => parse(handMade({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data.subarray(0, 8))),
      /tensor 'a': data_offsets \[0, 8\] hold 8 bytes, but F32 \[3\] needs 12 bytes/,
    );
    expectError(
      () => parse(handMade({ a: { dtype: 'Q7', shape: [2], data_offsets: [0, 8] } }, data.subarray(0, 8))),
      /tensor 'a': unknown dtype "Q7"/,
    );
    expectError(
      () => parse(handMade({ __metadata__: { n: 3 } }, new Uint8Array(0))),
      /__metadata__ entry 'n' is not a string/,
    );
    const notJson = handMade({}, new Uint8Array(0));
    notJson[8] = 0x5b; // '['... then '}'
    expectError(() => parse(notJson, 'f.safetensors'), /^f\.safetensors: the header is not valid JSON/);
  });
});
