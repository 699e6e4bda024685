/**
 * futex(2) (kernel/futex/): wait queues keyed by address. There is one
 * address space, so private and shared futexes use the same key. A waiter is
 * an object that stays queued across retries of the blocked call, so a wake
 * counts waiters exactly and a woken waiter returns 0 even if the word has
 * changed meanwhile.
 */
import { EAGAIN, EINVAL, ENOSYS, ERESTARTSYS, ETIMEDOUT, EINTR } from '../errno.js';
import type { Task } from '../task.js';
import { TaskState } from '../task.js';
import { BLOCK, WaitQueue } from '../wait.js';
import { readTimespec } from './util.js';

export const FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_FD = 2, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4;
export const FUTEX_WAKE_OP = 5, FUTEX_LOCK_PI = 6, FUTEX_UNLOCK_PI = 7, FUTEX_TRYLOCK_PI = 8;
export const FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10, FUTEX_WAIT_REQUEUE_PI = 11;
export const FUTEX_CMP_REQUEUE_PI = 12, FUTEX_LOCK_PI2 = 13;
export const FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256;
export const FUTEX_CMD_MASK = ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
export const FUTEX_BITSET_MATCH_ANY = 0xffffffff;

class Waiter {
  woken = false;
  readonly q = new WaitQueue();
  constructor(readonly task: Task, public addr: number, readonly bitset: number) {}
}

export class FutexTable {
  private readonly queues = new Map<number, Waiter[]>();

  enqueue(w: Waiter): void {
    let l = this.queues.get(w.addr);
    if (l === undefined) { l = []; this.queues.set(w.addr, l); }
    l.push(w);
  }

  remove(w: Waiter): void {
    const l = this.queues.get(w.addr);
    if (l === undefined) return;
    const i = l.indexOf(w);
    if (i >= 0) l.splice(i, 1);
    if (l.length === 0) this.queues.delete(w.addr);
  }

  /** Wakes up to n waiters on addr whose bitset intersects `bitset`; returns how many. */
  wake(addr: number, n: number, bitset: number): number {
    const l = this.queues.get(addr);
    if (l === undefined) return 0;
    let woken = 0;
    for (let i = 0; i < l.length && woken < n;) {
      const w = l[i];
      if (w.task.state === TaskState.Dead) { l.splice(i, 1); continue; }
      if (((w.bitset & bitset) >>> 0) === 0) { i++; continue; }
      l.splice(i, 1);
      w.woken = true;
      w.q.wake();
      woken++;
    }
    if (l.length === 0) this.queues.delete(addr);
    return woken;
  }

  /** Wakes nWake waiters on from, moves up to nMove of the rest to `to`; returns woken + moved. */
  requeue(from: number, to: number, nWake: number, nMove: number): number {
    const woken = this.wake(from, nWake, FUTEX_BITSET_MATCH_ANY);
    const l = this.queues.get(from);
    let moved = 0;
    while (l !== undefined && l.length > 0 && moved < nMove) {
      const w = l.shift()!;
      w.addr = to;
      this.enqueue(w);
      moved++;
    }
    if (l !== undefined && l.length === 0) this.queues.delete(from);
    return woken + moved;
  }

  waiters(addr: number): number { return this.queues.get(addr)?.length ?? 0; }

  newWaiter(t: Task, addr: number, bitset: number): Waiter { return new Waiter(t, addr, bitset); }
}

interface WaitState { waiter: Waiter; deadline: number }

/** FUTEX_WAIT / FUTEX_WAIT_BITSET. `abs`: the timeout is an absolute time (WAIT_BITSET) on `realtime` or monotonic. */
function futexWait(t: Task, addr: number, val: number, timeout: number, bitset: number, abs: boolean, realtime: boolean): number {
  const k = t.kernel;
  let st = t.callState as WaitState | undefined;
  if (st === undefined) {
    if (addr % 4 !== 0) return -EINVAL;
    if (bitset === 0) return -EINVAL;
    let deadline = Infinity;
    if (timeout !== 0) {
      const ts = readTimespec(t.mem, timeout);
      if (ts === null) return -EINVAL;
      if (abs) {
        deadline = realtime ? t.callStartNs + (ts - k.clock.realtimeNs()) : ts;
      } else {
        deadline = t.callStartNs + ts;
      }
    }
    const cur = t.mem.readU32(addr);
    if (cur !== (val >>> 0)) return -EAGAIN;
    st = { waiter: k.futex.newWaiter(t, addr, bitset), deadline };
    k.futex.enqueue(st.waiter);
    t.callState = st;
  }
  if (st.waiter.woken) return 0;
  if (k.clock.monotonicNs() >= st.deadline) { k.futex.remove(st.waiter); return -ETIMEDOUT; }
  if (t.signalPending()) {
    k.futex.remove(st.waiter);
    return st.deadline === Infinity ? -ERESTARTSYS : -EINTR;
  }
  t.waitOn(st.waiter.q);
  t.waitDeadline(st.deadline);
  return BLOCK;
}

