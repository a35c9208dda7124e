import * as fs from 'node:fs';
import * as path from 'node:path';
import { noGrad } from '@torchlet/autograd';
import { IMG_EXTENSIONS, loadImage, materialize, transforms as T } from '@torchlet/datasets';
import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { runSwitches } from '../cli/config.js';
import { gatherOptions } from '../cli/gather.js';
import type { ParsedArgs } from '../cli/parse.js';
import { transformFor } from '../data/datasets.js';
import { resolveDevice } from '../device.js';
import { CliError, UsageError } from '../errors.js';
import type { RunIO } from '../io.js';
import { outputMode, Reporter } from '../report/reporter.js';
import { loadModelForInference } from './common.js';

/** The image files named: files as given, folders' images (sorted, not recursive). */
export function imageFiles(inputs: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of inputs) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      throw new CliError(`predict: ${p}: no such file or folder`);
    }
    if (stat.isDirectory()) {
      const found = fs
        .readdirSync(p)
        .filter((f) => IMG_EXTENSIONS.includes(path.extname(f).toLowerCase()))
        .sort()
        .map((f) => path.join(p, f));
      if (found.length === 0)
        throw new CliError(`predict: ${p} holds no image (${IMG_EXTENSIONS.join(', ')})`);
      out.push(...found);
    } else out.push(p);
  }
  return out;
}

/**
 * `predict FILE IMAGE_OR_FOLDER...`: decodes each image with sharp (as the dataset's channels, resized to
 * its size), normalises it as in training and prints the class probabilities.
 */
export async function predictCommand(args: ParsedArgs, io: RunIO): Promise<number> {
  const [weights, ...inputs] = args.positionals;
  if (weights && inputs.length === 0) {
    throw new UsageError('predict needs images: predict runs/<run>/model.safetensors IMAGE_OR_FOLDER...');
  }
  const given = gatherOptions(args);
  const sw = runSwitches(given);
  const reporter = new Reporter(io, outputMode(io, sw), sw.quiet);
  const device = await resolveDevice((given.device as 'auto' | 'cpu' | 'webgpu' | undefined) ?? 'auto');
  const { model, entry, info, classes } = loadModelForInference('predict', weights, given, device.device);
  const files = imageFiles(inputs);
  const { channels, height, width } = info.input;
  const resize = new T.Resize([height, width]);
  const transform = transformFor(info, false);
  for (const file of files) {
    const img = await loadImage(file, channels as 1 | 3);
    const sized = img.width === width && img.height === height ? img : resize.apply(img);
    const input = materialize(await transform.apply(sized), device.device) as Tensor;
    const probs = noGrad(() =>
      torch.tidy(() => {
        const out = model.call(input.unsqueeze(0));
        return entry.outputsLogProbs ? out.exp() : out.softmax(1);
      }),
    );
    const p = Array.from(await probs.data(), Number);
    torch.dispose(probs, input);
    let best = 0;
    for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
    reporter.event({
      event: 'prediction',
      file,
      predicted: best,
      label: classes[best],
      probability: p[best],
      probabilities: Object.fromEntries(classes.map((c, i) => [c, p[i]])),
    });
    const ranked = p
      .map((v, i) => [v, i] as const)
      .sort((a, b) => b[0] - a[0])
      .map(([v, i]) => `${classes[i]} ${(100 * v).toFixed(1)}%`);
    reporter.say(`${file}: ${classes[best]} (${(100 * p[best]).toFixed(1)}%)`);
    reporter.detail(`  ${ranked.join('  ')}`);
  }
  return 0;
}
