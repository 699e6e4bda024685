/**
 * epoll (fs/eventpoll.c) over any FileOps with poll(): each watched (file,
 * fd) pair is an item subscribed to the file's wait queue; a wake-up puts the
 * item on the ready list, and epoll_wait re-polls the ready items, reporting
 * those with events. Level-triggered items go back on the list after being
 * reported, edge-triggered ones wait for the next wake-up, one-shot ones are
 * disabled until EPOLL_CTL_MOD. Items go away when the watched file's last
 * reference is dropped (found lazily, since other kinds of file do not call
 * back into epoll on release).
 */
import { MemoryFault } from '../../cpu/memory.js';
import { EBADF, EEXIST, EFAULT, EINTR, EINVAL, ELOOP, ENOENT, EPERM } from '../errno.js';
import { type FileOps, O_RDWR, type OpenFile, POLLIN, POLLRDNORM } from '../file.js';
import type { Handler } from '../syscalls/types.js';
import { BLOCK, WaitQueue } from '../wait.js';
import { installAnon, privOf } from './anon.js';
import { readSigMask, readTimespec, timespecToNs, timespecValid } from './guest.js';
import {
  CLOCK_MONOTONIC, EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLL_EVENT, EPOLLERR, EPOLLET,
  EPOLLEXCLUSIVE, EPOLLHUP, EPOLLIN, EPOLLONESHOT, EPOLLOUT, EPOLLWAKEUP,
} from './layout.js';
import type { Deadlines } from './retry.js';
import type { Clock, NotifyVfs, SpecialTask } from './types.js';

const EP_PRIVATE_BITS = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;
const EPOLLEXCLUSIVE_OK_BITS = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;
/** Longest chain of epoll-in-epoll links. */
const EP_MAX_NESTS = 4;
const EP_MAX_EVENTS = Math.floor(0x7fffffff / EPOLL_EVENT.size);

class EpItem {
  /** On the ready list. */
  ready = false;
  unsubscribe: () => void = () => {};
  constructor(readonly ep: Epoll, readonly file: OpenFile, readonly fd: number,
    public events: number, public dataLo: number, public dataHi: number) {}
  get dead(): boolean { return this.file.refCount === 0; }
}

export class Epoll {
  /** Items by watched file, then fd. */
  private readonly items = new Map<OpenFile, Map<number, EpItem>>();
  private rdllist: EpItem[] = [];
  /** Tasks in epoll_wait. */
  readonly wq = new WaitQueue();
  /** Pollers of the epoll file itself: poll/select and enclosing epolls. */
  readonly pollWq = new WaitQueue();
  /** Enclosing epolls (with how many of their items name this one), for the depth check. */
  readonly parents = new Map<Epoll, number>();
  /** Scratch state of ep_loop_check. */
  checkGen = 0;
  checkDepth = 0;
  file: OpenFile | null = null;

  constructor(readonly vfs: NotifyVfs | null = null) {}

  find(file: OpenFile, fd: number): EpItem | undefined { return this.items.get(file)?.get(fd); }

  *allItems(): Iterable<EpItem> {
    for (const m of this.items.values()) yield* m.values();
  }

  /** Drops the items whose file has been released. */
  prune(): void {
    this.opsSincePrune = 0;
    for (const [file, m] of this.items) {
      if (file.refCount === 0) for (const it of [...m.values()]) this.remove(it);
    }
  }

  private opsSincePrune = 0;
  /** Prunes once per about as many operations as there are watched files: amortized O(1) per call. */
  maybePrune(): void {
    if (++this.opsSincePrune > this.items.size + 16) this.prune();
  }

  private static poll(it: EpItem): number {
    if (it.dead) return 0;
    const inner = epollOf(it.file);
    const ev = inner !== null ? inner.readiness() : (it.file.ops.poll?.(it.file) ?? 0);
    return ev & it.events;
  }

  private enqueue(it: EpItem): void {
    if (it.ready) return;
    it.ready = true;
    this.rdllist.push(it);
  }

  /** ep_poll_callback: the watched file's wait queue was woken. */
  private callback(it: EpItem): void {
    if ((it.events & ~EP_PRIVATE_BITS) === 0) return;   // one-shot and already reported
    this.enqueue(it);
    this.wq.wake();
    this.pollWq.wake();
  }

