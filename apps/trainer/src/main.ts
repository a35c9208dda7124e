#!/usr/bin/env node
import { run } from './run.js';

const code = await run(process.argv.slice(2));
// Worker threads (GEMM, DataLoader) must not keep the process alive: flush stdout, then exit.
process.stdout.write('', () => process.exit(code));
