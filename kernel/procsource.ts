/**
 * What procfs shows, from the kernel's own state (the ProcSource interface
 * of kernel/fs). Times are in USER_HZ ticks (100 per second).
 */
import type { ProcMap, ProcMeminfo, ProcSource, ProcTask } from './fs/index.js';
import type { Kernel } from './kernel.js';
import { UTS_RELEASE, UTS_VERSION } from './version.js';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from './mm.js';
import { NSIG, SIG_DFL, SIG_IGN } from './signal/defs.js';
import type { SigSet } from './signal/sigset.js';
import type { Process, Task } from './task.js';
import { TaskState } from './task.js';

const TICK_NS = 10_000_000;
const ticks = (ns: number): number => Math.floor(ns / TICK_NS);
const mask = (s: SigSet): bigint => (BigInt(s.hi) << 32n) | BigInt(s.lo);

export class KernelProcSource implements ProcSource {
  constructor(private readonly k: Kernel) {}

  tgids(): number[] {
    return [...this.k.processes.keys()].sort((a, b) => a - b);
  }

  private stateOf(p: Process, t: Task | null): string {
    if (p.state !== 'alive') return 'Z';
    if (t === null) return 'Z';
    switch (t.state) {
      case TaskState.Runnable: return 'R';
      case TaskState.Blocked: return 'S';
      case TaskState.Stopped: return 'T';
      default: return 'Z';
    }
  }

  task(tid: number): ProcTask | null {
    const k = this.k;
    const t = k.tasks.get(tid) ?? null;
    const p = t?.proc ?? k.processes.get(tid) ?? null;
    if (p === null) return null;
    const leader = t ?? p.mainThread;
    const alive = p.state === 'alive' && leader !== null && leader.state !== TaskState.Dead;
    const maps: ProcMap[] = p.state === 'alive' ? p.mm.vmas.map((v) => ({
      start: v.start, end: v.end,
      perms: `${v.prot & PROT_READ ? 'r' : '-'}${v.prot & PROT_WRITE ? 'w' : '-'}${v.prot & PROT_EXEC ? 'x' : '-'}${v.shared ? 's' : 'p'}`,
      offset: v.offset, major: 0, minor: v.dev === 0 ? 0 : 1, inode: v.ino, path: v.name,
    })) : [];
    const sum = (kind: string): number => p.state === 'alive'
      ? p.mm.vmas.filter((v) => v.kind === kind).reduce((a, v) => a + v.end - v.start, 0) : 0;
    const vmSize = p.state === 'alive' ? p.mm.totalBytes : 0;
    let ign = 0n, caught = 0n;
    for (let s = 1; s <= NSIG; s++) {
      const a = p.sighand.get(s);
      const bit = 1n << BigInt(s - 1);
      if (a.handler === SIG_IGN) ign |= bit;
      else if (a.handler !== SIG_DFL) caught |= bit;
    }
    const times = p.cpuTimes();
    const image = p.state === 'alive' ? p.mm.vmas.find((v) => v.kind === 'image') : undefined;
    return {
      tid: leader?.tid ?? p.pid, tgid: p.pid, ppid: p.parent?.pid ?? 0, pgid: p.pgid, sid: p.sid,
      ...this.ttyOf(p),
      comm: leader?.comm ?? '',
      state: this.stateOf(p, leader),
      cred: p.cred,
      fs: alive ? leader!.fs : null,
      files: alive ? leader!.files : null,
      exe: p.exe === '' ? null : p.exe,
      cmdline: p.state === 'alive' ? p.cmdline : new Uint8Array(0),
      environ: p.state === 'alive' ? p.environ : new Uint8Array(0),
      threads: p.threads.filter((x) => x.state !== TaskState.Dead).map((x) => x.tid),
      utime: ticks(t !== null && t !== p.mainThread ? t.utimeNs : times.utimeNs),
      stime: ticks(t !== null && t !== p.mainThread ? t.stimeNs : times.stimeNs),
      cutime: ticks(p.cutimeNs), cstime: ticks(p.cstimeNs),
      startTime: ticks(p.startNs),
      nice: 0, minflt: 0, majflt: 0,
      vmSize, vmPeak: vmSize, vmRss: vmSize, vmHwm: vmSize,
      vmData: sum('anon') + sum('file'), vmStk: sum('stack'), vmExe: sum('image'), vmLib: 0,
      maps,
      sigPending: leader !== null ? mask(leader.pending.set) : 0n,
      shdPending: mask(p.sharedPending.set),
      sigBlocked: leader !== null ? mask(leader.blocked) : 0n,
      sigIgnored: ign, sigCaught: caught,
      voluntaryCtxtSwitches: p.nvcsw, nonvoluntaryCtxtSwitches: p.nivcsw,
      startCode: image?.start ?? 0, endCode: image?.end ?? 0, startStack: p.state === 'alive' ? p.mm.startStack : 0,
      exitCode: p.state === 'alive' ? 0 : p.exitStatus,
    };
  }

  /**
   * The console is /dev/console (5:1); the terminal layer keeps its foreground
   * group in job.pgrp. As proc_pid_stat: -1 without a controlling terminal,
   * and a terminal without a foreground group shows 0 (pid_nr_ns of none).
   */
  private ttyOf(p: Process): { ttyNr: number; tpgid: number } {
    const tty = p.ctty as { job?: { pgrp: number } } | null;
    if (tty === null || tty === undefined) return { ttyNr: 0, tpgid: -1 };
    return { ttyNr: (5 << 8) | 1, tpgid: tty.job?.pgrp ?? 0 };
  }

  uptime(): { seconds: number; idleSeconds: number } {
    const s = this.k.clock.monotonicNs() / 1e9;
    return { seconds: s, idleSeconds: this.k.sched.idleMs / 1000 };
  }

  loadavg(): { one: number; five: number; fifteen: number; running: number; total: number; lastPid: number } {
    return { one: 0, five: 0, fifteen: 0, running: Math.max(1, this.k.sched.runnable), total: this.k.tasks.size, lastPid: this.k.lastPid };
  }

  meminfo(): ProcMeminfo {
    const total = Math.floor(this.k.pages.totalPages * 4);
    const free = Math.floor(this.k.pages.freePages * 4);
    return { totalKb: total, freeKb: free, availableKb: free };
  }

  hostname(): string { return this.k.hostname; }
  osrelease(): string { return UTS_RELEASE; }
  version(): string { return `Linux version ${UTS_RELEASE} (nommu-um) ${UTS_VERSION}`; }

  bootTime(): number {
    const r = this.k.clock.realtime();
    return r.sec - Math.floor(this.k.clock.monotonicNs() / 1e9);
  }
}
