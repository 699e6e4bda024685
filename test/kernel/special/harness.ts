/**
 * Test doubles for the special-fd tests: a task over a real GuestMemory with
 * a small fd table, a clock that only moves when told, a signal source, a
 * VFS of named objects, and a pipe FileOps; plus the generic read/write/
 * poll/close steps the syscall layer performs around FileOps.
 */
import { GuestMemory } from '../../../cpu/memory.js';
import { EAGAIN, EBADF, EMFILE } from '../../../kernel/errno.js';
import { type FileOps, O_NONBLOCK, O_RDONLY, O_WRONLY, OpenFile, POLLERR, POLLHUP, POLLIN, POLLOUT } from '../../../kernel/file.js';
import {
  type Clock, type FsObject, type NotifyVfs, type SigInfo, type SigMask, type SignalSource, type Special,
  type SpecialCallName, type SpecialTask, type WatchTarget, makeSpecial,
} from '../../../kernel/special/index.js';
import { BLOCK, WaitQueue } from '../../../kernel/wait.js';

export { BLOCK };

export class FakeFdTable {
  private files: (OpenFile | null)[] = [];
  private cloexec: boolean[] = [];
  limit = 64;
  get(fd: number): OpenFile | null { return fd >= 0 ? this.files[fd] ?? null : null; }
  install(file: OpenFile, cloexec: boolean, minFd = 0): number {
    let fd = minFd;
    while (this.files[fd] != null) fd++;
    if (fd >= this.limit) { file.put(); return -EMFILE; }
    this.files[fd] = file;
    this.cloexec[fd] = cloexec;
    return fd;
  }
  close(fd: number): number {
    const f = this.get(fd);
    if (f === null) return -EBADF;
    this.files[fd] = null;
    f.put();
    return 0;
  }
  dup(fd: number): number {
    const f = this.get(fd);
    if (f === null) return -EBADF;
    return this.install(f.get(), false);
  }
  getCloexec(fd: number): boolean { return this.cloexec[fd] === true; }
}

export class FakeTask implements SpecialTask {
  readonly files = new FakeFdTable();
  readonly cred = { uid: 0, euid: 0 };
  waitingOn: WaitQueue[] = [];
  deadline: number | null = null;
  pendingSignal = false;
  tempMask: SigMask | null = null;
  woken = 0;
  private unsub: (() => void)[] = [];
  constructor(readonly mem: GuestMemory, readonly pid = 100, readonly tid = 100) {}
  waitOn(q: WaitQueue): void {
    this.waitingOn.push(q);
    this.unsub.push(q.add(() => { this.woken++; }));
  }
  waitDeadline(ns: number): void { this.deadline = ns; }
  signalPending(): boolean { return this.pendingSignal; }
  setTemporarySigmask(lo: number, hi: number): void { this.tempMask = { lo, hi }; }
  /** Forgets the registrations of the last BLOCK (the scheduler does this before retrying). */
  resetWait(): void {
    for (const u of this.unsub) u();
    this.unsub = [];
    this.waitingOn = [];
    this.deadline = null;
    this.woken = 0;
  }
}

/** A clock that moves only when advanced; timers fire in deadline order. */
export class FakeClock implements Clock {
  readonly times = new Map<number, number>([[0, 1_700_000_000e9], [1, 1000e9], [7, 1000e9]]);
  private timers: { clock: number; at: number; cb: () => void; seq: number }[] = [];
  private seq = 0;
  now(clockid: number): number { return this.times.get(clockid) ?? 0; }
  setTimer(clockid: number, deadlineNs: number, cb: () => void): () => void {
    const t = { clock: clockid, at: deadlineNs, cb, seq: this.seq++ };
    this.timers.push(t);
    return () => { this.timers = this.timers.filter((x) => x !== t); };
  }
  get armed(): number { return this.timers.length; }
  /** Moves the monotonic, boottime and realtime clocks forward together. */
  advance(ns: number): void {
    for (const c of [0, 1, 7]) this.times.set(c, this.now(c) + ns);
    this.fire();
  }
  /** Sets the realtime clock (a discontinuous jump). */
  setRealtime(ns: number): void { this.times.set(0, ns); this.fire(); }
  private fire(): void {
    for (;;) {
      const due = this.timers.filter((t) => this.now(t.clock) >= t.at).sort((a, b) => a.at - b.at || a.seq - b.seq);
      if (due.length === 0) return;
      const t = due[0];
      this.timers = this.timers.filter((x) => x !== t);
      t.cb();
    }
  }
}

