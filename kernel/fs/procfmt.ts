/**
 * Text of the /proc files, formatted as Linux 6.1 prints them
 * (fs/proc/array.c, meminfo.c, task_mmu.c, proc_namespace.c, fd.c).
 */
import * as os from 'node:os';
import { O_CLOEXEC, type OpenFile } from '../file.js';
import { major, minor, sameInode } from './inode.js';
import { type Mount, type MountTable, type Loc, sbIsReadonly } from './mount.js';
import { pathOf } from './namei.js';
import type { ProcMap, ProcMeminfo, ProcTask } from './procsource.js';

const PAGE = 4096;
const RLIM_INFINITY = '18446744073709551615';
/** Full capability set of Linux 6.1 (CAP_LAST_CAP = 40). */
const CAP_FULL = '000001ffffffffff';

const STATE_NAMES: Record<string, string> = {
  R: 'R (running)', S: 'S (sleeping)', D: 'D (disk sleep)', T: 'T (stopped)', t: 't (tracing stop)',
  X: 'X (dead)', Z: 'Z (zombie)', P: 'P (parked)', I: 'I (idle)',
};

const hex16 = (v: bigint): string => v.toString(16).padStart(16, '0');
const kb = (bytes: number): string => String(Math.floor(bytes / 1024)).padStart(8, ' ');
const u64 = (v: bigint): string => BigInt.asUintN(64, v).toString();

/** /proc/PID/stat (do_task_stat). */
export function statText(p: ProcTask, numThreads: number): string {
  const prio = 20 + p.nice;
  const running = p.state === 'R';
  const f = [
    p.tid, `(${p.comm})`, p.state,
    p.ppid, p.pgid, p.sid, p.ttyNr, p.tpgid,
    4194304, p.minflt, 0, p.majflt, 0,
    p.utime, p.stime, p.cutime, p.cstime,
    prio, p.nice, numThreads, 0, p.startTime,
    p.vmSize, Math.floor(p.vmRss / PAGE), RLIM_INFINITY,
    p.startCode, p.endCode, p.startStack, 0, 0,
    u64(p.sigPending & 0xffffffffffffffffn), u64(p.sigBlocked), u64(p.sigIgnored), u64(p.sigCaught),
    running ? 0 : 1, 0, 0,
    17, 0, 0, 0,
    0, 0, 0,
    0, 0, 0, 0, 0, 0, 0,
    p.exitCode,
  ];
  return f.join(' ') + '\n';
}

