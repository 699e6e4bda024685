/**
 * The kernel: guest RAM and the CPU, the page allocator, processes and
 * tasks, the scheduler, signals, futexes, the VFS, and the syscall table.
 * `spawn` starts the first process; `run` drives everything until that
 * process exits and returns its exit status as a host exit code.
 */
import { randomBytes as hostRandomBytes, randomFillSync } from 'node:crypto';
import { fstatSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Cpu, GuestMemory } from '../cpu/index.js';
import type { Tier } from '../cpu/index.js';
import { SiteCache } from '../loader/index.js';
import { installPageZero } from '../trampoline/index.js';
import { Clock, TimerQueue } from './clock.js';
import { errnoName } from './errno.js';
import { execve } from './exec.js';
import { exitThread, groupExit, hostExitCode } from './exit.js';
import type { OpenFile } from './file.js';
import { FdTable, Vfs, consoleDeviceOf, makeConsole } from './fs/index.js';
import { Mm, PageAllocator } from './mm.js';
import { KernelProcSource } from './procsource.js';
import { Scheduler } from './sched.js';
import { Signals } from './signal/signals.js';
import { SigSet } from './signal/sigset.js';
import { SigHand } from './signal/state.js';
import { makeSpecial } from './special/index.js';
import type { SigInfo as SpecialSigInfo, Special, SpecialTask } from './special/index.js';
import { Stats } from './stats.js';
import { Strace, describeErrno } from './strace.js';
import type { TraceSink } from './strace.js';
import { Dispatcher } from './syscalls/dispatch.js';
import { FutexTable } from './syscalls/futex.js';
import { SYSCALL_TABLE } from './syscalls/table.js';
import { Process, Task, TaskState, defaultRlimits, rootCred } from './task.js';
import type { WaitQueue } from './wait.js';

/** Bytes of the pool small random requests are served from. */
const RANDOM_POOL = 4096;

export type SyscallPath = 'zpoline' | 'trap';

export interface KernelStdio {
  input: NodeJS.ReadableStream & { fd?: number };
  output: { fd: number };
  /** Host fd for the guest's fd 2; the output fd when absent. */
  error?: { fd: number };
}

export interface KernelOptions {
  /** Guest RAM in bytes (default 256 MiB). */
  memBytes?: number;
  /** Host directory that is the guest's root. */
  root: string;
  binds?: Array<{ host: string; guest: string; readonly: boolean }>;
  syscallPath?: SyscallPath;
  /** Virtual clock from retired instructions and a fixed random seed. */
  deterministic?: boolean;
  /** Where --strace lines go (null: tracing off). */
  strace?: TraceSink | null;
  /** Default environment of spawn() when it is given none. */
  env?: string[];
  /** Guest working directory of the first process (default /). */
  cwd?: string;
  stdio?: KernelStdio;
  /** Disk cache of syscall sites (null: memory only). */
  siteCacheDir?: string | null;
  /** Stack of each exec'd program (default 128 KiB; nommu stacks do not grow). */
  stackBytes?: number;
  hostname?: string;
  /** Random seed for --deterministic (default 1). */
  seed?: number;
  /** CPU execution tier (default: the CPU's own default, the compiled tier). */
  cpuTier?: Tier;
}

export const DEFAULT_MEM_BYTES = 256 << 20;
export const DEFAULT_STACK_BYTES = 128 << 10;

