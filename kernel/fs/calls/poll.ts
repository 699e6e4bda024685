/**
 * poll, ppoll, select, pselect6 over any file: readiness comes from each
 * file's poll() (files without one are always readable and writable), and a
 * task with nothing ready sleeps on every file's wait queue and the deadline.
 * Retried calls keep the deadline of their first attempt (remembered per
 * task and argument list until the call completes).
 */
import { PERM_R, PERM_W } from '../../../cpu/memory.js';
import { EBADF, EFAULT, EINTR, EINVAL, ERESTARTNOHAND } from '../../errno.js';
import {
  O_PATH, type OpenFile, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDBAND, POLLRDNORM,
  POLLWRBAND, POLLWRNORM,
} from '../../file.js';
import { BLOCK, type WaitQueue } from '../../wait.js';
import { monotonicNs } from '../inode.js';
import { POLLFD, POLLFD_SIZE, TIMESPEC } from '../layout.js';
import type { FsHandler, FsTask } from '../task.js';

const DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
const POLLIN_SET = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
const POLLOUT_SET = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
const POLLEX_SET = POLLPRI;

export function fileMask(f: OpenFile): number { return f.ops.poll !== undefined ? f.ops.poll(f) : DEFAULT_POLLMASK; }

/** Deadlines of calls in progress, so a retry does not restart the timeout. */
const pending = new WeakMap<FsTask, { key: string; deadline: number }>();

function deadlineFor(t: FsTask, key: string, timeoutNs: number | null): number {
  const p = pending.get(t);
  if (p !== undefined && p.key === key) return p.deadline;
  const deadline = timeoutNs === null ? Infinity : monotonicNs() + timeoutNs;
  pending.set(t, { key, deadline });
  return deadline;
}
function done(t: FsTask): void { pending.delete(t); }
/** The deadline of this call if it has one already, else what it would be (without remembering it). */
function peekDeadline(t: FsTask, key: string, timeoutNs: number | null): number {
  const p = pending.get(t);
  if (p !== undefined && p.key === key) return p.deadline;
  return timeoutNs === null ? Infinity : monotonicNs() + timeoutNs;
}

/**
 * Sleeps on the queues until the deadline, or gives up: 0 for an expired
 * timeout, -EINTR/-ERESTARTNOHAND for a signal, BLOCK to wait.
 */
function waitOrGiveUp(t: FsTask, queues: Set<WaitQueue>, deadline: number, restartable: boolean): number {
  if (deadline !== Infinity && monotonicNs() >= deadline) return 0;
  if (t.signalPending()) return restartable ? -ERESTARTNOHAND : -EINTR;
  for (const q of queues) t.waitOn(q);
  if (deadline !== Infinity) t.waitDeadline(deadline);
  return BLOCK;
}

function readTimespec(t: FsTask, ptr: number): number | null {
  if (ptr === 0) return null;
  const sec = t.mem.readI64(ptr + TIMESPEC.tv_sec), nsec = t.mem.readI64(ptr + TIMESPEC.tv_nsec);
  if (sec < 0 || nsec < 0 || nsec >= 1e9) return -1;
  return sec * 1e9 + nsec;
}
/**
 * The time left until deadline into the guest's timeval/timespec. Infinity
 * writes nothing: no timeout, and (as poll_select_set_timeout and
 * poll_select_finish do) a zero one, which is neither timed nor updated.
 */
function writeRemaining(t: FsTask, ptr: number, deadline: number, usec: boolean): void {
  if (ptr === 0 || deadline === Infinity) return;
  const left = Math.max(0, deadline - monotonicNs());
  const sec = Math.floor(left / 1e9);
  const frac = left - sec * 1e9;
  t.mem.writeU64(ptr, sec);
  t.mem.writeU64(ptr + 8, usec ? Math.floor(frac / 1000) : frac);
}

/** One pass over a pollfd array: fills revents, returns the ready count and the queues to sleep on. */
function scanPollfds(t: FsTask, fds: number, nfds: number, queues: Set<WaitQueue>): number {
  let count = 0;
  for (let i = 0; i < nfds; i++) {
    const p = fds + POLLFD_SIZE * i;
    const fd = t.mem.readI32(p + POLLFD.fd);
    const events = t.mem.readU16(p + POLLFD.events);
    let revents = 0;
    if (fd >= 0) {
      const f = t.files.get(fd);
      if (f === null || (f.flags & O_PATH) !== 0) revents = POLLNVAL;
      else {
        revents = fileMask(f) & (events | POLLERR | POLLHUP);
        const q = f.ops.waitQueue?.(f);
        if (q !== undefined) queues.add(q);
      }
    }
    t.mem.writeU16(p + POLLFD.revents, revents);
    if (revents !== 0) count++;
  }
  return count;
}

