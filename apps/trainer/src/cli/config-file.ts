import * as fs from 'node:fs';
import { UsageError } from '../errors.js';
import type { Command } from './options.js';
import { OPTIONS } from './options.js';
import { convertValue, type OptionValues, optionForKey, suggest } from './parse.js';

/**
 * Reads a `--config` JSON file: an object whose keys are option names (`batch-size` or `batchSize`)
 * and whose values are what the option takes (`"epochs": 3`, `"augment": true`). A run folder's
 * config.json is such a file. Unknown keys and bad values are errors naming the file.
 */
export function readConfigFile(file: string, command: Command): OptionValues {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`--config ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--config ${file}: not valid JSON (${(e as Error).message})`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError(
      `--config ${file}: expected a JSON object of options, like {"model": "lenet5", "epochs": 3}`,
    );
  }
  const values: OptionValues = {};
  for (const [key, raw] of Object.entries(data as Record<string, unknown>)) {
    const spec = optionForKey(key);
    if (!spec || spec.key === 'config' || spec.key === 'help') {
      const hint = suggest(
        key,
        OPTIONS.map((o) => o.name),
      );
      throw new UsageError(
        `--config ${file}: unknown option "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
      );
    }
    if (raw === null) continue;
    if (!spec.commands.includes(command)) continue; // a training config.json is fine for eval
    values[spec.key] = convertValue(spec, raw, `--config ${file}: `);
  }
  return values;
}
