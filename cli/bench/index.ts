/**
 * `nommu-um bench` internals: the lat_syscall output parser, the host,
 * qemu-user and in-process simulator runners, the two suites (syscall paths
 * and CPU), their text tables, SVG charts and machine description.
 */
export { type PathName, type SimPath, type Cell, type Measured, type NoValue, PATHS, PATH_LABEL, measured, failed, unavailable, ratio, pairedRatio, pairedRange, median, isSimPath } from './types.js';
export { type LatencyLine, type RowPlan, parseLatencyLine, parseLatencyOutput, ROW_PLANS, DEFAULT_ROWS, isRowName, rowPlan } from './latency.js';
export { type HostRun, runHost, hostFailure, qemuVersion, hasHostMusl, QEMU, QEMU_INSTALL_HINT, HOST_MUSL_LOADER } from './host.js';
export { type GuestRun, type GuestRunOptions, runGuest, guestFailure } from './guest.js';
export { type BenchContext, hostPath, LAT_SYSCALL, CPU_KERNELS } from './context.js';
export { type SyscallRowResult, type OpCount, runSyscallSuite, countPerOp, calibrate, fasterThan, warmUp, type Sample, TARGET_SECONDS, WARMUP_RUNS, WARMUP_TOLERANCE, WARMUP_PATIENCE } from './syscall-suite.js';
export { type Workload, type CpuWorkloadResult, type SimDetail, runCpuSuite, workloads, WORKLOAD_NAMES, GUEST_DATA_DIR } from './cpu-suite.js';
export { type DataFile, generateData, randomBlob, wordText, xorshift32 } from './data.js';
export { formatValue, formatRatio, renderTextTable, renderSyscallTable, renderCpuTable, syscallRatios, primarySimPath, Footnotes } from './table.js';
export { type ChartSpec, type ChartSeries, type LogScale, renderBarChart, logScale, escapeXml, PATH_COLORS } from './svg.js';
export { syscallChart, cpuChart } from './charts.js';
export { type MachineInfo, machineInfo, cpuModel, describeMachine } from './machine.js';
export { type CompareOptions, type CompareRow, type ProcessSamples, runCompare, renderCompareTable, summarize, resolveDist, geometricMean, THIS_DIST } from './compare.js';