export class Kernel {
  readonly mem: GuestMemory;
  readonly cpu: Cpu;
  readonly pages: PageAllocator;
  readonly clock: Clock;
  readonly timers = new TimerQueue();
  readonly sched: Scheduler;
  readonly signals: Signals;
  readonly futex = new FutexTable();
  readonly stats = new Stats();
  readonly strace: Strace | null;
  readonly syscalls: Dispatcher;
  readonly vfs: Vfs;
  readonly siteCache: SiteCache;
  /** eventfd, timerfd, signalfd, epoll, inotify, fanotify (kernel/special). */
  readonly special: Special;
  readonly syscallPath: SyscallPath;
  readonly stackBytes: number;
  readonly processes = new Map<number, Process>();
  readonly tasks = new Map<number, Task>();
  initProcess: Process | null = null;
  hostname: string;
  domainname = '(none)';
  finished = false;
  /** Wait status of the first process once it exited. */
  exitStatus = 0;
  /** Hook for other subsystems (tty) when a process ends. */
  onProcessExit: ((p: Process) => void) | null = null;
  private nextPid = 1;
  lastPid = 0;
  private readonly fileUsers = new Map<FdTable, number>();
  private readonly opts: KernelOptions;
  /** The seeded generator of --deterministic (host randomness otherwise). */
  private readonly rng: (() => number) | null;
  /** Host random bytes not yet handed out (randomBytes), from randomPoolAt on. */
  private readonly randomPool = new Uint8Array(RANDOM_POOL);
  private randomPoolAt = RANDOM_POOL;
  private console: OpenFile | null = null;
  private errConsole: OpenFile | null = null;

  constructor(opts: KernelOptions) {
    this.opts = opts;
    this.mem = new GuestMemory(opts.memBytes ?? DEFAULT_MEM_BYTES);
    this.cpu = new Cpu(this.mem);
    if (opts.cpuTier !== undefined) this.cpu.tier = opts.cpuTier;
    installPageZero(this.mem);
    this.pages = new PageAllocator(this.mem.size);
    this.clock = new Clock(opts.deterministic === true, () => this.cpu.retiredTotal);
    this.sched = new Scheduler(this);
    this.signals = new Signals(this);
    this.strace = opts.strace ? new Strace(opts.strace) : null;
    this.syscalls = new Dispatcher(this, SYSCALL_TABLE);
    this.syscallPath = opts.syscallPath ?? 'zpoline';
    this.stackBytes = opts.stackBytes ?? DEFAULT_STACK_BYTES;
    this.siteCache = new SiteCache(opts.siteCacheDir ?? null);
    this.hostname = opts.hostname ?? 'nommu-um';
    this.rng = opts.deterministic === true ? seededRandom(opts.seed ?? 1) : null;
    const [con] = this.consoleFiles();
    this.vfs = new Vfs({
      root: opts.root, binds: opts.binds, proc: new KernelProcSource(this), clock: this.clock,
      dev: { console: con, random: (dst) => this.fillRandom(dst) },
    });
    this.special = makeSpecial({ clock: this.specialClock(), signals: this.signalSource(), vfs: this.vfs });
    this.vfs.setNotify(this.special.fsnotify);
  }

  /** The clocks as kernel/special sees them (CLOCK_REALTIME deadlines are converted to monotonic ones). */
  private specialClock(): { now(id: number): number; setTimer(id: number, at: number, cb: () => void): () => void } {
    const isReal = (id: number): boolean => id === 0 || id === 8 || id === 5 || id === 11;
    return {
      now: (id) => (isReal(id) ? this.clock.realtimeNs() : this.clock.monotonicNs()),
      setTimer: (id, at, cb) => {
        const mono = isReal(id) ? this.clock.monotonicNs() + (at - this.clock.realtimeNs()) : at;
        return this.timers.add(mono, () => { cb(); this.sched.kick(); });
      },
    };
  }

  /** Pending signals as signalfd reads them. */
  private signalSource(): { pending(t: SpecialTask): SigSet; dequeue(t: SpecialTask, lo: number, hi: number): SpecialSigInfo | null; queue(t: SpecialTask): WaitQueue } {
    const task = (t: SpecialTask): Task => t as Task;
    return {
      pending: (t) => task(t).pending.set.copy().or(task(t).proc.sharedPending.set),
      dequeue: (t, lo, hi) => {
        const x = task(t);
        const notIn = new SigSet(~lo >>> 0, ~hi >>> 0);
        for (const q of [x.pending, x.proc.sharedPending]) {
          const sig = q.next(notIn);
          if (sig !== 0) return q.take(sig) ?? { signo: sig, code: 0x80 };
        }
        return null;
      },
      queue: (t) => task(t).signalWait,
    };
  }

  get deterministic(): boolean { return this.clock.deterministic; }

