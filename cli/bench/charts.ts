/** The charts of the two suites, built from their results. */
import type { CpuWorkloadResult } from './cpu-suite.js';
import type { MachineInfo } from './machine.js';
import type { SyscallRowResult } from './syscall-suite.js';
import { PATH_COLORS, renderBarChart } from './svg.js';
import { formatValue } from './table.js';
import { type Cell, type PathName, PATH_LABEL } from './types.js';

function value(c: Cell | undefined): number | string | null {
  if (c === undefined) return null;
  return c.ok ? c.value : c.reason;
}

function machineLine(m: MachineInfo): string {
  return `${m.cpuModel}, ${m.cores} cores, node ${m.node}, qemu ${m.qemu ?? 'not installed'}, load ${m.loadavg[0]}; ${m.date.slice(0, 10)}`;
}

export function syscallChart(results: SyscallRowResult[], paths: PathName[], m: MachineInfo): string {
  return renderBarChart({
    title: 'nommu-um: syscall paths, microseconds per operation',
    subtitle: machineLine(m),
    yLabel: 'µs per operation (log scale)',
    xLabel: 'lat_syscall row (lower is better)',
    groups: results.map((r) => r.row),
    series: paths.map((p) => ({ name: PATH_LABEL[p], color: PATH_COLORS[p] })),
    values: results.map((r) => paths.map((p) => value(r.cells[p]))),
    format: formatValue,
  });
}

export function cpuChart(results: CpuWorkloadResult[], paths: PathName[], m: MachineInfo): string {
  return renderBarChart({
    title: 'nommu-um: CPU suite, wall seconds per workload',
    subtitle: machineLine(m),
    yLabel: 'seconds (log scale)',
    xLabel: 'workload (lower is better)',
    groups: results.map((r) => r.name),
    series: paths.map((p) => ({ name: p === 'trap' || p === 'zpoline' ? `simulator (${p})` : PATH_LABEL[p], color: PATH_COLORS[p] })),
    values: results.map((r) => paths.map((p) => value(r.cells[p]))),
    format: formatValue,
  });
}
