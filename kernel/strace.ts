/**
 * --strace: one line per guest syscall, as strace -f prints it:
 *
 *   [pid 3] openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3
 *   [pid 3] read(3, "root:x:0:0:root:/root:/bin/sh\n"..., 4096) = 512
 *   [pid 3] openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)
 *
 * Arguments are decoded from the table's argument kinds: strings and paths
 * at entry (exec replaces memory), buffers at exit (a read fills them).
 */
import { MemoryFault } from '../cpu/memory.js';
import { errnoName } from './errno.js';
import { signalName } from './signal/defs.js';
import type { SigInfo } from './signal/siginfo.js';
import type { Process, Task } from './task.js';
import type { ArgKind, SyscallDef } from './syscalls/types.js';

/** Where trace lines go (a host fd writer, a test collector). */
export interface TraceSink { write(s: string): void }

/** strace's default string limit (-s 32). */
const STR_MAX = 32;
const ARGV_MAX = 32;

const MESSAGES: Record<number, string> = {
  1: 'Operation not permitted', 2: 'No such file or directory', 3: 'No such process', 4: 'Interrupted system call',
  5: 'Input/output error', 6: 'No such device or address', 7: 'Argument list too long', 8: 'Exec format error',
  9: 'Bad file descriptor', 10: 'No child processes', 11: 'Resource temporarily unavailable',
  12: 'Cannot allocate memory', 13: 'Permission denied', 14: 'Bad address', 16: 'Device or resource busy',
  17: 'File exists', 18: 'Invalid cross-device link', 19: 'No such device', 20: 'Not a directory',
  21: 'Is a directory', 22: 'Invalid argument', 23: 'Too many open files in system', 24: 'Too many open files',
  25: 'Inappropriate ioctl for device', 26: 'Text file busy', 27: 'File too large', 28: 'No space left on device',
  29: 'Illegal seek', 30: 'Read-only file system', 31: 'Too many links', 32: 'Broken pipe',
  33: 'Numerical argument out of domain', 34: 'Numerical result out of range', 35: 'Resource deadlock avoided',
  36: 'File name too long', 37: 'No locks available', 38: 'Function not implemented', 39: 'Directory not empty',
  40: 'Too many levels of symbolic links', 61: 'No data available', 62: 'Timer expired',
  75: 'Value too large for defined data type', 80: 'Accessing a corrupted shared library',
  88: 'Socket operation on non-socket', 95: 'Operation not supported', 97: 'Address family not supported by protocol',
  110: 'Connection timed out', 512: 'To be restarted if SA_RESTART is set', 513: 'To be restarted',
  514: 'To be restarted if no handler', 516: 'To be restarted',
};

/** strerror text of an errno (as strace prints it in parentheses). */
export function describeErrno(e: number): string {
  return MESSAGES[e] ?? `Unknown error ${e}`;
}

const O_FLAGS: Array<[number, string]> = [
  [0o100, 'O_CREAT'], [0o200, 'O_EXCL'], [0o400, 'O_NOCTTY'], [0o1000, 'O_TRUNC'], [0o2000, 'O_APPEND'],
  [0o4000, 'O_NONBLOCK'], [0o4010000, 'O_SYNC'], [0o10000, 'O_DSYNC'], [0o20000, 'O_ASYNC'], [0o40000, 'O_DIRECT'],
  [0o100000, 'O_LARGEFILE'], [0o200000, 'O_DIRECTORY'], [0o400000, 'O_NOFOLLOW'], [0o1000000, 'O_NOATIME'],
  [0o2000000, 'O_CLOEXEC'], [0o10000000, 'O_PATH'],
];

function openFlags(v: number): string {
  const acc = ['O_RDONLY', 'O_WRONLY', 'O_RDWR', '0x3'][v & 3];
  const parts = [acc];
  let rest = v & ~3;
  for (const [bit, name] of O_FLAGS) {
    if ((rest & bit) === bit && bit !== 0) { parts.push(name); rest &= ~bit; }
  }
  if (rest !== 0) parts.push(`0x${(rest >>> 0).toString(16)}`);
  return parts.join('|');
}

const CLOCKS = ['CLOCK_REALTIME', 'CLOCK_MONOTONIC', 'CLOCK_PROCESS_CPUTIME_ID', 'CLOCK_THREAD_CPUTIME_ID',
  'CLOCK_MONOTONIC_RAW', 'CLOCK_REALTIME_COARSE', 'CLOCK_MONOTONIC_COARSE', 'CLOCK_BOOTTIME'];