  allocPid(): number {
    // Pids are never reused while any task, process or zombie holds them.
    let pid = this.nextPid;
    while (this.tasks.has(pid) || this.processes.has(pid)) pid++;
    this.nextPid = pid + 1;
    this.lastPid = pid;
    return pid;
  }

  /** Random bytes for AT_RANDOM and getrandom (seeded with --deterministic). */
  randomBytes(n: number): Uint8Array {
    const rng = this.rng;
    if (rng === null) {
      // Small requests (AT_RANDOM: 16 bytes per exec) come from a pool filled 4 KiB at a time:
      // one host call per 256 execs instead of one each (each byte is still handed out once).
      if (n > RANDOM_POOL / 16) return new Uint8Array(hostRandomBytes(n));
      if (this.randomPoolAt + n > RANDOM_POOL) { randomFillSync(this.randomPool); this.randomPoolAt = 0; }
      const out = this.randomPool.slice(this.randomPoolAt, this.randomPoolAt + n);
      this.randomPoolAt += n;
      return out;
    }
    const b = new Uint8Array(n);
    this.fillRandom(b);
    return b;
  }

  /** Fills dst from the same generator (/dev/random and /dev/urandom read through it). */
  fillRandom(dst: Uint8Array): void {
    const rng = this.rng;
    if (rng === null) {
      // randomFillSync accepts at most 2^31-1 bytes per call.
      for (let off = 0; off < dst.length; off += 0x40000000) randomFillSync(dst.subarray(off, Math.min(dst.length, off + 0x40000000)));
      return;
    }
    for (let i = 0; i < dst.length; i++) dst[i] = Math.floor(rng() * 256);
  }

  // --- shared per-process resources ---

  holdFiles(f: FdTable): void { this.fileUsers.set(f, (this.fileUsers.get(f) ?? 0) + 1); }

  filesShared(f: FdTable): boolean { return (this.fileUsers.get(f) ?? 0) > 1; }

  /** A task lets go of its fd table; the last user closes every fd. */
  dropFiles(t: Task): void {
    const f = t.files;
    const n = (this.fileUsers.get(f) ?? 1) - 1;
    if (n > 0) { this.fileUsers.set(f, n); return; }
    this.fileUsers.delete(f);
    f.closeAll(t);
  }

  sighandShared(p: Process): boolean {
    for (const q of this.processes.values()) if (q !== p && q.sighand === p.sighand && q.state === 'alive') return true;
    return false;
  }

  releaseMm(mm: Mm): void {
    if (--mm.users === 0) mm.releaseAll();
  }

  exitThread(t: Task, status = 0): void { exitThread(this, t, status); }
  groupExit(p: Process, status: number): void { groupExit(this, p, status); }

  private consoleFiles(): [OpenFile, OpenFile] {
    if (this.console === null) {
      const io = this.opts.stdio ?? { input: process.stdin, output: { fd: 1 }, error: { fd: 2 } };
      this.console = makeConsole({ input: io.input, output: io.output });
      const errFd = io.error?.fd ?? io.output.fd;
      this.errConsole = sameHostFile(errFd, io.output.fd)
        ? this.console.get()
        : makeConsole({ input: Readable.from([]), output: { fd: errFd } });
    }
    return [this.console, this.errConsole!];
  }

