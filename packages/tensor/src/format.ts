import type { TypedArray } from './dtype.js';
import type { Tensor } from './tensor.js';

/** PyTorch's print options (torch.set_printoptions defaults). */
export const printOptions = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 };

export function setPrintOptions(opts: Partial<typeof printOptions>): void {
  Object.assign(printOptions, opts);
}

/**
 * Python rounds an exact binary tie (0.03125 to 4 digits) to the even digit, where JavaScript's toFixed
 * and toExponential round it away from zero: this gives Python's digits.
 */
function halfEven(v: number, digits: number, fmt: (x: number, d: number) => string): string {
  const s = fmt(v, digits);
  const a = Math.abs(v);
  const [mant, exp] = fmt(a, digits + 1).split('e');
  if (!mant.endsWith('5')) return s;
  const exact = fmt(a, Math.min(100, digits + 30)).split('e')[0];
  if (!exact.startsWith(mant) || !/^0*$/.test(exact.slice(mant.length))) return s; // not exactly halfway
  const down = mant.slice(0, -1);
  if (Number(down.replace('.', '').slice(-1)) % 2 === 1) return s; // odd: rounding up gives the even digit
  return (
    (v < 0 ? '-' : '') +
    (down.endsWith('.') ? down.slice(0, -1) : down) +
    (exp === undefined ? '' : `e${exp}`)
  );
}

function fixed(v: number, precision: number): string {
  return halfEven(v, precision, (x, d) => x.toFixed(d));
}

/** Python's '{:.Ne}': two-digit exponent at least. */
function sci(v: number, precision: number): string {
  return halfEven(v, precision, (x, d) => x.toExponential(d)).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** A port of torch/_tensor_str.py's _Formatter: one width and mode for all values of a tensor. */
class Formatter {
  intMode = true;
  sciMode = false;
  maxWidth = 1;
  constructor(
    readonly floating: boolean,
    readonly isBool: boolean,
    values: ArrayLike<number>,
  ) {
    if (!floating) {
      for (let i = 0; i < values.length; i++)
        this.maxWidth = Math.max(this.maxWidth, this.plain(values[i]).length);
      return;
    }
    const finite: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isFinite(v) && v !== 0) finite.push(v);
    }
    if (finite.length === 0) return;
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (const v of finite) {
      const a = Math.abs(v);
      if (a < min) min = a;
      if (a > max) max = a;
      if (v !== Math.ceil(v)) this.intMode = false;
    }
    const p = printOptions.precision;
    if (this.intMode) {
      if (max / min > 1000 || max > 1e8) {
        this.sciMode = true;
        for (const v of finite) this.maxWidth = Math.max(this.maxWidth, sci(v, p).length);
      } else for (const v of finite) this.maxWidth = Math.max(this.maxWidth, v.toFixed(0).length + 1);
    } else if (max / min > 1000 || max > 1e8 || min < 1e-4) {
      this.sciMode = true;
      for (const v of finite) this.maxWidth = Math.max(this.maxWidth, sci(v, p).length);
    } else for (const v of finite) this.maxWidth = Math.max(this.maxWidth, fixed(v, p).length);
  }

  private plain(v: number): string {
    return this.isBool ? (v ? 'True' : 'False') : String(v);
  }

  format(v: number): string {
    let s: string;
    if (!this.floating) s = this.plain(v);
    else if (Number.isNaN(v)) s = 'nan';
    else if (!Number.isFinite(v)) s = v > 0 ? 'inf' : '-inf';
    else if (this.sciMode) s = sci(v, printOptions.precision);
    else if (this.intMode) s = `${v.toFixed(0)}.`;
    else s = fixed(v, printOptions.precision);
    if (Object.is(v, -0) && this.floating) s = `-${s}`;
    return s.padStart(this.maxWidth, ' ');
  }
}

/** Values the formatter sizes itself on: only the printed edge items when summarising. */
function summarized(data: TypedArray, shape: readonly number[], summarize: boolean): number[] {
  const { edgeitems } = printOptions;
  const out: number[] = [];
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const walk = (d: number, base: number) => {
    if (d === shape.length) {
      out.push(data[base]);
      return;
    }
    const n = shape[d];
    const idx =
      summarize && n > 2 * edgeitems ? [...range(0, edgeitems), ...range(n - edgeitems, n)] : range(0, n);
    for (const i of idx) walk(d + 1, base + i * strides[d]);
  };
  walk(0, 0);
  return out;
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}

function body(
  data: TypedArray,
  shape: readonly number[],
  base: number,
  indent: number,
  summarize: boolean,
  f: Formatter,
): string {
  const { edgeitems, linewidth } = printOptions;
  const dim = shape.length;
  if (dim === 0) return f.format(data[base]);
  const n = shape[0];
  const stride = shape.slice(1).reduce((a, b) => a * b, 1);
  const cut = summarize && n > 2 * edgeitems;
  if (dim === 1) {
    const elementLength = f.maxWidth + 2;
    const perLine = Math.max(1, Math.floor((linewidth - indent) / elementLength));
    const items = cut
      ? [
          ...range(0, edgeitems).map((i) => f.format(data[base + i])),
          ' ...',
          ...range(n - edgeitems, n).map((i) => f.format(data[base + i])),
        ]
      : range(0, n).map((i) => f.format(data[base + i]));
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
    return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
  }
  const sub = (i: number) => body(data, shape.slice(1), base + i * stride, indent + 1, summarize, f);
  const slices = cut
    ? [...range(0, edgeitems).map(sub), '...', ...range(n - edgeitems, n).map(sub)]
    : range(0, n).map(sub);
  return `[${slices.join(`,${'\n'.repeat(dim - 1)}${' '.repeat(indent + 1)}`)}]`;
}

function addSuffixes(str: string, suffixes: string[], indent: number): string {
  const parts = [str];
  let lastLineLen = str.length - str.lastIndexOf('\n') + 1;
  for (const s of suffixes) {
    if (lastLineLen + s.length + 2 > printOptions.linewidth) {
      parts.push(`,\n${' '.repeat(indent)}${s}`);
      lastLineLen = indent + s.length;
    } else {
      parts.push(`, ${s}`);
      lastLineLen += s.length + 2;
    }
  }
  parts.push(')');
  return parts.join('');
}

/** PyTorch's repr: tensor([[ 0.0633, -0.0402]], grad_fn=<AddmmBackward0>). data null: values unknown here. */
export function formatTensor(t: Tensor, data: TypedArray | null): string {
  const prefix = 'tensor(';
  const indent = prefix.length;
  const suffixes: string[] = [];
  if (t.device !== 'cpu') suffixes.push(`device='${t.device}'`);
  let str: string;
  if (data === null) {
    str = `<${t.numel()} values on ${t.device}: read with await t.format()>`;
  } else if (t.numel() === 0) {
    str = '[]';
    if (t.dim() !== 1) suffixes.push(`size=(${t.shape.join(', ')}${t.dim() === 1 ? ',' : ''})`);
  } else {
    const summarize = t.numel() > printOptions.threshold;
    const floating = t.dtype === 'float32' || t.dtype === 'float64';
    const f = new Formatter(floating, t.dtype === 'bool', summarized(data, t.shape, summarize));
    str = body(data, t.shape, 0, indent, summarize, f);
  }
  if (t.dtype === 'float64') suffixes.push('dtype=torch.float64');
  if (t.gradFn) suffixes.push(`grad_fn=<${t.gradFn.name()}>`);
  else if (t.requiresGrad) suffixes.push('requires_grad=True');
  return addSuffixes(prefix + str, suffixes, indent);
}