const enc = (c: number): string => {
  switch (c) {
    case 0x07: return '\\a';
    case 0x08: return '\\b';
    case 0x09: return '\\t';
    case 0x0a: return '\\n';
    case 0x0b: return '\\v';
    case 0x0c: return '\\f';
    case 0x0d: return '\\r';
    case 0x22: return '\\"';
    case 0x5c: return '\\\\';
    default:
      return c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\${c.toString(8)}`;
  }
};

/** A quoted C string as strace shows it, with "..." when cut at `max` bytes. */
export function quote(bytes: Uint8Array, max = STR_MAX, truncated = false): string {
  let s = '"';
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    // strace writes octal escapes with 3 digits when a digit follows.
    const e = enc(c);
    s += e.startsWith('\\') && /^\\[0-7]+$/.test(e) && i + 1 < n && bytes[i + 1] >= 0x30 && bytes[i + 1] <= 0x37
      ? `\\${c.toString(8).padStart(3, '0')}` : e;
  }
  s += '"';
  return bytes.length > max || truncated ? `${s}...` : s;
}

function hex(v: number): string {
  if (v < 0) return `0x${BigInt.asUintN(64, BigInt(Math.trunc(v))).toString(16)}`;
  return `0x${v.toString(16)}`;
}

function ulong(v: number): string {
  return v < 0 ? BigInt.asUintN(64, BigInt(Math.trunc(v))).toString() : String(v);
}

type Formatted = string | ((result: number) => string);

/** Symbolic names of a bit set; leftover bits in hex; `zero` when no bit is set. */
function bits(v: number, names: Array<[number, string]>, zero = '0'): string {
  const parts: string[] = [];
  let rest = v >>> 0;
  for (const [bit, name] of names) if ((rest & bit) === bit && bit !== 0) { parts.push(name); rest = (rest & ~bit) >>> 0; }
  if (rest !== 0) parts.push(hex(rest));
  return parts.length === 0 ? zero : parts.join('|');
}

function oneOf(v: number, names: Record<number, string>): string {
  return names[v] ?? String(v);
}

const PROT: Array<[number, string]> = [[1, 'PROT_READ'], [2, 'PROT_WRITE'], [4, 'PROT_EXEC']];
const MAP: Array<[number, string]> = [[0x01, 'MAP_SHARED'], [0x02, 'MAP_PRIVATE'], [0x10, 'MAP_FIXED'],
  [0x20, 'MAP_ANONYMOUS'], [0x100, 'MAP_GROWSDOWN'], [0x800, 'MAP_DENYWRITE'], [0x1000, 'MAP_EXECUTABLE'],
  [0x2000, 'MAP_LOCKED'], [0x4000, 'MAP_NORESERVE'], [0x8000, 'MAP_POPULATE'], [0x10000, 'MAP_NONBLOCK'],
  [0x20000, 'MAP_STACK'], [0x40000, 'MAP_HUGETLB'], [0x100000, 'MAP_FIXED_NOREPLACE']];
const CLONE: Array<[number, string]> = [[0x100, 'CLONE_VM'], [0x200, 'CLONE_FS'], [0x400, 'CLONE_FILES'],
  [0x800, 'CLONE_SIGHAND'], [0x4000, 'CLONE_VFORK'], [0x8000, 'CLONE_PARENT'], [0x10000, 'CLONE_THREAD'],
  [0x40000, 'CLONE_SYSVSEM'], [0x80000, 'CLONE_SETTLS'], [0x100000, 'CLONE_PARENT_SETTID'],
  [0x200000, 'CLONE_CHILD_CLEARTID'], [0x400000, 'CLONE_DETACHED'], [0x1000000, 'CLONE_CHILD_SETTID']];
const WAIT: Array<[number, string]> = [[1, 'WNOHANG'], [2, 'WUNTRACED'], [4, 'WEXITED'], [8, 'WCONTINUED'],
  [0x01000000, 'WNOWAIT'], [0x20000000, '__WNOTHREAD'], [0x40000000, '__WALL'], [0x80000000, '__WCLONE']];
const FUTEX: Record<number, string> = { 0: 'FUTEX_WAIT', 1: 'FUTEX_WAKE', 3: 'FUTEX_REQUEUE', 4: 'FUTEX_CMP_REQUEUE',
  5: 'FUTEX_WAKE_OP', 9: 'FUTEX_WAIT_BITSET', 10: 'FUTEX_WAKE_BITSET' };
const FCNTL: Record<number, string> = { 0: 'F_DUPFD', 1: 'F_GETFD', 2: 'F_SETFD', 3: 'F_GETFL', 4: 'F_SETFL',
  5: 'F_GETLK', 6: 'F_SETLK', 7: 'F_SETLKW', 1030: 'F_DUPFD_CLOEXEC' };
const PRCTL: Record<number, string> = { 1: 'PR_SET_PDEATHSIG', 2: 'PR_GET_PDEATHSIG', 3: 'PR_GET_DUMPABLE',
  4: 'PR_SET_DUMPABLE', 15: 'PR_SET_NAME', 16: 'PR_GET_NAME', 38: 'PR_SET_NO_NEW_PRIVS', 39: 'PR_GET_NO_NEW_PRIVS' };
const ARCH_PRCTL: Record<number, string> = { 0x1001: 'ARCH_SET_GS', 0x1002: 'ARCH_SET_FS', 0x1003: 'ARCH_GET_FS', 0x1004: 'ARCH_GET_GS' };
const SIGHOW: Record<number, string> = { 0: 'SIG_BLOCK', 1: 'SIG_UNBLOCK', 2: 'SIG_SETMASK' };

/** Per-call argument decoders where a kind alone says too little (strace's symbolic flags). */
const SPECIAL_ARGS: Record<string, Record<number, (v: number) => string>> = {
  mmap: { 2: (v) => bits(v, PROT, 'PROT_NONE'), 3: (v) => bits(v, MAP) },
  mprotect: { 2: (v) => bits(v, PROT, 'PROT_NONE') },
  clone: { 0: (v) => bits(v & ~0xff, CLONE) + ((v & 0xff) !== 0 ? `|${signalName(v & 0xff)}` : '') },
  wait4: { 2: (v) => bits(v, WAIT) },
  waitid: { 3: (v) => bits(v, WAIT) },
  futex: { 1: (v) => (FUTEX[v & 0x7f] ?? String(v & 0x7f)) + ((v & 128) !== 0 ? '_PRIVATE' : '') },
  fcntl: { 1: (v) => oneOf(v, FCNTL) },
  prctl: { 0: (v) => oneOf(v, PRCTL), 1: (v) => (v > 0xffff ? hex(v) : String(v)) },
  arch_prctl: { 0: (v) => oneOf(v, ARCH_PRCTL), 1: (v) => hex(v) },
  rt_sigprocmask: { 0: (v) => oneOf(v, SIGHOW) },
};

const SIGCHLD_CODES: Record<number, string> = { 1: 'CLD_EXITED', 2: 'CLD_KILLED', 3: 'CLD_DUMPED', 4: 'CLD_TRAPPED',
  5: 'CLD_STOPPED', 6: 'CLD_CONTINUED' };
const SEGV_CODES: Record<number, string> = { 1: 'SEGV_MAPERR', 2: 'SEGV_ACCERR' };
const GENERIC_CODES: Record<number, string> = { 0: 'SI_USER', 0x80: 'SI_KERNEL', [-1]: 'SI_QUEUE', [-2]: 'SI_TIMER',
  [-6]: 'SI_TKILL' };

function siCode(signo: number, code: number): string {
  if (code > 0 && code < 0x80) {
    if (signo === 17) return SIGCHLD_CODES[code] ?? String(code);
    if (signo === 11) return SEGV_CODES[code] ?? String(code);
  }
  return GENERIC_CODES[code] ?? String(code);
}

interface Pending { def: SyscallDef<Task> | null; nr: number; args: Formatted[] }

export class Strace {
  private readonly pending = new Map<Task, Pending>();

  constructor(private readonly sink: TraceSink) {}

  private line(pid: number, s: string): void {
    this.sink.write(`[pid ${pid}] ${s}\n`);
  }

  private readStr(t: Task, addr: number, max: number): string {
    if (addr === 0) return 'NULL';
    try {
      const n = t.mem.strlen(addr, max + 1);
      if (n < 0) return quote(t.mem.readBytes(addr, max), max, true);
      return quote(t.mem.readBytes(addr, n), max);
    } catch (e) {
      if (e instanceof MemoryFault) return hex(addr);
      throw e;
    }
  }

  private format(t: Task, kind: ArgKind, v: number, next: number | undefined): Formatted {
    switch (kind) {
      case 'int': case 'fd': case 'pid': return String(v | 0);
      case 'uint': return String(v >>> 0);
      case 'long': case 'ssize': case 'off': return String(v);
      case 'ulong': case 'size': return ulong(v);
      case 'dirfd': return (v | 0) === -100 ? 'AT_FDCWD' : String(v | 0);
      case 'ptr': case 'struct': return v === 0 ? 'NULL' : hex(v);
      case 'str': return this.readStr(t, v, STR_MAX);
      case 'path': return this.readStr(t, v, 4096);
      case 'strv': return this.strv(t, v);
      case 'flags': return hex(v >>> 0);
      case 'oflags': return openFlags(v >>> 0);
      case 'mode': return `0${(v >>> 0).toString(8).padStart(3, '0')}`;
      case 'sig': return (v | 0) === 0 ? '0' : signalName(v | 0);
      case 'clockid': return CLOCKS[v | 0] ?? String(v | 0);
      case 'buf':
        return (result: number) => {
          if (v === 0) return 'NULL';
          const len = Math.min(result >= 0 ? result : 0, next ?? 0);
          if (result < 0) return hex(v);
          try {
            const n = Math.min(len, STR_MAX);
            return quote(t.mem.readBytes(v, n), STR_MAX, len > STR_MAX);
          } catch (e) {
            if (e instanceof MemoryFault) return hex(v);
            throw e;
          }
        };
    }
  }

  private strv(t: Task, addr: number): string {
    if (addr === 0) return 'NULL';
    try {
      const items: string[] = [];
      for (let i = 0; ; i++) {
        const p = t.mem.readU64(addr + 8 * i);
        if (p === 0) break;
        if (i >= ARGV_MAX) { items.push('...'); break; }
        items.push(this.readStr(t, p, STR_MAX));
      }
      return `[${items.join(', ')}]`;
    } catch (e) {
      if (e instanceof MemoryFault) return hex(addr);
      throw e;
    }
  }

  enter(t: Task, nr: number, def: SyscallDef<Task> | null): void {
    const a = t.call!.args;
    const kinds = def?.args ?? [];
    const special = def !== null ? SPECIAL_ARGS[def.name] : undefined;
    const args = kinds.map((kind, i): Formatted => {
      const f = special?.[i];
      if (f !== undefined) return f(a[i]);
      // strace abbreviates the environment of execve.
      if (kind === 'strv' && def !== null && ((def.name === 'execve' && i === 2) || (def.name === 'execveat' && i === 3))) {
        return this.envCount(t, a[i]);
      }
      return this.format(t, kind, a[i], a[i + 1]);
    });
    this.pending.set(t, { def, nr, args });
  }

  private envCount(t: Task, addr: number): string {
    if (addr === 0) return 'NULL';
    try {
      let n = 0;
      while (t.mem.readU64(addr + 8 * n) !== 0) n++;
      return `${hex(addr)} /* ${n} var${n === 1 ? '' : 's'} */`;
    } catch (e) {
      if (e instanceof MemoryFault) return hex(addr);
      throw e;
    }
  }

  exit(t: Task, result: number | null): void {
    const p = this.pending.get(t);
    if (p === undefined) return;
    this.pending.delete(t);
    const name = p.def?.name ?? `syscall_${hex(p.nr)}`;
    const r = result ?? 0;
    const args = p.args.map((f) => (typeof f === 'string' ? f : f(r))).join(', ');
    let res: string;
    if (result === null) res = '?';
    else if (result < 0 && result >= -4095) res = `-1 ${errnoName(-result)} (${describeErrno(-result)})`;
    else if (name === 'mmap' || name === 'mremap' || name === 'brk') res = hex(result);
    else res = String(result);
    this.line(t.pid === t.tid ? t.pid : t.tid, `${name}(${args}) = ${res}`);
  }

  signal(t: Task, info: SigInfo): void {
    const fields = [`si_signo=${signalName(info.signo)}`, `si_code=${siCode(info.signo, info.code)}`];
    if (info.addr !== undefined) fields.push(`si_addr=${info.addr === 0 ? 'NULL' : hex(info.addr)}`);
    else if (info.pid !== undefined) fields.push(`si_pid=${info.pid}`, `si_uid=${info.uid ?? 0}`);
    if (info.signo === 17 && info.status !== undefined) fields.push(`si_status=${info.status}`);
    this.line(t.tid, `--- ${signalName(info.signo)} {${fields.join(', ')}} ---`);
  }

  /** Calls that never return (exit, exit_group, a killed task's) are closed with `= ?` before the process line. */
  private flushDying(p: Process): void {
    for (const t of [...this.pending.keys()]) if (t.proc === p) this.exit(t, null);
  }

  killed(p: Process, sig: number, core: boolean): void {
    this.flushDying(p);
    this.line(p.pid, `+++ killed by ${signalName(sig)}${core ? ' (core dumped)' : ''} +++`);
  }

  exited(p: Process): void {
    this.flushDying(p);
    if ((p.exitStatus & 0x7f) !== 0) return;
    this.line(p.pid, `+++ exited with ${(p.exitStatus >> 8) & 0xff} +++`);
  }
}
