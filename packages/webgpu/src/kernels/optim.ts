/**
 * Fused optimizer updates (Backend.sgdStep / adamStep and their multi-tensor forms sgdSteps /
 * adamSteps): one thread per element computes what the tensor package's sequence of single ops
 * computes, in the same order and in float32 with float32 scalars, as the single-op kernels do. A
 * multi-tensor dispatch binds the operands of several small parameters (as many as the adapter's
 * maxStorageBuffersPerShaderStage allows), each taking whole workgroups: a workgroup finds its
 * parameter from the first-workgroup table in the uniforms, loads its operands through a switch,
 * updates them and stores them back. Large parameters get a dispatch each (see OWN_DISPATCH).
 */
import type { AdamStepConsts, AdamStepItem, SgdStepConsts, SgdStepItem, TensorView } from '@torchlet/tensor';
import type { Engine } from '../engine.js';
import { Launch } from './launch.js';
import { lib } from './math.js';
import { grid, header, MAIN_ARGS, numel, pf, pu, WG } from './wgsl.js';

/** One parameter's operands, in the kernel's order (null: absent). */
type Operands = readonly (TensorView | null)[];

/** Which operands the update writes (the others are read only). */
interface Rule {
  readonly op: string;
  readonly names: readonly string[];
  readonly written: ReadonlySet<string>;
  /** Compile-time variant, part of the pipeline key. */
  readonly variant: string;
  /** Uniform scalar values, in order, read in `body` as c0, c1, ... */
  readonly scalars: readonly number[];
  /** WGSL updating the locals named after the operands (f32), using c0, c1, ... */
  readonly body: string;
  readonly lib: readonly string[];
}

const SQRT = 'select(select(sqrt(x), nanf(), x < 0.0), x, x == 0.0 || isnanf(x))';

/** `t + alpha * d` as the sequence computes it: an add or a sub for ±1, else a product first. */
function addScaled(t: string, d: string, alpha: number, c: string): string {
  return alpha === 1 ? `${t} + ${d}` : alpha === -1 ? `${t} - ${d}` : `${t} + ${d} * ${c}`;
}

function sgdRule(c: SgdStepConsts, momentum: boolean): Rule {
  const wd = c.weightDecay !== 0;
  const lines: string[] = ['var d = g;'];
  // c0 weightDecay, c1 momentum, c2 alpha, c3 lr
  if (wd) lines.push(`{ let t = p * c0; d = ${c.maximize ? 't - d' : 't + d'}; }`);
  lines.push('var u = d;');
  if (momentum) {
    lines.push('var bb = buf * c1;');
    lines.push(`bb = ${addScaled('bb', 'd', c.alpha, 'c2')};`);
    lines.push('buf = bb;');
    lines.push('u = bb;');
  }
  lines.push('let s = u * c3;');
  lines.push(c.negate ? 'p = p + s;' : 'p = p - s;');
  const alphaKind = c.alpha === 1 ? '+' : c.alpha === -1 ? '-' : '*';
  return {
    op: 'sgdStep',
    names: momentum ? ['p', 'g', 'buf'] : ['p', 'g'],
    written: new Set(['p', 'buf']),
    variant: `${wd ? 'wd' : ''}${c.maximize ? 'max' : ''}${momentum ? `mom${alphaKind}` : ''}${c.negate ? 'neg' : ''}`,
    scalars: [c.weightDecay, c.momentum, c.alpha, c.lr],
    body: lines.join('\n    '),
    lib: [],
  };
}

function adamRule(c: AdamStepConsts, amsgrad: boolean): Rule {
  // c0 decay, c1 weightDecay, c2 beta1, c3 alpha1, c4 beta2, c5 value2, c6 bc2sqrt, c7 eps, c8 stepSize
  const lines: string[] = [];
  if (c.decay !== 1) lines.push('p = p * c0;');
  lines.push('var d = g;');
  if (c.l2) lines.push(`{ let t = p * c1; d = ${c.maximize ? 't - d' : 't + d'}; }`);
  lines.push('var mm = m * c2;');
  lines.push(`mm = ${addScaled('mm', 'd', c.alpha1, 'c3')};`);
  lines.push('m = mm;');
  lines.push(`var sq = d * d;${c.value2 !== 1 ? ' sq = sq * c5;' : ''}`);
  lines.push('let vv = (v * c4) + sq;');
  lines.push('v = vv;');
  lines.push('var second = vv;');
  if (amsgrad) {
    lines.push('second = maxf(vmax, vv);');
    lines.push('vmax = second;');
  }
  lines.push(`var den: f32; { let x = second; den = ${SQRT}; }`);
  lines.push('den = den / c6;');
  lines.push('den = den + c7;');
  lines.push('let upd = (mm / den) * c8;');
  lines.push('p = p - upd;');
  const alphaKind = c.alpha1 === 1 ? '+' : c.alpha1 === -1 ? '-' : '*';
  return {
    op: 'adamStep',
    names: amsgrad ? ['p', 'g', 'm', 'v', 'vmax'] : ['p', 'g', 'm', 'v'],
    written: new Set(['p', 'm', 'v', 'vmax']),
    variant: `${c.decay !== 1 ? 'decay' : ''}${c.l2 ? 'l2' : ''}${c.maximize ? 'max' : ''}${alphaKind}${c.value2 !== 1 ? 'v2' : ''}${amsgrad ? 'ams' : ''}`,
    scalars: [c.decay, c.weightDecay, c.beta1, c.alpha1, c.beta2, c.value2, c.bc2sqrt, c.eps, c.stepSize],
    body: lines.join('\n    '),
    lib: ['consts', ...(amsgrad ? ['maxf'] : [])],
  };
}