/** FUTEX_WAKE_OP's operation on the second word; returns whether waiters of uaddr2 are woken too. */
function wakeOp(t: Task, addr2: number, op: number): boolean {
  const opcode = (op >>> 28) & 7;
  const cmp = (op >>> 24) & 15;
  let oparg = (op << 8) >> 20;
  let cmparg = (op << 20) >> 20;
  if ((op >>> 31) & 1) oparg = 1 << (oparg & 31);
  const old = t.mem.readI32(addr2);
  let nv: number;
  switch (opcode) {
    case 0: nv = oparg; break;
    case 1: nv = old + oparg; break;
    case 2: nv = old | oparg; break;
    case 3: nv = old & ~oparg; break;
    case 4: nv = old ^ oparg; break;
    default: throw new RangeError('bad op');
  }
  t.mem.writeU32(addr2, nv >>> 0);
  cmparg |= 0;
  switch (cmp) {
    case 0: return old === cmparg;
    case 1: return old !== cmparg;
    case 2: return old < cmparg;
    case 3: return old <= cmparg;
    case 4: return old > cmparg;
    case 5: return old >= cmparg;
    default: throw new RangeError('bad cmp');
  }
}

export function futex(t: Task, uaddr: number, op: number, val: number, timeout: number, uaddr2: number, val3: number): number {
  const k = t.kernel;
  const cmd = (op | 0) & FUTEX_CMD_MASK;
  const realtime = (op & FUTEX_CLOCK_REALTIME) !== 0;
  if (realtime && cmd !== FUTEX_WAIT_BITSET && cmd !== FUTEX_WAIT && cmd !== FUTEX_LOCK_PI2) return -ENOSYS;
  switch (cmd) {
    case FUTEX_WAIT:
      return futexWait(t, uaddr, val, timeout, FUTEX_BITSET_MATCH_ANY, false, realtime);
    case FUTEX_WAIT_BITSET:
      return futexWait(t, uaddr, val, timeout, val3 >>> 0, true, realtime);
    case FUTEX_WAKE:
      if (uaddr % 4 !== 0) return -EINVAL;
      return k.futex.wake(uaddr, Math.max(0, val | 0), FUTEX_BITSET_MATCH_ANY);
    case FUTEX_WAKE_BITSET:
      if (uaddr % 4 !== 0 || (val3 >>> 0) === 0) return -EINVAL;
      return k.futex.wake(uaddr, Math.max(0, val | 0), val3 >>> 0);
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
      if (uaddr % 4 !== 0 || uaddr2 % 4 !== 0) return -EINVAL;
      const nWake = val | 0, nMove = timeout | 0;
      if (nWake < 0 || nMove < 0) return -EINVAL;
      if (cmd === FUTEX_CMP_REQUEUE && t.mem.readU32(uaddr) !== (val3 >>> 0)) return -EAGAIN;
      return k.futex.requeue(uaddr, uaddr2, nWake, nMove);
    }
    case FUTEX_WAKE_OP: {
      if (uaddr % 4 !== 0 || uaddr2 % 4 !== 0) return -EINVAL;
      let cond: boolean;
      try { cond = wakeOp(t, uaddr2, val3 | 0); } catch (e) {
        if (e instanceof RangeError) return -ENOSYS;
        throw e;
      }
      let n = k.futex.wake(uaddr, Math.max(0, val | 0), FUTEX_BITSET_MATCH_ANY);
      if (cond) n += k.futex.wake(uaddr2, Math.max(0, timeout | 0), FUTEX_BITSET_MATCH_ANY);
      return n;
    }
    default:
      // PI futexes are not implemented.
      return -ENOSYS;
  }
}