/**
 * poll and ppoll. The key a retry remembers its deadline by is made of the
 * arguments (`a`, `b`: the timeout and, for ppoll, the mask pointer), built
 * only when the task has a deadline pending or is about to sleep.
 */
function pollCommon(t: FsTask, name: string, fds: number, nfdsv: number, a: number, b: number, timeoutNs: number | null, tsp: number,
  restartable: boolean): number {
  const nfds = nfdsv >>> 0;
  if (nfds > t.files.limit) return -EINVAL;
  // The scratch set select uses too (one call at a time), emptied before it returns.
  const queues = scanQueues;
  forgetQueues();
  const count = scanPollfds(t, fds, nfds, queues);
  if (count > 0 || timeoutNs === 0) {
    const dl = timeoutNs === 0 || timeoutNs === null ? Infinity
      : pending.has(t) ? peekDeadline(t, `${name}:${fds}:${nfdsv}:${a}:${b}`, timeoutNs) : monotonicNs() + timeoutNs;
    forgetQueues();
    done(t);
    writeRemaining(t, tsp, dl, false);
    return count;
  }
  const deadline = deadlineFor(t, `${name}:${fds}:${nfdsv}:${a}:${b}`, timeoutNs);
  const r = waitOrGiveUp(t, queues, deadline, restartable);
  forgetQueues();
  if (r !== BLOCK) { done(t); writeRemaining(t, tsp, deadline, false); }
  return r;
}

export const poll: FsHandler = (t, fds, nfds, timeout) => {
  const ms = timeout | 0;
  return pollCommon(t, 'poll', fds, nfds, ms, 0, ms < 0 ? null : ms * 1e6, 0, ms < 0);
};

/** Installs the temporary mask of ppoll/pselect6 (sigsetsize must be 8). */
function tempMask(t: FsTask, maskPtr: number, size: number): number {
  if (maskPtr === 0) return 0;
  if (size !== 8) return -EINVAL;
  t.setTemporarySigmask(t.mem.readU32(maskPtr), t.mem.readU32(maskPtr + 4));
  return 0;
}

export const ppoll: FsHandler = (t, fds, nfds, tsp, sigmask, sigsetsize) => {
  const timeout = readTimespec(t, tsp);
  if (timeout === -1) return -EINVAL;
  const m = tempMask(t, sigmask, sigsetsize);
  if (m < 0) return m;
  return pollCommon(t, 'ppoll', fds, nfds, tsp, sigmask, timeout, tsp, true);
};

/**
 * Scratch for select's result sets (one call at a time: the kernel runs one
 * handler at once and the sets are copied out before it returns) and the
 * queues a select or poll would sleep on: a call over files that are ready
 * allocates nothing.
 */
let outR = new Uint8Array(128), outW = new Uint8Array(128), outE = new Uint8Array(128);
const scanQueues = new Set<WaitQueue>();
/**
 * Empties scanQueues. Set.clear() allocates a new table even for an empty
 * set: it was 20% of the select-10 row (files have no queue, so the set
 * stays empty there).
 */
function forgetQueues(): void {
  if (scanQueues.size !== 0) scanQueues.clear();
}

/**
 * One pass over select's fd sets (read straight from guest memory, which the
 * caller checked) into outR/outW/outE; -EBADF for a set bit naming no open
 * file. Byte by byte, skipping bytes no set has a bit in: select-1000 over
 * files walks a thousand descriptors a call, so nothing here allocates per fd.
 */
function scanSets(t: FsTask, n: number, r: number, w: number, e: number, bytes: number): number {
  const u8 = t.mem.u8;
  let count = 0;
  for (let byte = 0; byte < bytes; byte++) {
    const rb = r === 0 ? 0 : u8[r + byte], wb = w === 0 ? 0 : u8[w + byte], eb = e === 0 ? 0 : u8[e + byte];
    const any = rb | wb | eb;
    if (any === 0) continue;
    for (let b = 0; b < 8; b++) {
      const bit = 1 << b;
      if ((any & bit) === 0) continue;
      const fd = byte * 8 + b;
      if (fd >= n) break;
      const f = t.files.get(fd);
      if (f === null || (f.flags & O_PATH) !== 0) return -EBADF;
      const mask = fileMask(f);
      const q = f.ops.waitQueue?.(f);
      if (q !== undefined) scanQueues.add(q);
      if ((rb & bit) !== 0 && (mask & POLLIN_SET) !== 0) { outR[byte] |= bit; count++; }
      if ((wb & bit) !== 0 && (mask & POLLOUT_SET) !== 0) { outW[byte] |= bit; count++; }
      if ((eb & bit) !== 0 && (mask & POLLEX_SET) !== 0) { outE[byte] |= bit; count++; }
    }
  }
  return count;
}