/** One dispatch updating `items` (each a list of operand views in rule order). */
function launch(engine: Engine, rule: Rule, items: readonly Operands[]): void {
  const sizes = items.map((ops) => numel(ops[0]!.shape));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total === 0) return;
  const l = new Launch(engine, rule.op);
  // every operand is read; the written ones are bound read_write
  const binds: string[][] = items.map((ops) =>
    rule.names.map((name, k) => {
      if (rule.written.has(name)) l.bind(ops[k]!, 'write');
      return l.bind(ops[k]!, 'read');
    }),
  );
  const p = l.params;
  const scalarIdx = rule.scalars.map((v) => p.f(v));
  // each parameter takes whole workgroups, so that every workgroup updates one parameter (k is
  // uniform in it: the switches below branch once per workgroup, not per thread)
  const firstGroup: number[] = [];
  const sizeIdx = sizes.map((n) => p.u(n));
  let groups = 0;
  for (const n of sizes) {
    firstGroup.push(p.u(groups));
    groups += Math.ceil(n / WG);
  }
  const iGroups = p.u(groups);
  const offsets = items.map((ops) => ops.map((v) => p.u(v!.offset)));
  const code = () => {
    const find: string[] = [];
    for (let k = 1; k < items.length; k++) find.push(`if (w >= ${pu(firstGroup[k])}) { k = ${k}u; }`);
    const firsts = firstGroup.map((i) => pu(i)).join(', ');
    const counts = sizeIdx.map((i) => pu(i)).join(', ');
    const loads: string[] = [];
    const stores: string[] = [];
    items.forEach((_, k) => {
      const at = (q: number) => `${binds[k][q]}[${pu(offsets[k][q])} + j]`;
      loads.push(rule.names.map((name, q) => `${name} = ${at(q)};`).join(' '));
      stores.push(
        rule.names.map((name, q) => (rule.written.has(name) ? `${at(q)} = ${name};` : '')).join(' '),
      );
    });
    // the statements of parameter k: a switch when the dispatch has several
    const pick = (cases: string[]) =>
      cases.length === 1
        ? cases[0]
        : `switch k {\n    ${cases.map((c, k) => `case ${k}u: { ${c} }`).join('\n    ')}\n    default: {}\n  }`;
    return `${header(l.decls(), p.length)}
${lib(rule.lib)}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let w = wid.y * nwg.x + wid.x;
  if (w >= ${pu(iGroups)}) { return; }
  var k = 0u;
  ${find.join('\n  ')}
  let firsts = array<u32, ${items.length}>(${firsts});
  let counts = array<u32, ${items.length}>(${counts});
  let j = (w - firsts[k]) * ${WG}u + lid.x;
  if (j >= counts[k]) { return; }
  ${rule.scalars.map((_, q) => `let c${q} = ${pf(scalarIdx[q])};`).join('\n  ')}
  ${rule.names.map((name) => `var ${name}: f32;`).join(' ')}
  ${pick(loads)}
  {
    ${rule.body}
  }
  ${pick(stores)}
}`;
  };
  l.run(`${rule.op}|${rule.variant}|${items.length}`, code, grid(groups * WG));
}

/** Parameters per dispatch: the adapter's storage-buffer bindings over the operands per parameter. */
function perDispatch(engine: Engine, operands: number): number {
  return Math.max(1, Math.floor(engine.limits.maxStorageBuffersPerShaderStage / operands));
}

/**
 * Parameters of at least this many elements get a dispatch of their own: there the dispatch costs
 * little beside the work, and a kernel that selects its operands per parameter runs slower on
 * SwiftShader (about 4x per element). Smaller ones, whose dispatches would cost more than their work,
 * share dispatches.
 */
const OWN_DISPATCH = 4096;

function run(engine: Engine, rule: Rule, items: readonly Operands[]): void {
  const size = (ops: Operands) => numel(ops[0]!.shape);
  const small = items.filter((ops) => size(ops) < OWN_DISPATCH);
  for (const ops of items) if (size(ops) >= OWN_DISPATCH) launch(engine, rule, [ops]);
  const step = perDispatch(engine, rule.names.length);
  for (let i = 0; i < small.length; i += step) launch(engine, rule, small.slice(i, i + step));
}

export function sgdStepsKernel(engine: Engine, items: readonly SgdStepItem[], c: SgdStepConsts): void {
  const momentum = c.momentum !== 0;
  run(
    engine,
    sgdRule(c, momentum),
    items.map((it) => (momentum ? [it.p, it.g, it.buf] : [it.p, it.g])),
  );
}

export function adamStepsKernel(engine: Engine, items: readonly AdamStepItem[], c: AdamStepConsts): void {
  const amsgrad = items.length > 0 && items[0].vmax !== null;
  run(
    engine,
    adamRule(c, amsgrad),
    items.map((it) => (amsgrad ? [it.p, it.g, it.m, it.v, it.vmax] : [it.p, it.g, it.m, it.v])),
  );
}