/** Queued signals per task (a thread group of one). */
export class FakeSignals implements SignalSource {
  private readonly q = new Map<SpecialTask, SigInfo[]>();
  private readonly wq = new Map<SpecialTask, WaitQueue>();
  send(t: SpecialTask, info: SigInfo): void {
    const l = this.q.get(t) ?? [];
    // Standard signals do not queue twice.
    if (info.signo < 32 && l.some((i) => i.signo === info.signo)) return;
    l.push(info);
    this.q.set(t, l);
    this.queue(t).wake();
  }
  pending(t: SpecialTask): SigMask {
    const m = { lo: 0, hi: 0 };
    for (const i of this.q.get(t) ?? []) {
      if (i.signo <= 32) m.lo = (m.lo | (1 << (i.signo - 1))) >>> 0; else m.hi = (m.hi | (1 << (i.signo - 33))) >>> 0;
    }
    return m;
  }
  dequeue(t: SpecialTask, lo: number, hi: number): SigInfo | null {
    const l = this.q.get(t) ?? [];
    let best = -1;
    for (let k = 0; k < l.length; k++) {
      const s = l[k].signo;
      const inMask = s <= 32 ? (lo >>> (s - 1)) & 1 : (hi >>> (s - 33)) & 1;
      if (inMask && (best < 0 || s < l[best].signo)) best = k;
    }
    if (best < 0) return null;
    return l.splice(best, 1)[0];
  }
  queue(t: SpecialTask): WaitQueue {
    let w = this.wq.get(t);
    if (w === undefined) { w = new WaitQueue(); this.wq.set(t, w); }
    return w;
  }
}

/** Files for fanotify listeners: they remember what they were opened on. */
export class ListenerFile { constructor(readonly obj: FsObject, readonly flags: number) {} }
export const listenerOps: FileOps = {
  read: () => 0,
  release: () => {},
};

/**
 * A VFS of named objects. Paths name objects; an object's identity (its
 * NodeId) is "ino:N", which survives a rename as an inode's does.
 */
export class FakeVfs implements NotifyVfs {
  private readonly byPath = new Map<string, { ino: number; kind: 'reg' | 'dir' }>();
  readonly unreadable = new Set<string>();
  readonly opened: OpenFile[] = [];
  private nextIno = 100;
  readonly sb = { name: 'tmpfs' };
  readonly mount = { name: '/tmp' };

  add(path: string, kind: 'reg' | 'dir'): WatchTarget {
    this.byPath.set(path, { ino: this.nextIno++, kind });
    return this.get(path);
  }
  remove(path: string): void { this.byPath.delete(path); }
  rename(from: string, to: string): void {
    const o = this.byPath.get(from);
    if (o === undefined) throw new Error(`no object ${from}`);
    this.byPath.delete(from);
    this.byPath.set(to, o);
  }
  /** The object at path as the hooks see it: its identity, its directory's identity and its name. */
  get(path: string): WatchTarget {
    const o = this.byPath.get(path);
    if (o === undefined) throw new Error(`no object ${path}`);
    const slash = path.lastIndexOf('/');
    const dir = slash > 0 ? this.byPath.get(path.slice(0, slash)) : undefined;
    return {
      node: `ino:${o.ino}`, kind: o.kind, parent: dir === undefined ? null : `ino:${dir.ino}`,
      name: path.slice(slash + 1), ino: o.ino, dev: 0x0000_0021, mount: this.mount, sb: this.sb, mountId: 0x2a,
    };
  }
  /** The same object marked unlinked (its last name is gone). */
  unlinked(o: WatchTarget): WatchTarget { return { ...o, unlinked: true }; }

  lookup(t: SpecialTask, dirfd: number, path: string | null, _follow: boolean, directory: boolean): WatchTarget | number {
    let o: WatchTarget;
    if (path === null) {
      const f = t.files.get(dirfd);
      if (f === null) return -EBADF;
      if (!(f.priv instanceof ListenerFile)) return -2;
      o = f.priv.obj as WatchTarget;
    } else {
      if (!this.byPath.has(path)) return -2; // ENOENT
      o = this.get(path);
    }
    if (directory && o.kind !== 'dir') return -20; // ENOTDIR
    if (this.unreadable.has(path ?? '')) return -13; // EACCES
    return o;
  }
  openForListener(_t: SpecialTask, obj: FsObject, flags: number): OpenFile | number {
    const f = new OpenFile(listenerOps, flags, new ListenerFile(obj, flags), String(obj.node));
    this.opened.push(f);
    return f;
  }
  /** A file opened by the test itself on an object (what open(2) would return). */
  open(path: string, flags: number): OpenFile {
    return new OpenFile(listenerOps, flags, new ListenerFile(this.get(path), flags), path);
  }
  fileIdentity(file: OpenFile): { ino: number; dev: number } {
    return file.priv instanceof ListenerFile ? { ino: 7, dev: 0x21 } : { ino: 0x40e, dev: 0x10 };
  }
}

/** A pipe (fs/pipe.c in miniature): one wait queue for both ends, POLLHUP when the writers are gone. */
export class FakePipe {
  buf: number[] = [];
  readers = 1;
  writers = 1;
  readonly wq = new WaitQueue();
}
export const pipeOps: FileOps = {
  read(file, dst) {
    const p = file.priv as FakePipe;
    if (p.buf.length === 0) return p.writers === 0 ? 0 : -EAGAIN;
    const n = Math.min(dst.length, p.buf.length);
    dst.set(p.buf.splice(0, n));
    p.wq.wake();
    return n;
  },
  write(file, src) {
    const p = file.priv as FakePipe;
    p.buf.push(...src);
    p.wq.wake();
    return src.length;
  },
  poll(file) {
    const p = file.priv as FakePipe;
    if ((file.flags & 3) === O_RDONLY) return (p.buf.length > 0 ? POLLIN : 0) | (p.writers === 0 ? POLLHUP : 0);
    return POLLOUT | (p.readers === 0 ? POLLERR : 0);
  },
  waitQueue(file) { return (file.priv as FakePipe).wq; },
  release(file) {
    const p = file.priv as FakePipe;
    if ((file.flags & 3) === O_RDONLY) p.readers--; else p.writers--;
    p.wq.wake();
  },
};
/** A file kind without poll (like a regular file). */
export const plainOps: FileOps = { read: () => 0 };

