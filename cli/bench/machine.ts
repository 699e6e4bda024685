/**
 * The machine a benchmark ran on, for the JSON report and the docs: CPU
 * model and cores, memory, load, kernel, Node and qemu versions, the date.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memBytes: number;
  /** 1, 5 and 15 minute load averages when the run started (the machine may be shared). */
  loadavg: number[];
  hostKernel: string;
  node: string;
  qemu: string | null;
  date: string;
}

/**
 * "model name" of the first processor in /proc/cpuinfo, else what Node
 * reports; with its family and model numbers when cpuinfo has them (a
 * virtual machine may name only the brand, "AMD EPYC", for any generation).
 */
export function cpuModel(cpuinfo?: string): string {
  let text = cpuinfo;
  if (text === undefined) {
    try { text = readFileSync('/proc/cpuinfo', 'utf8'); } catch { text = ''; }
  }
  const m = /^model name\s*:\s*(.+)$/m.exec(text);
  if (m === null) return cpus()[0]?.model ?? 'unknown';
  const family = /^cpu family\s*:\s*(\d+)\s*$/m.exec(text);
  const model = /^model\s*:\s*(\d+)\s*$/m.exec(text);
  return family !== null && model !== null ? `${m[1].trim()} (family ${family[1]} model ${model[1]})` : m[1].trim();
}

export function machineInfo(qemu: string | null): MachineInfo {
  return {
    cpuModel: cpuModel(), cores: cpus().length, memBytes: totalmem(), loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
    hostKernel: release(), node: process.version, qemu, date: new Date().toISOString(),
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.cpuModel}, ${m.cores} cores, ${(m.memBytes / 2 ** 30).toFixed(1)} GiB; Linux ${m.hostKernel}; ` +
    `node ${m.node}; qemu-x86_64 ${m.qemu ?? 'not installed'}; load average ${m.loadavg.join(' ')}; ${m.date}`;
}
