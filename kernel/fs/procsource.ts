/**
 * What procfs needs from the kernel (the kernel core implements ProcSource).
 * procfs formats; the kernel supplies numbers and names from its own state.
 * Guest paths only: nothing here may carry a host path.
 */
import type { FdTable } from './fdtable.js';
import type { FsState } from './fsstate.js';
import type { Cred } from './task.js';

/** One line of /proc/PID/maps. */
export interface ProcMap {
  start: number; end: number;
  /** "r-xp", "rw-p"... */
  perms: string;
  offset: number;
  major: number; minor: number; inode: number;
  /** Guest path, "[stack]", "[heap]", "[vdso]" or "" for anonymous memory. */
  path: string;
}

/** One task (thread) as procfs shows it. Times are in clock ticks (USER_HZ = 100). */
export interface ProcTask {
  tid: number; tgid: number; ppid: number; pgid: number; sid: number;
  /** Controlling terminal as new_encode_dev, 0 for none; tpgid -1 for none. */
  ttyNr: number; tpgid: number;
  comm: string;
  /** 'R' running, 'S' sleeping, 'D', 'T' stopped, 't', 'Z' zombie, 'X', 'I'. */
  state: string;
  cred: Cred;
  /** Null once the task has exited (zombie). */
  fs: FsState | null;
  files: FdTable | null;
  /** Guest path of the executable, null if none. */
  exe: string | null;
  cmdline: Uint8Array;
  environ: Uint8Array;
  /** Every tid of the thread group, the leader first. */
  threads: number[];
  utime: number; stime: number; cutime: number; cstime: number;
  /** Start time in clock ticks after boot. */
  startTime: number;
  nice: number;
  minflt: number; majflt: number;
  /** Byte counts. */
  vmSize: number; vmPeak: number; vmRss: number; vmHwm: number;
  vmData: number; vmStk: number; vmExe: number; vmLib: number;
  maps: ProcMap[];
  /** Signal masks, bit (n-1) for signal n. */
  sigPending: bigint; shdPending: bigint; sigBlocked: bigint; sigIgnored: bigint; sigCaught: bigint;
  voluntaryCtxtSwitches: number; nonvoluntaryCtxtSwitches: number;
  startCode: number; endCode: number; startStack: number;
  exitCode: number;
}

export interface ProcMeminfo {
  totalKb: number; freeKb: number; availableKb: number;
  buffersKb?: number; cachedKb?: number; shmemKb?: number;
}

export interface ProcSource {
  /** Live thread group ids (and zombies), ascending. */
  tgids(): number[];
  /** A task by tid (a tgid names the leader), or null. */
  task(tid: number): ProcTask | null;
  uptime(): { seconds: number; idleSeconds: number };
  loadavg(): { one: number; five: number; fifteen: number; running: number; total: number; lastPid: number };
  meminfo(): ProcMeminfo;
  hostname(): string;
  osrelease(): string;
  /** The whole /proc/version line without the newline. */
  version(): string;
  bootTime(): number;
  /** Optional: /proc/cpuinfo text (default: one processor derived from the host's model name). */
  cpuinfo?(): string;
}
