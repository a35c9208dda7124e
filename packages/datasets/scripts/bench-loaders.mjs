#!/usr/bin/env node
// Prints the DataLoader throughput table of issue 6 (build the package first: pnpm --filter @torchlet/datasets build).
import { benchLoaders } from '../dist/bench.js';

const results = await benchLoaders();
const rows = results.map((r) => [r.name, String(r.workers), String(r.samplesPerSec)]);
const head = ['pipeline', 'workers', 'samples/s'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
