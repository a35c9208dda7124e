#!/usr/bin/env node
// The reference trainer (issue 7) is not built yet: it needs @torchlet/nn and @torchlet/optim.
// Until then this command says so plainly and exits with an error; it never pretends to train.
console.error(
  [
    'torchlet trainer: not built yet.',
    'The trainer (apps/trainer) lands after @torchlet/autograd, @torchlet/nn and @torchlet/optim.',
    'What works today: @torchlet/tensor (see README.md), `pnpm test` and `pnpm bench`.',
  ].join('\n'),
);
process.exit(2);