  insert(file: OpenFile, fd: number, events: number, dataLo: number, dataHi: number): void {
    const it = new EpItem(this, file, fd, events >>> 0, dataLo, dataHi);
    let m = this.items.get(file);
    if (m === undefined) { m = new Map(); this.items.set(file, m); }
    m.set(fd, it);
    const q = file.ops.waitQueue?.(file);
    if (q !== undefined) {
      // WaitQueue wakers are one-shot: the subscription renews itself on every wake-up.
      const waker = (): void => { it.unsubscribe = q.add(waker); this.callback(it); };
      it.unsubscribe = q.add(waker);
    }
    const inner = epollOf(file);
    if (inner !== null) inner.parents.set(this, (inner.parents.get(this) ?? 0) + 1);
    this.notifyIfReady(it);
  }

  modify(it: EpItem, events: number, dataLo: number, dataHi: number): void {
    it.events = events >>> 0;
    it.dataLo = dataLo;
    it.dataHi = dataHi;
    this.notifyIfReady(it);
  }

  private notifyIfReady(it: EpItem): void {
    if (Epoll.poll(it) !== 0 && !it.ready) {
      this.enqueue(it);
      this.wq.wake();
      this.pollWq.wake();
    }
  }

  remove(it: EpItem): void {
    it.unsubscribe();
    const m = this.items.get(it.file);
    m?.delete(it.fd);
    if (m !== undefined && m.size === 0) this.items.delete(it.file);
    if (it.ready) {
      it.ready = false;
      this.rdllist = this.rdllist.filter((x) => x !== it);
    }
    const inner = epollOf(it.file);
    if (inner !== null) {
      const n = (inner.parents.get(this) ?? 0) - 1;
      if (n > 0) inner.parents.set(this, n); else inner.parents.delete(this);
    }
  }

  /** Removes every item watching `file` (eventpoll_release for a file this module knows is going away). */
  removeFile(file: OpenFile): void {
    const m = this.items.get(file);
    if (m !== undefined) for (const it of [...m.values()]) this.remove(it);
  }

  /** __ep_eventpoll_poll: readable when some ready item really has events; the others leave the list. */
  readiness(): number {
    this.maybePrune();
    const keep: EpItem[] = [];
    let res = 0;
    let i = 0;
    for (; i < this.rdllist.length; i++) {
      const it = this.rdllist[i];
      if (Epoll.poll(it) !== 0) { res = POLLIN | POLLRDNORM; break; }
      it.ready = false;
    }
    for (; i < this.rdllist.length; i++) keep.push(this.rdllist[i]);
    this.rdllist = keep;
    return res;
  }

  get hasReady(): boolean { return this.rdllist.length > 0; }

  /**
   * ep_send_events: reports up to max ready items with events into the guest
   * array at addr; the count, or -EFAULT when the first write faults.
   */
  harvest(t: SpecialTask, addr: number, max: number): number {
    this.maybePrune();
    const tx = this.rdllist;
    this.rdllist = [];
    const relinked: EpItem[] = [];
    let res = 0;
    let i = 0;
    for (; i < tx.length && res < max; i++) {
      const it = tx[i];
      it.ready = false;
      if (it.dead) { this.remove(it); continue; }
      const revents = Epoll.poll(it);
      if (revents === 0) continue;
      const at = addr + res * EPOLL_EVENT.size;
      try {
        t.mem.writeU32(at + EPOLL_EVENT.events, revents >>> 0);
        t.mem.writeU64Parts(at + EPOLL_EVENT.data, it.dataLo, it.dataHi);
      } catch (e) {
        if (!(e instanceof MemoryFault)) throw e;
        it.ready = true;   // stays first on the list
        if (res === 0) res = -EFAULT;
        break;
      }
      res++;
      if (it.events & EPOLLONESHOT) it.events = (it.events & EP_PRIVATE_BITS) >>> 0;
      else if ((it.events & EPOLLET) === 0) { it.ready = true; relinked.push(it); }
    }
    // Unscanned items go back in front, then the level-triggered ones just reported.
    this.rdllist = [...tx.slice(i), ...relinked, ...this.rdllist];
    if (this.rdllist.length > 0) this.wq.wake();
    return res;
  }

  /** ep_free: the epoll file is closed. */
  release(): void {
    for (const it of [...this.allItems()]) this.remove(it);
    if (this.file !== null) for (const p of [...this.parents.keys()]) p.removeFile(this.file);
    this.pollWq.wake();
  }
}

export const epollOps: FileOps = {
  poll(file) { return (file.priv as Epoll).readiness(); },
  waitQueue(file) { return (file.priv as Epoll).pollWq; },
  /** noop_llseek. */
  seek(file) { return file.pos; },
  /** No FMODE_PREAD/FMODE_PWRITE: pread and pwrite are ESPIPE. */
  stream: true,
  release(file) { (file.priv as Epoll).release(); },
  fdinfo(file) { return epollFdinfo(file.priv as Epoll); },
};