/** One kernel instance with its doubles, and a task with scratch guest memory. */
export class World {
  readonly mem = new GuestMemory(1 << 20);
  readonly clock = new FakeClock();
  readonly signals = new FakeSignals();
  readonly vfs = new FakeVfs();
  readonly special: Special;
  readonly t: FakeTask;
  /** Next free scratch address (guest memory above page 0). */
  private brk = 0x10000;

  constructor() {
    this.special = makeSpecial({ clock: this.clock, signals: this.signals, vfs: this.vfs });
    this.t = new FakeTask(this.mem);
  }

  call(name: SpecialCallName, ...args: number[]): number {
    const a = [...args, 0, 0, 0, 0, 0, 0];
    return this.special.calls[name](this.t, a[0], a[1], a[2], a[3], a[4], a[5]);
  }
  callAs(t: SpecialTask, name: SpecialCallName, ...args: number[]): number {
    const a = [...args, 0, 0, 0, 0, 0, 0];
    return this.special.calls[name](t, a[0], a[1], a[2], a[3], a[4], a[5]);
  }

  alloc(n: number): number {
    const a = this.brk;
    this.brk += (n + 15) & ~15;
    this.mem.fill(a, n, 0);
    return a;
  }
  str(s: string): number {
    const a = this.alloc(s.length + 1);
    for (let i = 0; i < s.length; i++) this.mem.writeU8(a + i, s.charCodeAt(i));
    this.mem.writeU8(a + s.length, 0);
    return a;
  }
  u64(v: bigint): number {
    const a = this.alloc(8);
    this.mem.dv.setBigUint64(a, v, true);
    return a;
  }
  readU64(addr: number): bigint { return this.mem.dv.getBigUint64(addr, true); }

  file(fd: number, t: SpecialTask = this.t): OpenFile {
    const f = t.files.get(fd);
    if (f === null) throw new Error(`fd ${fd} not open`);
    return f;
  }

  /**
   * The generic read(2): FileOps.read into a kernel buffer, then a copy to
   * the guest. `passTask` hands the reader to FileOps as a fourth argument.
   */
  read(fd: number, addr: number, len: number, t: SpecialTask = this.t, passTask = false): number {
    const f = t.files.get(fd);
    if (f === null) return -EBADF;
    if (f.ops.read === undefined) return -22;
    const dst = new Uint8Array(len);
    const read = f.ops.read as (file: OpenFile, dst: Uint8Array, pos: number, task?: unknown) => number;
    const n = passTask ? read(f, dst, f.pos, t) : read(f, dst, f.pos);
    if (n > 0) t.mem.writeBytes(addr, dst.subarray(0, n));
    return n;
  }
  write(fd: number, addr: number, len: number, t: SpecialTask = this.t): number {
    const f = t.files.get(fd);
    if (f === null) return -EBADF;
    if (f.ops.write === undefined) return -22;
    return f.ops.write(f, t.mem.readBytes(addr, len), f.pos);
  }
  poll(fd: number, t: SpecialTask = this.t): number {
    const f = t.files.get(fd);
    if (f === null) throw new Error('bad fd');
    return f.ops.poll?.(f) ?? (POLLIN | POLLOUT);
  }
  fdinfo(fd: number, t: SpecialTask = this.t): string {
    const f = this.file(fd, t);
    return f.ops.fdinfo?.(f) ?? '';
  }
  ioctl(fd: number, cmd: number, arg: number, t: SpecialTask = this.t): number {
    const f = this.file(fd, t);
    return f.ops.ioctl?.(f, t, cmd, arg) ?? -25;
  }
  close(fd: number, t: SpecialTask = this.t): number { return t.files.close(fd); }

  pipe(t: SpecialTask = this.t): [number, number] {
    const p = new FakePipe();
    const r = t.files.install(new OpenFile(pipeOps, O_RDONLY, p, 'pipe:[1]'), false);
    const w = t.files.install(new OpenFile(pipeOps, O_WRONLY, p, 'pipe:[1]'), false);
    return [r, w];
  }
  plainFile(t: SpecialTask = this.t): number {
    return t.files.install(new OpenFile(plainOps, O_RDONLY, null, '/etc/passwd'), false);
  }
  isNonblocking(fd: number): boolean { return (this.file(fd).flags & O_NONBLOCK) !== 0; }
}

export function bytes(s: string): Uint8Array { return new Uint8Array([...s].map((c) => c.charCodeAt(0))); }
