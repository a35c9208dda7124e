import { DATASET_NAMES } from '../data/datasets.js';
import { MODEL_NAMES } from '../models/registry.js';

export type Command = 'train' | 'eval' | 'predict';
export const COMMANDS: readonly Command[] = ['train', 'eval', 'predict'];

export const OPTIMIZERS = ['sgd', 'adam', 'adamw', 'rmsprop'] as const;
export const SCHEDULERS = ['none', 'step', 'cosine', 'onecycle', 'plateau'] as const;
export const LOSSES = ['cross-entropy', 'nll', 'mse'] as const;
export const INITS = ['default', 'xavier', 'kaiming'] as const;
export const DEVICES = ['auto', 'cpu', 'webgpu'] as const;

export type OptionType = 'string' | 'int' | 'number' | 'boolean' | 'choice';

/** One command-line option; `key` is its name in config files, config.json and TrainConfig. */
export interface OptionSpec {
  name: string;
  key: string;
  type: OptionType;
  choices?: readonly string[];
  /** The smallest value of a number ('int' and 'number'). */
  min?: number;
  /** Whether the minimum itself is allowed (default true). */
  minInclusive?: boolean;
  arg?: string;
  help: string;
  /** The default as the help shows it. */
  defaultText?: string;
  /** The commands that take it. */
  commands: readonly Command[];
}

const ALL: readonly Command[] = COMMANDS;
const TRAIN: readonly Command[] = ['train'];

