/**
 * The safetensors format (https://github.com/huggingface/safetensors), read and written without a
 * dependency: an 8-byte little-endian header length N, N bytes of JSON header (padded with spaces to a
 * multiple of 8), then the raw little-endian tensor data. The header maps each tensor name to
 * `{dtype, shape, data_offsets: [begin, end]}` (offsets into the data section) and may hold a
 * `__metadata__` map of strings to strings.
 *
 * This module works on bytes (`SafeTensor.data` is the little-endian byte image of one tensor); the
 * conversion to Torchlet tensors lives in `tensors.ts`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { writeFileAtomic } from './atomic.js';

/** The element types of the format. Torchlet reads all of them; it writes F32, F64, I32, I64, BOOL and U8. */
export type SafeDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const ITEM_SIZE: Readonly<Record<SafeDType, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** One tensor: its element type, shape and little-endian bytes. */
export interface SafeTensor {
  dtype: SafeDType;
  shape: number[];
  data: Uint8Array;
}

export interface SafetensorsFile {
  /** Tensors in the order of the header. */
  tensors: Map<string, SafeTensor>;
  /** The `__metadata__` map (empty when absent). */
  metadata: Record<string, string>;
}

/** A file that is not valid safetensors; the message names the file and what is wrong. */
export class SafetensorsError extends Error {
  constructor(
    readonly source: string,
    detail: string,
  ) {
    super(`${source}: ${detail}`);
    this.name = 'SafetensorsError';
  }
}

/** Headers larger than this are refused (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

const LITTLE_ENDIAN = os.endianness() === 'LE';

export function numelOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function isDType(v: unknown): v is SafeDType {
  return typeof v === 'string' && Object.hasOwn(ITEM_SIZE, v);
}

/** Reverses the bytes of each element in place (big-endian hosts only). */
function swapBytes(bytes: Uint8Array, itemSize: number): void {
  if (itemSize === 1) return;
  for (let i = 0; i < bytes.length; i += itemSize) {
    for (let a = i, b = i + itemSize - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

type NumericArray =
  | Float64Array
  | Float32Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Uint16Array;

/** A typed array's elements as little-endian bytes (a copy). */
export function toLittleEndianBytes(array: NumericArray, itemSize: number): Uint8Array {
  const bytes = new Uint8Array(array.buffer.slice(array.byteOffset, array.byteOffset + array.byteLength));
  if (!LITTLE_ENDIAN) swapBytes(bytes, itemSize);
  return bytes;
}

/** Little-endian bytes as an aligned, host-order copy. */
function hostBytes(t: SafeTensor): ArrayBuffer {
  // a copy into a fresh buffer (a Node Buffer's slice() would share memory, and its offset may be unaligned)
  const copy = new Uint8Array(t.data);
  if (!LITTLE_ENDIAN) swapBytes(copy, ITEM_SIZE[t.dtype]);
  return copy.buffer;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/**
 * The tensor's values as a typed array in its own type: F64 -> Float64Array, F32 -> Float32Array,
 * F16/BF16 -> Float32Array (widened exactly), I64 -> BigInt64Array, I32 -> Int32Array, I16 ->
 * Int16Array, I8 -> Int8Array, U8 and BOOL -> Uint8Array.
 */
export function typedArrayOf(t: SafeTensor): NumericArray {
  const buf = hostBytes(t);
  switch (t.dtype) {
    case 'F64':
      return new Float64Array(buf);
    case 'F32':
      return new Float32Array(buf);
    case 'I64':
      return new BigInt64Array(buf);
    case 'I32':
      return new Int32Array(buf);
    case 'I16':
      return new Int16Array(buf);
    case 'I8':
      return new Int8Array(buf);
    case 'U8':
    case 'BOOL':
      return new Uint8Array(buf);
    case 'F16': {
      const h = new Uint16Array(buf);
      const out = new Float32Array(h.length);
      for (let i = 0; i < h.length; i++) out[i] = halfToFloat(h[i]);
      return out;
    }
    case 'BF16': {
      const h = new Uint16Array(buf);
      const out = new Float32Array(h.length);
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < h.length; i++) u[i] = h[i] << 16;
      return out;
    }
  }
}

/** A SafeTensor from a typed array (F32, F64, I32, I64, I16, I8, U8 or BOOL). */
export function fromTypedArray(dtype: SafeDType, shape: readonly number[], array: NumericArray): SafeTensor {
  if (dtype === 'F16' || dtype === 'BF16') throw new Error(`safetensors: writing ${dtype} is not supported`);
  const n = numelOf(shape);
  if (array.length !== n) {
    throw new Error(`safetensors: shape [${shape.join(', ')}] needs ${n} elements, got ${array.length}`);
  }
  if (array.BYTES_PER_ELEMENT !== ITEM_SIZE[dtype]) {
    throw new Error(`safetensors: a ${array.constructor.name} cannot hold ${dtype} elements`);
  }
  const data = toLittleEndianBytes(array, ITEM_SIZE[dtype]);
  if (dtype === 'BOOL') for (let i = 0; i < data.length; i++) data[i] = data[i] ? 1 : 0;
  return { dtype, shape: [...shape], data };
}

/**
 * The bytes of a safetensors file: [8-byte header length, header, data] (three chunks, so a large
 * model is not copied into one buffer). Tensors are stored in the order given.
 */
export function serialize(
  tensors: Iterable<[string, SafeTensor]>,
  metadata: Record<string, string> = {},
): Uint8Array[] {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`safetensors: metadata value of '${k}' must be a string`);
    }
    header.__metadata__ = metadata;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new Error("safetensors: '__metadata__' cannot name a tensor");
    if (Object.hasOwn(header, name)) throw new Error(`safetensors: tensor '${name}' is given twice`);
    const expected = numelOf(t.shape) * ITEM_SIZE[t.dtype];
    if (t.data.length !== expected) {
      throw new Error(
        `safetensors: tensor '${name}' (${t.dtype} [${t.shape.join(', ')}]) needs ${expected} bytes, got ${t.data.length}`,
      );
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.length] };
    chunks.push(t.data);
    offset += t.data.length;
  }
  let json = JSON.stringify(header);
  const raw = new TextEncoder().encode(json);
  const padded = Math.ceil(raw.length / 8) * 8;
  json += ' '.repeat(padded - raw.length);
  const headerBytes = new TextEncoder().encode(json);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  return [prefix, headerBytes, ...chunks];
}