export function epollOf(file: OpenFile | null): Epoll | null { return privOf(file, epollOps, Epoll); }

/** Is the file an epoll instance? */
export function isEpollFile(file: OpenFile): boolean { return epollOf(file) !== null; }

/** The kernel's dev_t layout (MKDEV) of a user-visible st_dev, as fdinfo prints sdev. */
export function kernelDev(dev: number): number {
  const major = (dev >>> 8) & 0xfff;
  const minor = (dev & 0xff) | ((dev >>> 12) & 0xfff00);
  return ((major << 20) | minor) >>> 0;
}

function epollFdinfo(ep: Epoll): string {
  ep.prune();
  const items = [...ep.allItems()].sort((a, b) => a.fd - b.fd);
  let s = '';
  for (const it of items) {
    const id = ep.vfs?.fileIdentity(it.file) ?? { ino: 0, dev: 0 };
    const data = (BigInt(it.dataHi >>> 0) << 32n) | BigInt(it.dataLo >>> 0);
    s += `tfd: ${String(it.fd).padStart(8)} events: ${(it.events >>> 0).toString(16).padStart(8)} ` +
      `data: ${data.toString(16).padStart(16)}  pos:${it.file.pos} ino:${id.ino.toString(16)} sdev:${kernelDev(id.dev).toString(16)}\n`;
  }
  return s;
}

let loopGen = 0;

/** ep_loop_check_proc: depth of epoll links below ep, or more than EP_MAX_NESTS on a loop back to `into`. */
function depthBelow(ep: Epoll, into: Epoll, depth: number): number {
  if (ep.checkGen === loopGen) return ep.checkDepth;
  ep.checkGen = loopGen;
  let result = 0;
  for (const it of ep.allItems()) {
    const inner = epollOf(it.file);
    if (inner === null || it.dead) continue;
    if (inner === into || depth > EP_MAX_NESTS) result = EP_MAX_NESTS + 1;
    else result = Math.max(result, depthBelow(inner, into, depth + 1) + 1);
    if (result > EP_MAX_NESTS) break;
  }
  ep.checkDepth = result;
  return result;
}

function depthAbove(ep: Epoll): number {
  if (ep.checkGen === loopGen) return ep.checkDepth;
  let result = 0;
  for (const p of ep.parents.keys()) result = Math.max(result, depthAbove(p) + 1);
  ep.checkGen = loopGen;
  ep.checkDepth = result;
  return result;
}

/** ep_loop_check: true when putting `to` inside `ep` would make a loop or a chain longer than EP_MAX_NESTS. */
function loops(ep: Epoll, to: Epoll): boolean {
  loopGen++;
  const down = depthBelow(to, ep, 0);
  if (down > EP_MAX_NESTS) return true;
  return down + 1 + depthAbove(ep) > EP_MAX_NESTS;
}

type EpollCall = 'epoll_create' | 'epoll_create1' | 'epoll_ctl' | 'epoll_wait' | 'epoll_pwait' | 'epoll_pwait2';