export const OPTIONS: readonly OptionSpec[] = [
  {
    name: 'dataset',
    key: 'dataset',
    type: 'choice',
    choices: DATASET_NAMES,
    arg: 'NAME',
    help: 'mnist (bundled, no download), fashion-mnist or cifar10',
    defaultText: 'mnist',
    commands: ALL,
  },
  {
    name: 'data-dir',
    key: 'dataDir',
    type: 'string',
    arg: 'DIR',
    help: 'folder holding MNIST/raw/, FashionMNIST/raw/ or cifar-10-batches-bin/',
    defaultText: '$TORCHLET_DATA_HOME or ~/.cache/torchlet/datasets; MNIST falls back to its bundled copy',
    commands: ALL,
  },
  {
    name: 'model',
    key: 'model',
    type: 'choice',
    choices: MODEL_NAMES,
    arg: 'NAME',
    help: 'the network (the models are listed in --help)',
    defaultText: 'lenet5',
    commands: ALL,
  },
  {
    name: 'device',
    key: 'device',
    type: 'choice',
    choices: DEVICES,
    arg: 'DEV',
    help: 'cpu, webgpu or auto (a hardware WebGPU adapter if there is one, else the CPU)',
    defaultText: 'auto',
    commands: ALL,
  },
  {
    name: 'epochs',
    key: 'epochs',
    type: 'int',
    min: 1,
    arg: 'N',
    help: 'passes over the training data',
    defaultText: "the model's (lenet5: 3)",
    commands: TRAIN,
  },
  {
    name: 'batch-size',
    key: 'batchSize',
    type: 'int',
    min: 1,
    arg: 'N',
    help: 'images per training step; evaluation uses batches of at least 500',
    defaultText: "train: the model's (lenet5: 64); eval: 500",
    commands: ALL,
  },
  {
    name: 'optimizer',
    key: 'optimizer',
    type: 'choice',
    choices: OPTIMIZERS,
    arg: 'NAME',
    help: 'sgd, adam, adamw or rmsprop',
    defaultText: "the model's (lenet5: adam)",
    commands: TRAIN,
  },
  {
    name: 'lr',
    key: 'lr',
    type: 'number',
    min: 0,
    minInclusive: false,
    arg: 'X',
    help: 'learning rate (the peak rate with --scheduler onecycle)',
    defaultText: "the model's; else sgd 0.01, adam/adamw/rmsprop 0.001",
    commands: TRAIN,
  },
  {
    name: 'momentum',
    key: 'momentum',
    type: 'number',
    min: 0,
    arg: 'X',
    help: 'momentum of sgd and rmsprop (adam and adamw ignore it)',
    defaultText: "the model's; else sgd 0.9, rmsprop 0",
    commands: TRAIN,
  },
  {
    name: 'weight-decay',
    key: 'weightDecay',
    type: 'number',
    min: 0,
    arg: 'X',
    help: 'L2 penalty (decoupled for adamw)',
    defaultText: "the model's; else 0 (adamw 0.01)",
    commands: TRAIN,
  },
  {
    name: 'scheduler',
    key: 'scheduler',
    type: 'choice',
    choices: SCHEDULERS,
    arg: 'NAME',
    help: 'none; step (x0.7 every epoch); cosine (to 0 over the run, per step); onecycle (per step, peak --lr); plateau (x0.1 when validation loss stalls)',
    defaultText: "the model's (lenet5: step)",
    commands: TRAIN,
  },
  {
    name: 'augment',
    key: 'augment',
    type: 'boolean',
    help: 'random crops (padding 2 for 28x28, 4 for 32x32) and, for CIFAR-10, horizontal flips; --no-augment turns it off',
    defaultText: "the model's (off, resnet-small on)",
    commands: TRAIN,
  },
  {
    name: 'init',
    key: 'init',
    type: 'choice',
    choices: INITS,
    arg: 'KIND',
    help: "default (PyTorch's layer init, or the seed's), xavier (uniform, zero biases) or kaiming (normal, zero biases)",
    defaultText: 'default',
    commands: TRAIN,
  },
  {
    name: 'loss',
    key: 'loss',
    type: 'choice',
    choices: LOSSES,
    arg: 'NAME',
    help: 'cross-entropy, nll (log-likelihood of log_softmax outputs) or mse (softmax vs one-hot)',
    defaultText: "the model's (mnist-dropout: nll, others cross-entropy)",
    commands: TRAIN,
  },
  {
    name: 'seed',
    key: 'seed',
    type: 'int',
    min: 0,
    arg: 'N',
    help: 'seeds the weights, dropout and the data order (epoch e sees an order set by seed and e)',
    defaultText: '0',
    commands: TRAIN,
  },
  {
    name: 'workers',
    key: 'workers',
    type: 'int',
    min: 0,
    arg: 'N',
    help: 'DataLoader worker threads decoding and augmenting (results do not depend on it)',
    defaultText: '0 (in the main thread)',
    commands: ALL,
  },
  {
    name: 'out',
    key: 'out',
    type: 'string',
    arg: 'DIR',
    help: 'the run folder',
    defaultText: "runs/<dataset>-<model>-<timestamp>; with --resume, the checkpoint's folder",
    commands: TRAIN,
  },
  {
    name: 'resume',
    key: 'resume',
    type: 'string',
    arg: 'FILE',
    help: 'continue from a checkpoint.safetensors (its settings apply; --epochs may extend the run)',
    commands: TRAIN,
  },
  {
    name: 'limit-train',
    key: 'limitTrain',
    type: 'int',
    min: 1,
    arg: 'N',
    help: 'use only the first N training images (quick runs, tests)',
    commands: TRAIN,
  },
  {
    name: 'limit-test',
    key: 'limitTest',
    type: 'int',
    min: 1,
    arg: 'N',
    help: 'use only the first N test images',
    commands: ALL,
  },
  {
    name: 'config',
    key: 'config',
    type: 'string',
    arg: 'FILE',
    help: 'read options from a JSON file (keys as the options, e.g. {"model": "lenet5", "batch-size": 32}); the command line wins',
    commands: ALL,
  },
  {
    name: 'quiet',
    key: 'quiet',
    type: 'boolean',
    help: 'no progress bar and no model printout: one line per epoch and the results',
    commands: ALL,
  },
  {
    name: 'json',
    key: 'json',
    type: 'boolean',
    help: 'print JSON lines (events: start, step, epoch, summary...) instead of text',
    commands: ALL,
  },
  { name: 'help', key: 'help', type: 'boolean', help: 'show this help', commands: ALL },
];

/** The option of a long name (without the dashes) or a config-file key. */
export function findOption(name: string): OptionSpec | undefined {
  return OPTIONS.find((o) => o.name === name || o.key === name);
}
