/**
 * signalfd (fs/signalfd.c): reading dequeues pending signals of the set as
 * 128-byte struct signalfd_siginfo records, filled per siginfo layout as
 * signalfd_copyinfo does. A read dequeues the READING task's signals (the
 * generic read passes it as the fourth argument; the creator stands in when
 * a caller passes none). poll and the wait queue carry no task and follow
 * the creator's signals (Linux: the poller's).
 */
import { EAGAIN, EBADF, EINVAL } from '../errno.js';
import { type FileOps, O_NONBLOCK, O_RDWR, type OpenFile, POLLIN } from '../file.js';
import type { Handler } from '../syscalls/types.js';
import { installAnon, privOf } from './anon.js';
import { readSigMask, sigBit, sigMaskHex } from './guest.js';
import { SFD_CLOEXEC, SFD_NONBLOCK, SIGNALFD_SIGINFO as S } from './layout.js';
import type { SigInfo, SigMask, SignalSource, SpecialTask } from './types.js';
import { storeU64 } from '../../cpu/memory.js';

const SIGKILL = 9, SIGSTOP = 19;
const SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGFPE = 8, SIGSEGV = 11, SIGCHLD = 17, SIGPOLL = 29, SIGSYS = 31;
const SI_USER = 0, SI_KERNEL = 0x80, SI_TIMER = -2, SI_SIGIO = -5;
const BUS_MCEERR_AR = 4, BUS_MCEERR_AO = 5;

/** Highest si_code of each signal's own codes, and their layout (kernel/signal.c sig_sicodes). */
const SICODES: Record<number, { limit: number; layout: Layout }> = {
  [SIGILL]: { limit: 11, layout: 'fault' }, [SIGFPE]: { limit: 15, layout: 'fault' },
  [SIGSEGV]: { limit: 10, layout: 'fault' }, [SIGBUS]: { limit: 5, layout: 'fault' },
  [SIGTRAP]: { limit: 6, layout: 'fault' }, [SIGCHLD]: { limit: 6, layout: 'chld' },
  [SIGPOLL]: { limit: 6, layout: 'poll' }, [SIGSYS]: { limit: 2, layout: 'sys' },
};
const NSIGPOLL = 6;

type Layout = 'kill' | 'timer' | 'poll' | 'fault' | 'mceerr' | 'chld' | 'rt' | 'sys';

/** siginfo_layout(): which union member si_code selects. */
export function siginfoLayout(sig: number, code: number): Layout {
  if (code > SI_USER && code < SI_KERNEL) {
    const c = SICODES[sig];
    if (c !== undefined && code <= c.limit) {
      if (sig === SIGBUS && code >= BUS_MCEERR_AR && code <= BUS_MCEERR_AO) return 'mceerr';
      return c.layout;
    }
    return code <= NSIGPOLL ? 'poll' : 'kill';
  }
  if (code === SI_TIMER) return 'timer';
  if (code === SI_SIGIO) return 'poll';
  return code < 0 ? 'rt' : 'kill';
}

/** struct signalfd_siginfo for one dequeued signal. */
export function encodeSiginfo(i: SigInfo): Uint8Array {
  const b = new Uint8Array(S.size);
  const dv = new DataView(b.buffer);
  const u64 = (off: number, v: number): void => storeU64(dv, off, v);
  dv.setUint32(S.ssi_signo, i.signo >>> 0, true);
  dv.setInt32(S.ssi_errno, i.errno ?? 0, true);
  dv.setInt32(S.ssi_code, i.code, true);
  const value = i.value ?? 0;
  switch (siginfoLayout(i.signo, i.code)) {
    case 'kill':
      dv.setUint32(S.ssi_pid, (i.pid ?? 0) >>> 0, true);
      dv.setUint32(S.ssi_uid, (i.uid ?? 0) >>> 0, true);
      break;
    case 'timer':
      dv.setUint32(S.ssi_tid, (i.timerId ?? 0) >>> 0, true);
      dv.setUint32(S.ssi_overrun, (i.overrun ?? 0) >>> 0, true);
      u64(S.ssi_ptr, value);
      dv.setInt32(S.ssi_int, value | 0, true);
      break;
    case 'poll':
      dv.setUint32(S.ssi_band, (i.band ?? 0) >>> 0, true);
      dv.setInt32(S.ssi_fd, i.fd ?? 0, true);
      break;
    case 'fault':
      u64(S.ssi_addr, i.addr ?? 0);
      break;
    case 'mceerr':
      u64(S.ssi_addr, i.addr ?? 0);
      dv.setInt16(S.ssi_addr_lsb, i.addrLsb ?? 0, true);
      break;
    case 'chld':
      dv.setUint32(S.ssi_pid, (i.pid ?? 0) >>> 0, true);
      dv.setUint32(S.ssi_uid, (i.uid ?? 0) >>> 0, true);
      dv.setInt32(S.ssi_status, i.status ?? 0, true);
      u64(S.ssi_utime, i.utime ?? 0);
      u64(S.ssi_stime, i.stime ?? 0);
      break;
    case 'rt':
      dv.setUint32(S.ssi_pid, (i.pid ?? 0) >>> 0, true);
      dv.setUint32(S.ssi_uid, (i.uid ?? 0) >>> 0, true);
      u64(S.ssi_ptr, value);
      dv.setInt32(S.ssi_int, value | 0, true);
      break;
    case 'sys':
      u64(S.ssi_call_addr, i.callAddr ?? 0);
      dv.setInt32(S.ssi_syscall, i.syscall ?? 0, true);
      dv.setUint32(S.ssi_arch, (i.arch ?? 0) >>> 0, true);
      break;
  }
  return b;
}

