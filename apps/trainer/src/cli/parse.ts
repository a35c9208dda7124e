import { UsageError } from '../errors.js';
import { COMMANDS, type Command, findOption, OPTIONS, type OptionSpec } from './options.js';

export type OptionValue = string | number | boolean;
/** Option values by key (`batchSize`, not `batch-size`). */
export type OptionValues = Record<string, OptionValue>;

export interface ParsedArgs {
  command: Command;
  /** Whether the command was named (`train`) rather than implied. */
  explicitCommand: boolean;
  positionals: string[];
  values: OptionValues;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/** The closest of `candidates` to `word`, when it is close enough to be a likely typo. */
export function suggest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const dist = distance(word, c);
    if (dist < bestD) {
      bestD = dist;
      best = c;
    }
  }
  if (best === null) return null;
  return bestD <= Math.max(1, Math.floor(best.length / 3)) || best.startsWith(word) ? best : null;
}

/**
 * A value given for an option (from the command line as a string, or from a JSON config file), checked
 * and converted. `where` says where it came from, for the message.
 */
export function convertValue(spec: OptionSpec, raw: unknown, where: string): OptionValue {
  const label = `${where}--${spec.name}`;
  switch (spec.type) {
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1' || raw === 'yes') return true;
      if (raw === 'false' || raw === '0' || raw === 'no') return false;
      throw new UsageError(`${label} expects true or false, got ${JSON.stringify(raw)}`);
    }
    case 'string': {
      if (typeof raw !== 'string' || raw === '') {
        throw new UsageError(`${label} expects a non-empty string, got ${JSON.stringify(raw)}`);
      }
      return raw;
    }
    case 'choice': {
      const s = String(raw);
      if (typeof raw !== 'string' || !spec.choices!.includes(s)) {
        const hint = typeof raw === 'string' ? suggest(s, spec.choices!) : null;
        throw new UsageError(
          `${label}: unknown ${spec.name} ${JSON.stringify(raw)}; choose one of: ${spec.choices!.join(', ')}` +
            (hint ? ` (did you mean ${hint}?)` : ''),
        );
      }
      return s;
    }
    case 'int':
    case 'number': {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && raw.trim() !== ''
            ? Number(raw)
            : Number.NaN;
      const what = spec.type === 'int' ? 'an integer' : 'a number';
      if (!Number.isFinite(n) || (spec.type === 'int' && !Number.isSafeInteger(n))) {
        throw new UsageError(`${label} expects ${what}, got ${JSON.stringify(raw)}`);
      }
      if (spec.min !== undefined) {
        const ok = spec.minInclusive === false ? n > spec.min : n >= spec.min;
        if (!ok) {
          throw new UsageError(
            `${label} expects ${what} ${spec.minInclusive === false ? 'greater than' : 'of at least'} ${spec.min}, got ${n}`,
          );
        }
      }
      return n;
    }
  }
}

function unknownOption(flag: string): UsageError {
  const names = OPTIONS.map((o) => o.name);
  const hint = suggest(flag.replace(/^-+/, '').replace(/^no-/, ''), names);
  return new UsageError(
    `unknown option ${flag}${hint ? ` (did you mean --${hint}?)` : ''}; run with --help to list the options`,
  );
}

/**
 * Parses `[command] [--option value | --option=value | --flag | --no-flag | positional]...`. The command
 * is train when not given. Options the command does not take are an error.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  let command: Command = 'train';
  let explicitCommand = false;
  const positionals: string[] = [];
  const values: OptionValues = {};
  let i = 0;
  if (argv.length > 0 && (COMMANDS as readonly string[]).includes(argv[0])) {
    command = argv[0] as Command;
    explicitCommand = true;
    i = 1;
  } else if (argv[0] === 'help') {
    return { command, explicitCommand: false, positionals: [], values: { help: true } };
  }
  let onlyPositionals = false;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (onlyPositionals || !arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    if (arg === '-h') {
      values.help = true;
      continue;
    }
    if (!arg.startsWith('--')) throw unknownOption(arg);
    const eq = arg.indexOf('=');
    let name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let inline: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    let spec = OPTIONS.find((o) => o.name === name);
    if (!spec && name.startsWith('no-')) {
      const positive = OPTIONS.find((o) => o.name === name.slice(3));
      if (positive?.type === 'boolean' && inline === undefined) {
        spec = positive;
        name = positive.name;
        inline = 'false';
      }
    }
    if (!spec) throw unknownOption(eq >= 0 ? arg.slice(0, eq) : arg);
    let raw: string;
    if (inline !== undefined) raw = inline;
    else if (spec.type === 'boolean') raw = 'true';
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new UsageError(`option --${name} needs a value (--${name} ${spec.arg ?? 'VALUE'})`);
      }
      raw = next;
      i++;
    }
    if (!spec.commands.includes(command)) {
      throw new UsageError(
        `option --${name} does not apply to the ${command} command (it is for: ${spec.commands.join(', ')})`,
      );
    }
    values[spec.key] = convertValue(spec, raw, '');
  }
  return { command, explicitCommand, positionals, values };
}

/** The option spec of a config-file key, accepting `batch-size` and `batchSize`. */
export function optionForKey(key: string): OptionSpec | undefined {
  return findOption(key);
}