  /**
   * Creates a process running `path` (a guest path, or a name looked up in
   * the environment's PATH) with fds 0-2 on the console. The first process
   * spawned is pid 1, whose exit ends run().
   * Throws an Error naming the errno when the program cannot be executed.
   */
  spawn(path: string, argv: string[], envp?: string[]): Process {
    const pid = this.allocPid();
    const mm = new Mm(this.pages, (a, l) => this.cpu.invalidate(a, l));
    mm.users = 1;
    const p = new Process(this, pid, null, mm, new SigHand(), rootCred(), defaultRlimits(this.stackBytes));
    const files = new FdTable();
    const [con, err] = this.consoleFiles();
    files.installAt(0, con.get(), false);
    files.installAt(1, con.get(), false);
    files.installAt(2, err.get(), false);
    const fs = this.vfs.initialFsState(this.opts.cwd ?? '/');
    const t = new Task(this, pid, p, files, fs);
    this.holdFiles(files);
    p.threads.push(t);
    this.processes.set(pid, p);
    this.tasks.set(pid, t);
    if (this.initProcess === null) this.initProcess = p;
    const enc = new TextEncoder();
    const env = envp ?? this.opts.env ?? [];
    const args = argv.map((s) => enc.encode(s));
    const envb = env.map((s) => enc.encode(s));
    // Like execvp: a name without a slash is looked up in the environment's PATH.
    const candidates = path.includes('/') ? [path]
      : (env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '/usr/sbin:/usr/bin:/sbin:/bin')
        .split(':').map((d) => `${d === '' ? '.' : d}/${path}`);
    let r = -2;
    for (const c of candidates) {
      r = execve(this, t, c, args, envb);
      if (r !== -2) break;
    }
    if (r < 0) {
      t.state = TaskState.Dead;
      this.dropFiles(t);
      this.processes.delete(pid);
      this.tasks.delete(pid);
      if (this.initProcess === p) this.initProcess = null;
      throw new Error(`cannot execute ${path}: ${errnoName(-r)} (${describeErrno(-r)})`);
    }
    this.sched.enqueue(t);
    return p;
  }

  /** Runs until the first process exits; resolves to its host exit code (128+N when killed by signal N). */
  async run(): Promise<number> {
    if (this.initProcess === null) throw new Error('nothing to run: spawn a process first');
    await this.sched.run();
    return hostExitCode(this.exitStatus);
  }

  /**
   * One line per live task: pid, name, state and the syscall it sleeps in
   * (for the deadlock report: what every task waits for).
   */
  describeTasks(): string[] {
    const out: string[] = [];
    for (const t of this.tasks.values()) {
      if (t.state === TaskState.Dead) continue;
      const state = t.state === TaskState.Blocked ? 'blocked' : t.state === TaskState.Stopped ? 'stopped' : 'runnable';
      const nr = t.call?.nr;
      const name = nr === undefined ? '' : (SYSCALL_TABLE[nr]?.name ?? `syscall_${nr}`);
      const vfork = t.proc.vforkDone !== null ? ' (vfork child, parent waiting)' : '';
      out.push(`pid ${t.tid} (${t.comm}) ${state}${name !== '' ? ` in ${name}` : ''}${vfork}`);
    }
    return out;
  }

  /**
   * Ends everything that is left (after the first process exited, or to
   * abort): remaining tasks stop, fds close, and the console stops reading
   * host input so the host process can exit.
   */
  shutdown(status?: number): void {
    if (!this.finished) this.finish(status ?? this.exitStatus);
    for (const t of [...this.tasks.values()]) {
      if (t.state === TaskState.Dead) continue;
      t.clearWaits();
      this.sched.unqueue(t);
      t.state = TaskState.Dead;
      this.dropFiles(t);
    }
    for (const f of [this.console, this.errConsole]) {
      if (f !== null) consoleDeviceOf(f)?.detach();
    }
    this.vfs.flush();
  }

  /** The first process exited: everything stops. */
  finish(status: number): void {
    if (this.finished) return;
    this.finished = true;
    this.exitStatus = status;
    this.sched.kick();
  }

  /**
   * A host signal (SIGINT, SIGTERM...) for the guest: to the foreground
   * process group of the console, or to the first process's group.
   */
  signalForeground(sig: number, pgid?: number): void {
    const g = pgid ?? this.initProcess?.pgid;
    if (g === undefined) return;
    for (const p of this.processes.values()) {
      if (p.pgid === g && p.state === 'alive') this.signals.sendToProcess(p, sig, { signo: sig, code: 0x80 });
    }
    this.sched.kick();
  }

  /** Processes that have not exited (for reports). */
  get liveProcesses(): number {
    let n = 0;
    for (const p of this.processes.values()) if (p.state === 'alive') n++;
    return n;
  }
}

function sameHostFile(a: number, b: number): boolean {
  if (a === b) return true;
  try {
    const x = fstatSync(a), y = fstatSync(b);
    return x.dev === y.dev && x.ino === y.ino && x.rdev === y.rdev;
  } catch {
    return false;
  }
}

/** A small deterministic PRNG (mulberry32) for --deterministic. */
function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