export function epollCalls(clock: Clock, vfs: NotifyVfs, deadlines: Deadlines): Record<EpollCall, Handler<SpecialTask>> {
  const create = (t: SpecialTask, flags: number): number => {
    if (flags & ~EPOLL_CLOEXEC) return -EINVAL;
    const ep = new Epoll(vfs);
    const fd = installAnon(t, '[eventpoll]', epollOps, ep, O_RDWR | (flags & EPOLL_CLOEXEC));
    if (fd >= 0) ep.file = t.files.get(fd);
    return fd;
  };

  /** The epoll instance at epfd, or -EBADF / -EINVAL. */
  const instance = (t: SpecialTask, epfd: number): Epoll | number => {
    const f = t.files.get(epfd);
    if (f === null) return -EBADF;
    return epollOf(f) ?? -EINVAL;
  };

  /** do_epoll_wait + ep_poll; `deadline` is absolute monotonic ns, Infinity for none, -Infinity for "don't wait". */
  const wait = (t: SpecialTask, epfd: number, evp: number, max: number, deadline: number): number => {
    if (max <= 0 || max > EP_MAX_EVENTS) return -EINVAL;
    const ep = instance(t, epfd);
    if (typeof ep === 'number') return ep;
    const n = ep.hasReady ? ep.harvest(t, evp, max) : 0;
    if (n !== 0) return n;
    if (deadline !== Infinity && clock.now(CLOCK_MONOTONIC) >= deadline) return 0;
    if (t.signalPending()) return -EINTR;
    t.waitOn(ep.wq);
    if (deadline !== Infinity) t.waitDeadline(deadline);
    return BLOCK;
  };

  const msDeadline = (t: SpecialTask, key: string, ms: number): number => {
    if (ms < 0) return Infinity;
    if (ms === 0) return -Infinity;
    return deadlines.get(t, key, () => clock.now(CLOCK_MONOTONIC) + ms * 1e6);
  };

  const setMask = (t: SpecialTask, maskp: number, size: number): number => {
    if (maskp === 0) return 0;
    if (size !== 8) return -EINVAL;
    const m = readSigMask(t.mem, maskp);
    t.setTemporarySigmask(m.lo, m.hi);
    return 0;
  };

  return {
    epoll_create: (t, size) => ((size | 0) <= 0 ? -EINVAL : create(t, 0)),
    epoll_create1: (t, flags) => create(t, flags | 0),
    epoll_ctl(t, epfd, op, fd, evp) {
      epfd |= 0; op |= 0; fd |= 0;
      let events = 0, dataLo = 0, dataHi = 0;
      if (op !== EPOLL_CTL_DEL) {
        events = t.mem.readU32(evp + EPOLL_EVENT.events);
        dataLo = t.mem.readU32(evp + EPOLL_EVENT.data);
        dataHi = t.mem.readU32(evp + EPOLL_EVENT.data + 4);
      }
      const ef = t.files.get(epfd);
      if (ef === null) return -EBADF;
      const tf = t.files.get(fd);
      if (tf === null) return -EBADF;
      if (tf.ops.poll === undefined) return -EPERM;
      // EPOLLWAKEUP needs CAP_BLOCK_SUSPEND; without it the flag is silently dropped.
      if (op !== EPOLL_CTL_DEL && (events & EPOLLWAKEUP) && t.cred.euid !== 0) events &= ~EPOLLWAKEUP;
      const ep = epollOf(ef);
      if (ef === tf || ep === null) return -EINVAL;
      const target = epollOf(tf);
      if (op !== EPOLL_CTL_DEL && (events & EPOLLEXCLUSIVE)) {
        if (op === EPOLL_CTL_MOD) return -EINVAL;
        if (op === EPOLL_CTL_ADD && (target !== null || (events & ~EPOLLEXCLUSIVE_OK_BITS))) return -EINVAL;
      }
      ep.maybePrune();
      if (op === EPOLL_CTL_ADD && target !== null && loops(ep, target)) return -ELOOP;
      const it = ep.find(tf, fd);
      switch (op) {
        case EPOLL_CTL_ADD:
          if (it !== undefined) return -EEXIST;
          ep.insert(tf, fd, events | EPOLLERR | EPOLLHUP, dataLo, dataHi);
          return 0;
        case EPOLL_CTL_DEL:
          if (it === undefined) return -ENOENT;
          ep.remove(it);
          return 0;
        case EPOLL_CTL_MOD:
          if (it === undefined) return -ENOENT;
          if (it.events & EPOLLEXCLUSIVE) return -EINVAL;
          ep.modify(it, events | EPOLLERR | EPOLLHUP, dataLo, dataHi);
          return 0;
        default:
          return -EINVAL;
      }
    },
    epoll_wait(t, epfd, evp, max, timeout) {
      const key = `epoll_wait:${epfd}:${evp}:${max}:${timeout}`;
      return deadlines.done(t, wait(t, epfd | 0, evp, max | 0, msDeadline(t, key, timeout | 0)));
    },
    epoll_pwait(t, epfd, evp, max, timeout, maskp, size) {
      const e = setMask(t, maskp, size);
      if (e < 0) return e;
      const key = `epoll_pwait:${epfd}:${evp}:${max}:${timeout}`;
      return deadlines.done(t, wait(t, epfd | 0, evp, max | 0, msDeadline(t, key, timeout | 0)));
    },
    epoll_pwait2(t, epfd, evp, max, tsp, maskp, size) {
      let deadline = Infinity;
      if (tsp !== 0) {
        const ts = readTimespec(t.mem, tsp);
        if (!timespecValid(ts)) return -EINVAL;
        const ns = timespecToNs(ts);
        const key = `epoll_pwait2:${epfd}:${evp}:${max}:${tsp}`;
        deadline = ns === 0 ? -Infinity : deadlines.get(t, key, () => clock.now(CLOCK_MONOTONIC) + ns);
      }
      const e = setMask(t, maskp, size);
      if (e < 0) return e;
      return deadlines.done(t, wait(t, epfd | 0, evp, max | 0, deadline));
    },
  };
}