/** /proc/PID/status (proc_pid_status). */
export function statusText(p: ProcTask, umask: number | null, fdSize: number): string {
  const c = p.cred;
  const caps = c.euid === 0 ? CAP_FULL : '0000000000000000';
  const lines = [
    `Name:\t${p.comm}`,
    ...(umask === null ? [] : [`Umask:\t${umask.toString(8).padStart(4, '0')}`]),
    `State:\t${STATE_NAMES[p.state] ?? p.state}`,
    `Tgid:\t${p.tgid}`, 'Ngid:\t0', `Pid:\t${p.tid}`, `PPid:\t${p.ppid}`, 'TracerPid:\t0',
    `Uid:\t${c.uid}\t${c.euid}\t${c.suid}\t${c.fsuid}`,
    `Gid:\t${c.gid}\t${c.egid}\t${c.sgid}\t${c.fsgid}`,
    `FDSize:\t${fdSize}`,
    `Groups:\t${c.groups.map((g) => `${g} `).join('')}`,
    `NStgid:\t${p.tgid}`, `NSpid:\t${p.tid}`, `NSpgid:\t${p.pgid}`, `NSsid:\t${p.sid}`,
  ];
  if (p.state !== 'Z') {
    lines.push(
      `VmPeak:\t${kb(p.vmPeak)} kB`, `VmSize:\t${kb(p.vmSize)} kB`, `VmLck:\t${kb(0)} kB`, `VmPin:\t${kb(0)} kB`,
      `VmHWM:\t${kb(p.vmHwm)} kB`, `VmRSS:\t${kb(p.vmRss)} kB`, `RssAnon:\t${kb(p.vmRss)} kB`,
      `RssFile:\t${kb(0)} kB`, `RssShmem:\t${kb(0)} kB`, `VmData:\t${kb(p.vmData)} kB`,
      `VmStk:\t${kb(p.vmStk)} kB`, `VmExe:\t${kb(p.vmExe)} kB`, `VmLib:\t${kb(p.vmLib)} kB`,
      `VmPTE:\t${kb(0)} kB`, `VmSwap:\t${kb(0)} kB`, `HugetlbPages:\t${kb(0)} kB`,
      'CoreDumping:\t0', 'THP_enabled:\t0',
    );
  }
  lines.push(
    `Threads:\t${p.threads.length}`,
    'SigQ:\t0/3862',
    `SigPnd:\t${hex16(p.sigPending)}`, `ShdPnd:\t${hex16(p.shdPending)}`, `SigBlk:\t${hex16(p.sigBlocked)}`,
    `SigIgn:\t${hex16(p.sigIgnored)}`, `SigCgt:\t${hex16(p.sigCaught)}`,
    'CapInh:\t0000000000000000', `CapPrm:\t${caps}`, `CapEff:\t${caps}`, `CapBnd:\t${CAP_FULL}`, 'CapAmb:\t0000000000000000',
    'NoNewPrivs:\t0', 'Seccomp:\t0', 'Seccomp_filters:\t0',
    'Speculation_Store_Bypass:\tnot vulnerable', 'SpeculationIndirectBranch:\tnot affected',
    'Cpus_allowed:\t1', 'Cpus_allowed_list:\t0', 'Mems_allowed:\t00000000,00000001', 'Mems_allowed_list:\t0',
    `voluntary_ctxt_switches:\t${p.voluntaryCtxtSwitches}`, `nonvoluntary_ctxt_switches:\t${p.nonvoluntaryCtxtSwitches}`,
  );
  return lines.join('\n') + '\n';
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

/** /proc/PID/maps (show_map_vma): the path starts after padding to column 73. */
export function mapsText(maps: readonly ProcMap[]): string {
  let out = '';
  for (const m of maps) {
    let line = `${hex8(m.start)}-${hex8(m.end)} ${m.perms} ${hex8(m.offset)} ${m.major.toString(16).padStart(2, '0')}:${m.minor.toString(16).padStart(2, '0')} ${m.inode} `;
    if (m.path !== '') line = line.padEnd(72, ' ') + ' ' + m.path;
    out += line + '\n';
  }
  return out;
}

/** Escapes space, tab, newline and backslash as mangle() does for mount tables. */
const mangle = (s: string): string => s.replace(/[ \t\n\\]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'));

/** Mounts seen from a task's root, with their guest mountpoint paths. */
function visibleFrom(mounts: MountTable, root: Loc): Array<[Mount, string]> {
  const out: Array<[Mount, string]> = [];
  for (const m of mounts.visible()) {
    const p = pathOf({ mnt: m, inode: m.root }, root);
    if (!p.startsWith('/')) continue;
    out.push([m, p]);
  }
  return out;
}

/** /proc/PID/mounts (show_vfsmnt). */
export function mountsText(mounts: MountTable, root: Loc): string {
  return visibleFrom(mounts, root)
    .map(([m, p]) => `${mangle(m.source)} ${mangle(p)} ${m.sb.type} ${m.options()}${mounts.superOptions.get(m.sb) ?? ''} 0 0\n`).join('');
}

/** Where a mount's root lies inside its filesystem (mountinfo's fourth column). */
function rootInFs(m: Mount): string {
  const parts: string[] = [];
  let cur = m.root;
  for (let guard = 0; guard < 4096 && !sameInode(cur, m.sb.root); guard++) {
    const p = cur.parent?.();
    const name = cur.dirName?.();
    if (p === undefined || name === undefined || name === '' || sameInode(p, cur)) break;
    parts.push(name);
    cur = p;
  }
  return '/' + parts.reverse().join('/');
}

/** /proc/PID/mountinfo (show_mountinfo), with the propagation fields shared:N, master:N, unbindable. */
export function mountinfoText(mounts: MountTable, root: Loc): string {
  return visibleFrom(mounts, root).map(([m, p]) => {
    const parent = m.parent?.id ?? m.id;
    const dev = `${major(m.sb.dev)}:${minor(m.sb.dev)}`;
    let opt = '';
    if (m.group !== null) opt += ` shared:${m.group.id}`;
    if (m.master !== null) opt += ` master:${m.master.id}`;
    if (m.unbindable) opt += ' unbindable';
    const sbOpts = (sbIsReadonly(m.sb) ? 'ro' : 'rw') + (mounts.superOptions.get(m.sb) ?? '');
    return `${m.id} ${parent} ${dev} ${mangle(rootInFs(m))} ${mangle(p)} ${m.options(true)}${opt} - ${m.sb.type} ${mangle(m.source)} ${sbOpts}\n`;
  }).join('');
}

/** /proc/PID/fdinfo/N (seq_show in fs/proc/fd.c) plus the kind's own lines. */
export function fdinfoText(f: OpenFile, cloexec: boolean, mntId: number, ino: number): string {
  const flags = f.flags | (cloexec ? O_CLOEXEC : 0);
  return `pos:\t${f.pos}\nflags:\t0${flags.toString(8)}\nmnt_id:\t${mntId}\nino:\t${ino}\n` + (f.ops.fdinfo?.(f) ?? '');
}

const mi = (label: string, v: number): string => `${(label + ':').padEnd(16, ' ')}${String(Math.floor(v)).padStart(8, ' ')} kB\n`;

/** /proc/meminfo (meminfo_proc_show), the fields a nommu kernel has. */
export function meminfoText(m: ProcMeminfo): string {
  const used = m.totalKb - m.freeKb;
  return mi('MemTotal', m.totalKb) + mi('MemFree', m.freeKb) + mi('MemAvailable', m.availableKb) +
    mi('Buffers', m.buffersKb ?? 0) + mi('Cached', m.cachedKb ?? 0) + mi('SwapCached', 0) +
    mi('Active', used) + mi('Inactive', 0) + mi('Active(anon)', used) + mi('Inactive(anon)', 0) +
    mi('Active(file)', 0) + mi('Inactive(file)', 0) + mi('Unevictable', 0) + mi('Mlocked', 0) +
    mi('MmapCopy', 0) + mi('SwapTotal', 0) + mi('SwapFree', 0) + mi('Dirty', 0) + mi('Writeback', 0) +
    mi('AnonPages', used) + mi('Mapped', 0) + mi('Shmem', m.shmemKb ?? 0) + mi('KReclaimable', 0) +
    mi('Slab', 0) + mi('SReclaimable', 0) + mi('SUnreclaim', 0) + mi('KernelStack', 0) +
    mi('PageTables', 0) + mi('NFS_Unstable', 0) + mi('Bounce', 0) + mi('WritebackTmp', 0) +
    mi('CommitLimit', m.totalKb) + mi('Committed_AS', used) + mi('VmallocTotal', 0) +
    mi('VmallocUsed', 0) + mi('VmallocChunk', 0) + mi('Percpu', 0);
}

const two = (v: number): string => {
  const c = Math.round(v * 100);
  return `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
};
export function uptimeText(up: number, idle: number): string { return `${two(up)} ${two(idle)}\n`; }
export function loadavgText(l: { one: number; five: number; fifteen: number; running: number; total: number; lastPid: number }): string {
  return `${two(l.one)} ${two(l.five)} ${two(l.fifteen)} ${l.running}/${l.total} ${l.lastPid}\n`;
}

/** One processor, named after the host's CPU model (the simulated CPU is single-core). */
export function defaultCpuinfo(): string {
  const model = os.cpus()[0]?.model ?? 'nommu-um simulated x86-64';
  // Labels with their tabs exactly as arch/x86/kernel/cpu/proc.c prints them.
  return [
    'processor\t: 0', 'vendor_id\t: GenuineIntel', 'cpu family\t: 6', 'model\t\t: 0',
    `model name\t: ${model}`, 'stepping\t: 0', 'cpu MHz\t\t: 1000.000', 'cache size\t: 0 KB',
    'physical id\t: 0', 'siblings\t: 1', 'core id\t\t: 0', 'cpu cores\t: 1', 'apicid\t\t: 0',
    'initial apicid\t: 0', 'fpu\t\t: yes', 'fpu_exception\t: yes', 'cpuid level\t: 13', 'wp\t\t: yes',
    'flags\t\t: fpu de tsc msr cx8 cmov pat clflush mmx fxsr sse sse2 syscall nx lm constant_tsc nopl pni ssse3 cx16 sse4_1 sse4_2 popcnt',
    'bugs\t\t:', 'bogomips\t: 2000.00', 'clflush size\t: 64', 'cache_alignment\t: 64',
    'address sizes\t: 36 bits physical, 48 bits virtual', 'power management:',
  ].join('\n') + '\n\n';
}
