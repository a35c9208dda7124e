/**
 * What machine the numbers came from: CPU model, cores, memory, OS, node and V8 versions, date.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cpuFlags: string[];
  logicalCores: number;
  memoryGiB: number;
  os: string;
  node: string;
  v8: string;
  date: string;
  gitCommit: string | null;
  /** 1/5/15-minute load averages when the run started: above ~0.5 per core, other work shares the CPU. */
  loadAvgAtStart: number[];
}

function cpuinfo(): { model: string; flags: string[] } {
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
    const flags = (field('flags') ?? '').split(/\s+/);
    const interesting = ['avx2', 'fma', 'avx512f', 'avx512_bf16', 'avx512vnni'];
    return {
      model: field('model name') ?? os.cpus()[0]?.model ?? 'unknown',
      flags: interesting.filter((f) => flags.includes(f)),
    };
  } catch {
    return { model: os.cpus()[0]?.model ?? 'unknown', flags: [] };
  }
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

export function machineInfo(): MachineInfo {
  const { model, flags } = cpuinfo();
  return {
    cpuModel: model,
    cpuFlags: flags,
    logicalCores: os.availableParallelism?.() ?? os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    date: new Date().toISOString(),
    gitCommit: gitCommit(),
    loadAvgAtStart: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.cpuModel} (${m.cpuFlags.join(', ') || 'no AVX flags seen'}), ${m.logicalCores} logical cores, ${m.memoryGiB} GiB, ${m.os}, node ${m.node}; load average ${m.loadAvgAtStart.join(' ')}`;
}
