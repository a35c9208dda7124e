import { MODELS } from '../models/registry.js';
import { lrText } from '../report/format.js';
import { type Command, OPTIONS } from './options.js';

const WIDTH = 100;
const COL = 24;

function wrap(text: string, indent: number, width = WIDTH): string[] {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && indent + line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines;
}

function optionLines(command: Command | undefined): string[] {
  const out: string[] = [];
  for (const o of OPTIONS) {
    if (command && !o.commands.includes(command)) continue;
    const flag = `  --${o.name}${o.arg ? ` ${o.arg}` : ''}`;
    let help = o.help;
    if (o.defaultText) help += ` [default: ${o.defaultText}]`;
    if (!command && o.commands.length < 3) help += ` (${o.commands.join(', ')} only)`;
    const body = wrap(help, COL);
    if (flag.length < COL - 1) {
      out.push(flag.padEnd(COL) + body[0]);
      for (const l of body.slice(1)) out.push(' '.repeat(COL) + l);
    } else {
      out.push(flag);
      for (const l of body) out.push(' '.repeat(COL) + l);
    }
  }
  return out;
}

function modelLines(): string[] {
  const out: string[] = [];
  for (const m of MODELS) {
    const r = m.recipe;
    const recipe =
      `${r.optimizer} lr ${lrText(r.lr)}` +
      (r.momentum ? ` momentum ${r.momentum}` : '') +
      (r.weightDecay ? ` wd ${r.weightDecay}` : '') +
      `, batch ${r.batchSize}, ${r.epochs} epoch${r.epochs > 1 ? 's' : ''}, ${r.loss}` +
      (r.scheduler && r.scheduler !== 'none' ? `, ${r.scheduler} schedule` : '') +
      (r.augment ? ', augment' : '');
    const head = `  ${m.name}`.padEnd(COL);
    const body = wrap(`(${m.source}) ${m.description}. Defaults: ${recipe}.`, COL);
    out.push(head + body[0], ...body.slice(1).map((l) => ' '.repeat(COL) + l));
  }
  return out;
}

const USAGE: Record<Command, string> = {
  train: 'torchlet-trainer [train] [options]',
  eval: 'torchlet-trainer eval WEIGHTS.safetensors [options]',
  predict: 'torchlet-trainer predict WEIGHTS.safetensors IMAGE_OR_FOLDER... [options]',
};

/** The --help text: all commands, or one command's usage and options. */
export function helpText(command?: Command): string {
  const lines: string[] = [];
  if (command) {
    lines.push(`Usage: ${USAGE[command]}`, '');
    if (command === 'eval') {
      lines.push(
        ...wrap(
          "Evaluates saved weights on the test split: loss, accuracy, per-class accuracy and the confusion matrix. WEIGHTS is a run's model.safetensors or checkpoint.safetensors (they name their model and dataset), or a PyTorch state dict saved as safetensors (then give --model and --dataset).",
          0,
        ),
        '',
      );
    } else if (command === 'predict') {
      lines.push(
        ...wrap(
          "Classifies image files (PNG, JPEG, WebP, GIF, TIFF, AVIF; folders: the images in them). Each is decoded with sharp as the dataset's channels, resized to its size and normalised as in training; prints the most likely class and all probabilities. MNIST images should look like MNIST: a light digit on a dark background.",
          0,
        ),
        '',
      );
    }
    lines.push('Options:', ...optionLines(command));
    if (command === 'train') lines.push('', 'Models:', ...modelLines());
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    'torchlet-trainer: the Torchlet reference trainer. Trains the seed networks on MNIST (bundled),',
    'Fashion-MNIST or CIFAR-10, shows its progress and leaves a run folder.',
    '',
    'Usage:',
    `  ${USAGE.train}`,
    '      train a model (the default command)',
    `  ${USAGE.eval}`,
    '      loss, accuracy, per-class accuracy and confusion matrix of saved weights on the test split',
    `  ${USAGE.predict}`,
    '      class probabilities of image files',
    '  From the repository root: pnpm trainer [command] [options]. `COMMAND --help` shows one command.',
    '',
    "Options (the command line wins over --config, which wins over the model's defaults):",
    ...optionLines(undefined),
    '',
    'Models (each brings default training settings, used where no option sets them):',
    ...modelLines(),
    '',
    'Run folder (--out): config.json (the settings; --config reads it back), metrics.jsonl (one JSON line',
    'per logged step, per epoch and the summary), curves.png, confusion.png, predictions.png,',
    'model.safetensors (PyTorch key names) and checkpoint.safetensors (model, optimizer, scheduler, epoch,',
    'random state and config). A checkpoint is written after every epoch; Ctrl-C finishes the current step,',
    'saves one and exits; --resume FILE continues to the same result as an uninterrupted run (bit for bit',
    'on the CPU). Validation is the test split, as in seed 001.',
    '',
    'Examples:',
    '  pnpm trainer                                      lenet5 on the bundled MNIST, 3 epochs (>= 98.5%)',
    "  pnpm trainer --model mnist-dropout                seed 001's network and nll loss",
    '  pnpm trainer --epochs 1 --limit-train 6000 --quiet',
    '  pnpm trainer --dataset cifar10 --data-dir ~/data --model resnet-small',
    '  pnpm trainer --resume runs/mnist-lenet5-20250101-120000/checkpoint.safetensors --epochs 5',
    '  pnpm trainer eval runs/mnist-lenet5-20250101-120000/model.safetensors',
    '  pnpm trainer predict runs/mnist-lenet5-20250101-120000/model.safetensors digits/',
  );
  return `${lines.join('\n')}\n`;
}
