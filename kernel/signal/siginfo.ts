/**
 * siginfo_t as the x86-64 kernel lays it out (include/uapi/asm-generic/siginfo.h):
 * 128 bytes; si_signo, si_errno, si_code, then a union at offset 16 whose
 * member depends on the signal and si_code.
 */
import { storeU64, type GuestMemory } from '../../cpu/memory.js';
import { SIGBUS, SIGCHLD, SIGFPE, SIGILL, SIGSEGV, SIGTRAP, SI_QUEUE, SI_TIMER, SI_USER, SI_TKILL } from './defs.js';

export const SIGINFO_SIZE = 128;
export const SI_SIGNO = 0, SI_ERRNO = 4, SI_CODE = 8;
/** Union members (offsets from the start of siginfo_t). */
export const SI_PID = 16, SI_UID = 20, SI_STATUS = 24, SI_UTIME = 32, SI_STIME = 40;
export const SI_VALUE = 24, SI_ADDR = 16, SI_TID = 16, SI_OVERRUN = 20, SI_BAND = 16, SI_FD = 24;

export interface SigInfo {
  signo: number;
  code: number;
  errno?: number;
  pid?: number;
  uid?: number;
  /** SIGCHLD: exit code or signal. */
  status?: number;
  utime?: number;
  stime?: number;
  /** Faults: the faulting address. */
  addr?: number;
  /** sigqueue / timers: the 8-byte sigval. */
  value?: number;
  /** POSIX timers. */
  timerId?: number;
  overrun?: number;
  band?: number;
  fd?: number;
}

function isFault(i: SigInfo): boolean {
  return i.code > 0 && i.code < 0x80 &&
    (i.signo === SIGSEGV || i.signo === SIGBUS || i.signo === SIGILL || i.signo === SIGFPE || i.signo === SIGTRAP);
}

/** Writes the 128-byte siginfo_t at addr, choosing the union member as Linux's copy_siginfo_to_user does. */
export function writeSigInfo(mem: GuestMemory, addr: number, i: SigInfo): void {
  const b = new Uint8Array(SIGINFO_SIZE);
  const dv = new DataView(b.buffer);
  dv.setInt32(SI_SIGNO, i.signo, true);
  dv.setInt32(SI_ERRNO, i.errno ?? 0, true);
  dv.setInt32(SI_CODE, i.code, true);
  const u64 = (off: number, v: number): void => storeU64(dv, off, v);
  if (isFault(i)) {
    u64(SI_ADDR, i.addr ?? 0);
  } else if (i.signo === SIGCHLD && i.code > 0) {
    dv.setInt32(SI_PID, i.pid ?? 0, true);
    dv.setUint32(SI_UID, i.uid ?? 0, true);
    dv.setInt32(SI_STATUS, i.status ?? 0, true);
    u64(SI_UTIME, i.utime ?? 0);
    u64(SI_STIME, i.stime ?? 0);
  } else if (i.code === SI_TIMER) {
    dv.setInt32(SI_TID, i.timerId ?? 0, true);
    dv.setInt32(SI_OVERRUN, i.overrun ?? 0, true);
    u64(SI_VALUE, i.value ?? 0);
  } else if (i.band !== undefined) {
    u64(SI_BAND, i.band);
    dv.setInt32(SI_FD, i.fd ?? 0, true);
  } else {
    // SI_USER, SI_TKILL, SI_QUEUE, SI_KERNEL and the rest: kill/rt layout.
    dv.setInt32(SI_PID, i.pid ?? 0, true);
    dv.setUint32(SI_UID, i.uid ?? 0, true);
    if (i.value !== undefined || i.code === SI_QUEUE) u64(SI_VALUE, i.value ?? 0);
  }
  mem.writeBytes(addr, b);
}

/** Reads a guest siginfo_t given to rt_sigqueueinfo (kill/rt layout). */
export function readSigInfo(mem: GuestMemory, addr: number): SigInfo {
  return {
    signo: mem.readI32(addr + SI_SIGNO),
    errno: mem.readI32(addr + SI_ERRNO),
    code: mem.readI32(addr + SI_CODE),
    pid: mem.readI32(addr + SI_PID),
    uid: mem.readU32(addr + SI_UID),
    value: mem.readU64(addr + SI_VALUE),
  };
}

/** The siginfo of kill(2)/tkill(2) from a sender. */
export function userSigInfo(sig: number, pid: number, uid: number, tkill = false): SigInfo {
  return { signo: sig, code: tkill ? SI_TKILL : SI_USER, pid, uid };
}