/** The key a retried select remembers its deadline by (built only when the task has one pending). */
function selectKey(name: string, nfds: number, r: number, w: number, e: number, tp: number, sig: number): string {
  return `${name}:${nfds}:${r}:${w}:${e}:${tp}:${sig}`;
}

/** The first `bytes` of a result set into the guest's set at p (checked writable by selectCommon). */
function copyOut(t: FsTask, p: number, set: Uint8Array, bytes: number): void {
  const u8 = t.mem.u8;
  for (let k = 0; k < bytes; k++) u8[p + k] = set[k];
  t.mem.notifyWrite(p, bytes);
}

/** select's result: the sets copied out, the time left written back. */
function selectFinish(t: FsTask, result: number, deadline: number, r: number, w: number, e: number, bytes: number, tp: number, usec: boolean): number {
  done(t);
  if (result >= 0 && bytes > 0) {
    if (r !== 0) copyOut(t, r, outR, bytes);
    if (w !== 0) copyOut(t, w, outW, bytes);
    if (e !== 0) copyOut(t, e, outE, bytes);
  }
  writeRemaining(t, tp, deadline, usec);
  return result;
}

function selectCommon(t: FsTask, name: string, nfdsv: number, r: number, w: number, e: number, timeoutNs: number | null, tp: number, usec: boolean,
  sig: number): number {
  const nfds = nfdsv | 0;
  if (nfds < 0) return -EINVAL;
  // Like core_sys_select, bits past the fd table's capacity (a multiple of 64) are ignored.
  const n = Math.min(nfds, Math.max(64, Math.ceil(t.files.size / 64) * 64));
  const bytes = Math.ceil(n / 64) * 8;
  if (bytes > 0) {
    if (r !== 0 && !t.mem.check(r, bytes, PERM_R | PERM_W)) return -EFAULT;
    if (w !== 0 && !t.mem.check(w, bytes, PERM_R | PERM_W)) return -EFAULT;
    if (e !== 0 && !t.mem.check(e, bytes, PERM_R | PERM_W)) return -EFAULT;
  }
  if (outR.length < bytes) { outR = new Uint8Array(bytes); outW = new Uint8Array(bytes); outE = new Uint8Array(bytes); }
  // A loop, not fill(): select-10's sets are 8 bytes, less than the builtin call costs.
  for (let k = 0; k < bytes; k++) { outR[k] = 0; outW[k] = 0; outE[k] = 0; }
  forgetQueues();
  const count = scanSets(t, n, r, w, e, bytes);
  if (count < 0) { forgetQueues(); done(t); return count; }
  if (count > 0 || timeoutNs === 0) {
    forgetQueues();
    const deadline = timeoutNs === 0 || timeoutNs === null ? Infinity
      : pending.has(t) ? peekDeadline(t, selectKey(name, nfdsv, r, w, e, tp, sig), timeoutNs) : monotonicNs() + timeoutNs;
    return selectFinish(t, count, deadline, r, w, e, bytes, tp, usec);
  }
  const deadline = deadlineFor(t, selectKey(name, nfdsv, r, w, e, tp, sig), timeoutNs);
  const res = waitOrGiveUp(t, scanQueues, deadline, true);
  forgetQueues();
  return res === BLOCK ? BLOCK : selectFinish(t, res, deadline, r, w, e, bytes, tp, usec);
}

export const select: FsHandler = (t, nfds, r, w, e, tvp) => {
  let timeout: number | null = null;
  if (tvp !== 0) {
    const sec = t.mem.readI64(tvp), usec = t.mem.readI64(tvp + 8);
    if (sec < 0 || usec < 0 || usec >= 1e6) return -EINVAL;
    timeout = sec * 1e9 + usec * 1000;
  }
  return selectCommon(t, 'select', nfds, r, w, e, timeout, tvp, true, 0);
};

/** pselect6(nfds, r, w, e, timespec*, { sigset_t *ss; size_t ss_len } *). */
export const pselect6: FsHandler = (t, nfds, r, w, e, tsp, sig) => {
  const timeout = readTimespec(t, tsp);
  if (timeout === -1) return -EINVAL;
  if (sig !== 0) {
    const m = tempMask(t, t.mem.readU64(sig), t.mem.readU64(sig + 8));
    if (m < 0) return m;
  }
  return selectCommon(t, 'pselect6', nfds, r, w, e, timeout, tsp, false, sig);
};