export class SignalFd {
  constructor(public mask: SigMask, readonly owner: SpecialTask, readonly signals: SignalSource) {}
}

function ctx(file: OpenFile): SignalFd { return file.priv as SignalFd; }

/** The reader: the task passed by the generic code if any, else the creator. */
function reader(c: SignalFd, task: unknown): SpecialTask {
  return typeof task === 'object' && task !== null && 'mem' in task && 'files' in task ? task as SpecialTask : c.owner;
}

export const signalfdOps: FileOps & { read(file: OpenFile, dst: Uint8Array, pos: number, task?: unknown): number } = {
  read(file, dst, _pos, task?) {
    const c = ctx(file);
    const t = reader(c, task);
    const room = Math.floor(dst.length / S.size);
    if (room === 0) return -EINVAL;
    let n = 0;
    while (n < room) {
      const info = c.signals.dequeue(t, c.mask.lo, c.mask.hi);
      if (info === null) break;
      dst.set(encodeSiginfo(info), n * S.size);
      n++;
    }
    return n === 0 ? -EAGAIN : n * S.size;
  },
  poll(file) {
    const c = ctx(file);
    const p = c.signals.pending(c.owner);
    return ((p.lo & c.mask.lo) | (p.hi & c.mask.hi)) !== 0 ? POLLIN : 0;
  },
  waitQueue(file) { const c = ctx(file); return c.signals.queue(c.owner); },
  /** noop_llseek. */
  seek(file) { return file.pos; },
  /** No FMODE_PREAD/FMODE_PWRITE: pread and pwrite are ESPIPE. */
  stream: true,
  fdinfo(file) { return `sigmask:\t${sigMaskHex(ctx(file).mask)}\n`; },
};

export function signalfdCalls(signals: SignalSource): Record<'signalfd' | 'signalfd4', Handler<SpecialTask>> {
  const signalfd4: Handler<SpecialTask> = (t, ufd, maskp, sizemask, flags) => {
    if (sizemask !== 8) return -EINVAL;
    const m = readSigMask(t.mem, maskp);
    flags |= 0;
    ufd |= 0;
    if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK)) return -EINVAL;
    const kill = sigBit(SIGKILL), stop = sigBit(SIGSTOP);
    const mask = { lo: (m.lo & ~kill.lo & ~stop.lo) >>> 0, hi: m.hi >>> 0 };
    if (ufd === -1) {
      return installAnon(t, '[signalfd]', signalfdOps, new SignalFd(mask, t, signals),
        O_RDWR | (flags & (O_NONBLOCK | SFD_CLOEXEC)));
    }
    const f = t.files.get(ufd);
    if (f === null) return -EBADF;
    const c = privOf(f, signalfdOps, SignalFd);
    if (c === null) return -EINVAL;
    c.mask = mask;
    // Pollers re-evaluate against the new mask.
    signals.queue(c.owner).wake();
    return ufd;
  };
  return {
    signalfd: (t, ufd, maskp, sizemask) => signalfd4(t, ufd, maskp, sizemask, 0, 0, 0),
    signalfd4,
  };
}
