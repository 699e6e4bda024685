/**
 * prctl (the options musl and BusyBox use) and arch_prctl (the fs and gs
 * bases: musl's thread pointer is fs).
 */
import { EINVAL, EPERM } from '../errno.js';
import { validSignal } from '../signal/defs.js';
import type { Process, Task } from '../task.js';

/** One each for the module: making them costs more than the call (BusyBox asks PR_GET_NAME at every start). */
const enc = new TextEncoder(), dec = new TextDecoder();

const ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004;
/** The top of the user half of the x86-64 address space (TASK_SIZE_MAX). */
const TASK_SIZE_MAX = 0x7fff_ffff_f000;

export function archPrctl(t: Task, code: number, addr: number): number {
  switch (code | 0) {
    case ARCH_SET_FS:
      if (addr < 0 || addr >= TASK_SIZE_MAX) return -EPERM;
      t.regs.fsBase = addr;
      return 0;
    case ARCH_SET_GS:
      if (addr < 0 || addr >= TASK_SIZE_MAX) return -EPERM;
      t.regs.gsBase = addr;
      return 0;
    case ARCH_GET_FS:
      t.mem.writeU64(addr, t.regs.fsBase);
      return 0;
    case ARCH_GET_GS:
      t.mem.writeU64(addr, t.regs.gsBase);
      return 0;
    default:
      return -EINVAL;
  }
}

const PR_SET_PDEATHSIG = 1, PR_GET_PDEATHSIG = 2, PR_GET_DUMPABLE = 3, PR_SET_DUMPABLE = 4;
const PR_SET_NAME = 15, PR_GET_NAME = 16, PR_CAPBSET_READ = 23, PR_SET_TIMERSLACK = 29, PR_GET_TIMERSLACK = 30;
const PR_SET_CHILD_SUBREAPER = 36, PR_GET_CHILD_SUBREAPER = 37, PR_SET_NO_NEW_PRIVS = 38, PR_GET_NO_NEW_PRIVS = 39;
const PR_GET_TID_ADDRESS = 40, PR_SET_THP_DISABLE = 41, PR_GET_THP_DISABLE = 42;

interface PrctlState { pdeathsig: number; dumpable: number; noNewPrivs: number; subreaper: number; timerslack: number }
const prctlState = new WeakMap<Process, PrctlState>();
function pstate(p: Process): PrctlState {
  let s = prctlState.get(p);
  if (s === undefined) { s = { pdeathsig: 0, dumpable: 1, noNewPrivs: 0, subreaper: 0, timerslack: 50000 }; prctlState.set(p, s); }
  return s;
}

export function prctl(t: Task, option: number, a2: number): number {
  const s = pstate(t.proc);
  switch (option | 0) {
    case PR_SET_NAME: {
      const b = t.mem.readBytes(a2, 16);
      const n = b.indexOf(0);
      t.comm = dec.decode(b.subarray(0, n < 0 ? 15 : Math.min(n, 15)));
      return 0;
    }
    case PR_GET_NAME: {
      const out = new Uint8Array(16);
      out.set(enc.encode(t.comm).subarray(0, 15));
      t.mem.writeBytes(a2, out);
      return 0;
    }
    case PR_SET_PDEATHSIG:
      if (!validSignal(a2 | 0) && (a2 | 0) !== 0) return -EINVAL;
      s.pdeathsig = a2 | 0;
      return 0;
    case PR_GET_PDEATHSIG: t.mem.writeU32(a2, s.pdeathsig); return 0;
    case PR_GET_DUMPABLE: return s.dumpable;
    case PR_SET_DUMPABLE:
      if ((a2 | 0) !== 0 && (a2 | 0) !== 1) return -EINVAL;
      s.dumpable = a2 | 0;
      return 0;
    case PR_CAPBSET_READ: return (a2 | 0) >= 0 && (a2 | 0) <= 40 ? 1 : -EINVAL;
    case PR_SET_TIMERSLACK: s.timerslack = a2 <= 0 ? 50000 : a2; return 0;
    case PR_GET_TIMERSLACK: return s.timerslack;
    case PR_SET_CHILD_SUBREAPER: s.subreaper = a2 !== 0 ? 1 : 0; return 0;
    case PR_GET_CHILD_SUBREAPER: t.mem.writeU32(a2, s.subreaper); return 0;
    case PR_SET_NO_NEW_PRIVS:
      if (a2 !== 1) return -EINVAL;
      s.noNewPrivs = 1;
      return 0;
    case PR_GET_NO_NEW_PRIVS: return s.noNewPrivs;
    case PR_GET_TID_ADDRESS: t.mem.writeU64(a2, t.clearChildTid); return 0;
    case PR_SET_THP_DISABLE: return 0;
    case PR_GET_THP_DISABLE: return 0;
    default:
      return -EINVAL;
  }
}