/** serialize() as one buffer (a plain Uint8Array). */
export function serializeToBuffer(
  tensors: Iterable<[string, SafeTensor]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const chunks = serialize(tensors, metadata);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function describeBytes(n: number): string {
  return `${n} byte${n === 1 ? '' : 's'}`;
}

/**
 * Parses a safetensors file held in memory and checks it: the header length, the JSON, every entry's
 * dtype, shape and offsets (inside the data, matching the size of the shape, not overlapping, with no
 * byte left over). `source` (the file name) starts every error message.
 */
export function parse(bytes: Uint8Array, source = '<buffer>'): SafetensorsFile {
  const fail = (detail: string): never => {
    throw new SafetensorsError(source, detail);
  };
  if (bytes.length < 8) {
    fail(
      `not a safetensors file: it has ${describeBytes(bytes.length)}, fewer than the 8 bytes of the header length (the file is truncated or empty)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  const available = bytes.length - 8;
  if (n64 > BigInt(available)) {
    fail(
      `not a valid safetensors file: the header length is ${n64} bytes but only ${describeBytes(available)} follow (the file is truncated, or not a safetensors file)`,
    );
  }
  const n = Number(n64);
  if (n < 2)
    fail(`not a valid safetensors file: the header length is ${n} bytes, too short for a JSON header`);
  if (n > MAX_HEADER_BYTES)
    fail(`the header length is ${n} bytes, more than the limit of ${MAX_HEADER_BYTES}`);
  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
    header = JSON.parse(text);
  } catch (e) {
    fail(
      `the header is not valid JSON (${(e as Error).message}): the file is corrupt or not a safetensors file`,
    );
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    fail('the header is not a JSON object');
  }
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafeDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        fail('__metadata__ must be a map of strings to strings');
      }
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__ entry '${k}' is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const e = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (e === null || typeof e !== 'object') fail(`tensor '${name}': its header entry is not an object`);
    const entry = e as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!isDType(entry.dtype)) {
      fail(
        `tensor '${name}': unknown dtype ${JSON.stringify(entry.dtype)} (known: ${Object.keys(ITEM_SIZE).join(', ')})`,
      );
    }
    const dtype = entry.dtype as SafeDType;
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor '${name}': shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    }
    const offsets = entry.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      fail(
        `tensor '${name}': data_offsets ${JSON.stringify(offsets)} is not a pair [begin, end] with begin <= end`,
      );
    }
    const [begin, end] = offsets as [number, number];
    const needed = numelOf(shape as number[]) * ITEM_SIZE[dtype];
    if (end - begin !== needed) {
      fail(
        `tensor '${name}': data_offsets [${begin}, ${end}] hold ${describeBytes(end - begin)}, but ${dtype} [${(shape as number[]).join(', ')}] needs ${describeBytes(needed)}`,
      );
    }
    if (end > dataLength) {
      fail(
        `tensor '${name}': data_offsets [${begin}, ${end}] go past the end of the data (${describeBytes(dataLength)}): the file is truncated`,
      );
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (let i = 0; i < sorted.length; i++) {
    const cur = sorted[i];
    if (i > 0 && cur.begin < sorted[i - 1].end) {
      const prev = sorted[i - 1];
      fail(
        `tensors '${prev.name}' [${prev.begin}, ${prev.end}] and '${cur.name}' [${cur.begin}, ${cur.end}] overlap`,
      );
    }
    if (cur.begin > covered)
      fail(`data bytes ${covered}..${cur.begin} belong to no tensor (a gap before '${cur.name}')`);
    covered = cur.end;
  }
  if (covered !== dataLength) {
    fail(
      `${describeBytes(dataLength - covered)} of data after the last tensor belong to no tensor (the file is corrupt)`,
    );
  }
  const tensors = new Map<string, SafeTensor>();
  for (const e of entries) {
    tensors.set(e.name, {
      dtype: e.dtype,
      shape: e.shape,
      data: bytes.subarray(dataStart + e.begin, dataStart + e.end),
    });
  }
  return { tensors, metadata };
}

/** Reads and checks a safetensors file. */
export function readSafetensorsFile(file: string): SafetensorsFile {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SafetensorsError(file, code === 'ENOENT' ? 'no such file' : (e as Error).message);
  }
  return parse(bytes, file);
}

/** Writes a safetensors file atomically (a temporary file in the same folder, fsync, rename). */
export function writeSafetensorsFile(
  file: string,
  tensors: Iterable<[string, SafeTensor]>,
  metadata: Record<string, string> = {},
): void {
  writeFileAtomic(file, serialize(tensors, metadata));
}
