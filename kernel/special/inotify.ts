/**
 * inotify (fs/notify/inotify/): a watch is an inode mark carrying a watch
 * descriptor; events queue as struct inotify_event records with the entry
 * name NUL-padded to a multiple of 16 bytes. An event identical to the last
 * queued one is merged into it; a full queue ends in one IN_Q_OVERFLOW.
 */
import { EAGAIN, EBADF, EEXIST, EINVAL, EMFILE, ENOSPC, ENOTTY } from '../errno.js';
import { type FileOps, O_NONBLOCK, O_RDONLY, type OpenFile, POLLIN, POLLRDNORM } from '../file.js';
import type { Handler } from '../syscalls/types.js';
import { WaitQueue } from '../wait.js';
import { installAnon, privOf } from './anon.js';
import { kernelDev } from './epoll.js';
import { latin1Bytes, readPath } from './guest.js';
import {
  AT_FDCWD, FIONREAD, IN_ALL_EVENTS, IN_CLOEXEC, IN_DONT_FOLLOW, IN_EXCL_UNLINK, IN_IGNORED, IN_ISDIR, IN_MASK_ADD,
  IN_MASK_CREATE, IN_NONBLOCK, IN_ONESHOT, IN_ONLYDIR, IN_Q_OVERFLOW, IN_UNMOUNT, INOTIFY_EVENT,
} from './layout.js';
import {
  type EventQueue as Queue, EventQueue, FS_DELETE_SELF, FS_EVENT_ON_CHILD, FS_ISDIR, FS_MOVE_SELF, FS_UNMOUNT,
  ALL_FSNOTIFY_EVENTS, type Fsnotify, type GroupMarks, MARK_EXCL_UNLINK, MARK_IN_ONESHOT, Mark, type NotifyEvent,
  NotifyGroup, type PermWaiter,
} from './notify.js';
import type { NotifyVfs, SpecialTask } from './types.js';

const ALL_INOTIFY_BITS = IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ONLYDIR | IN_DONT_FOLLOW |
  IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | IN_ISDIR | IN_ONESHOT;
/** _IOW('I', 0, __s32): CONFIG_CHECKPOINT_RESTORE's "next wd". */
const INOTIFY_IOC_SETNEXTWD = 0x40044900;
const INT_MAX = 0x7fffffff;

/** /proc/sys/fs/inotify limits. */
export const INOTIFY_LIMITS = { maxQueuedEvents: 16384, maxUserInstances: 128, maxUserWatches: 65536 };

export interface InEvent { readonly wd: number; readonly mask: number; readonly cookie: number; readonly name: Uint8Array | null }

/** Bytes of the record: header plus the name rounded up (with its NUL) to 16. */
export function inEventSize(e: InEvent): number {
  return INOTIFY_EVENT.size + (e.name === null ? 0 : Math.ceil((e.name.length + 1) / INOTIFY_EVENT.size) * INOTIFY_EVENT.size);
}

class InotifyMark extends Mark { wd = -1 }

/** Per-uid instance and watch counts (struct ucounts). */
export class InotifyUsers {
  readonly instances = new Map<number, number>();
  readonly watches = new Map<number, number>();
  bump(m: Map<number, number>, uid: number, d: number): void { m.set(uid, (m.get(uid) ?? 0) + d); }
}

export class Inotify extends NotifyGroup {
  readonly priority = 0;
  readonly wq = new WaitQueue();
  readonly queue: Queue<InEvent>;
  readonly byWd = new Map<number, InotifyMark>();
  nextWd = 1;

  constructor(readonly hub: Fsnotify, readonly uid: number, readonly users: InotifyUsers) {
    super();
    this.queue = new EventQueue<InEvent>(INOTIFY_LIMITS.maxQueuedEvents, { wd: -1, mask: IN_Q_OVERFLOW, cookie: 0, name: null }, this.wq);
  }

  /** idr_alloc_cyclic(1..INT_MAX). */
  allocWd(): number {
    let wd = this.nextWd;
    while (this.byWd.has(wd)) wd = wd >= INT_MAX ? 1 : wd + 1;
    this.nextWd = wd >= INT_MAX ? 1 : wd + 1;
    return wd;
  }

  private queueEvent(e: InEvent): void {
    if (this.shutdown) return;
    this.queue.add(e, (q, n) => {
      const last = q.events[q.events.length - 1];
      return (last.mask & IN_IGNORED) === 0 && last.mask === n.mask && last.wd === n.wd && sameName(last.name, n.name);
    });
  }

  /** inotify_handle_inode_event for one mark. */
  private deliver(m: InotifyMark, ev: NotifyEvent, mask: number, name: string | null, cookie: number): void {
    if ((m.flags & MARK_EXCL_UNLINK) && ev.path && ev.obj.unlinked) return;
    if (!(mask & m.mask & ALL_FSNOTIFY_EVENTS)) return;
    // inotify never reported IN_ISDIR with the *_SELF events.
    if (mask & (FS_MOVE_SELF | FS_DELETE_SELF)) mask &= ~FS_ISDIR;
    this.queueEvent({ wd: m.wd, mask: mask >>> 0, cookie, name: name === null ? null : latin1Bytes(name) });
    if (m.flags & MARK_IN_ONESHOT) this.hub.destroyMark(m);
  }

  /** fsnotify_handle_event: the parent's watch gets the name, then the object's own watch without it. */
  handle(ev: NotifyEvent, marks: GroupMarks): PermWaiter | null {
    if (marks.parent instanceof InotifyMark) this.deliver(marks.parent, ev, ev.mask, ev.name, 0);
    if (marks.inode instanceof InotifyMark && marks.inode.group === this) {
      let mask = ev.mask, name = ev.name;
      if (mask & FS_EVENT_ON_CHILD) { mask &= ~FS_EVENT_ON_CHILD; name = null; }
      this.deliver(marks.inode, ev, mask, name, ev.cookie);
    }
    return null;
  }

  freeingMark(m: Mark): void {
    if (!(m instanceof InotifyMark)) return;
    this.queueEvent({ wd: m.wd, mask: IN_IGNORED, cookie: 0, name: null });
    this.byWd.delete(m.wd);
    this.users.bump(this.users.watches, this.uid, -1);
  }

  release(): void {
    for (const m of this.marks) if (m instanceof InotifyMark) this.users.bump(this.users.watches, this.uid, -1);
    this.hub.dropGroup(this);
    this.byWd.clear();
    this.queue.events = [];
    this.users.bump(this.users.instances, this.uid, -1);
  }
}

function sameName(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The mask as inotify returns it to userspace (inotify_mask_to_arg). */
function maskToArg(mask: number): number {
  return (mask & (IN_ALL_EVENTS | IN_ISDIR | IN_UNMOUNT | IN_IGNORED | IN_Q_OVERFLOW)) >>> 0;
}

function group(file: OpenFile): Inotify { return file.priv as Inotify; }

export const inotifyOps: FileOps = {
  read(file, dst) {
    const g = group(file);
    let off = 0;
    for (;;) {
      const e = g.queue.peek();
      if (e === undefined) break;
      const size = inEventSize(e);
      if (size > dst.length - off) {
        if (off === 0) return -EINVAL;
        break;
      }
      g.queue.shift();
      const dv = new DataView(dst.buffer, dst.byteOffset + off, size);
      dv.setInt32(INOTIFY_EVENT.wd, e.wd, true);
      dv.setUint32(INOTIFY_EVENT.mask, maskToArg(e.mask), true);
      dv.setUint32(INOTIFY_EVENT.cookie, e.cookie >>> 0, true);
      dv.setUint32(INOTIFY_EVENT.len, size - INOTIFY_EVENT.size, true);
      dst.fill(0, off + INOTIFY_EVENT.name, off + size);
      if (e.name !== null) dst.set(e.name, off + INOTIFY_EVENT.name);
      off += size;
    }
    return off === 0 ? -EAGAIN : off;
  },
  poll(file) { return group(file).queue.length > 0 ? POLLIN | POLLRDNORM : 0; },
  waitQueue(file) { return group(file).wq; },
  /** noop_llseek. */
  seek(file) { return file.pos; },
  /** No FMODE_PREAD/FMODE_PWRITE: pread and pwrite are ESPIPE. */
  stream: true,
  ioctl(file, task, cmd, arg) {
    const g = group(file);
    const t = task as SpecialTask;
    if (cmd === FIONREAD) {
      let n = 0;
      for (const e of g.queue.events) n += inEventSize(e);
      t.mem.writeU32(arg, n);
      return 0;
    }
    if (cmd === INOTIFY_IOC_SETNEXTWD) {
      if (arg < 1 || arg > INT_MAX) return -EINVAL;
      g.nextWd = arg;
      return 0;
    }
    return -ENOTTY;
  },
  release(file) { group(file).release(); },
  fdinfo(file) {
    let s = '';
    for (const m of [...group(file).marks].reverse()) {
      if (!(m instanceof InotifyMark)) continue;
      let mask = m.mask & IN_ALL_EVENTS;
      if (m.flags & MARK_EXCL_UNLINK) mask |= IN_EXCL_UNLINK;
      if (m.flags & MARK_IN_ONESHOT) mask |= IN_ONESHOT;
      s += `inotify wd:${m.wd.toString(16)} ino:${m.target.ino.toString(16)} sdev:${kernelDev(m.target.dev).toString(16)} ` +
        `mask:${(mask >>> 0).toString(16)} ignored_mask:0 ${fhandle(m.target.ino)}\n`;
    }
    return s;
  },
};

/** The FILEID_INO32_GEN file handle fdinfo prints: the inode number and a zero generation, as bytes. */
export function fhandle(ino: number): string {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, ino >>> 0, true);
  return `fhandle-bytes:8 fhandle-type:1 f_handle:${[...b].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

export function inotifyCalls(hub: Fsnotify, vfs: NotifyVfs, users: InotifyUsers):
  Record<'inotify_init' | 'inotify_init1' | 'inotify_add_watch' | 'inotify_rm_watch', Handler<SpecialTask>> {
  const init1 = (t: SpecialTask, flags: number): number => {
    if (flags & ~(IN_CLOEXEC | IN_NONBLOCK)) return -EINVAL;
    const uid = t.cred.uid;
    if ((users.instances.get(uid) ?? 0) >= INOTIFY_LIMITS.maxUserInstances) return -EMFILE;
    users.bump(users.instances, uid, 1);
    const g = new Inotify(hub, uid, users);
    return installAnon(t, 'inotify', inotifyOps, g, O_RDONLY | (flags & (O_NONBLOCK | IN_CLOEXEC)));
  };
  const instance = (t: SpecialTask, fd: number): Inotify | number => {
    const f = t.files.get(fd);
    if (f === null) return -EBADF;
    return privOf(f, inotifyOps, Inotify) ?? -EINVAL;
  };
  return {
    inotify_init: (t) => init1(t, 0),
    inotify_init1: (t, flags) => init1(t, flags | 0),
    inotify_add_watch(t, fd, pathp, arg) {
      arg >>>= 0;
      if (!(arg & ALL_INOTIFY_BITS)) return -EINVAL;
      if ((arg & IN_MASK_ADD) && (arg & IN_MASK_CREATE)) return -EINVAL;
      const g = instance(t, fd | 0);
      if (typeof g === 'number') return g;
      const path = readPath(t.mem, pathp);
      if (typeof path === 'number') return path;
      const obj = vfs.lookup(t, AT_FDCWD, path, (arg & IN_DONT_FOLLOW) === 0, (arg & IN_ONLYDIR) !== 0);
      if (typeof obj === 'number') return obj;
      const mask = (FS_UNMOUNT | (obj.kind === 'dir' ? FS_EVENT_ON_CHILD : 0) | (arg & IN_ALL_EVENTS)) >>> 0;
      const flags = ((arg & IN_EXCL_UNLINK) ? MARK_EXCL_UNLINK : 0) | ((arg & IN_ONESHOT) ? MARK_IN_ONESHOT : 0);
      const old = hub.findMark(g, 'inode', obj.node);
      if (old instanceof InotifyMark) {
        if (arg & IN_MASK_CREATE) return -EEXIST;
        if (!(arg & IN_MASK_ADD)) { old.mask = 0; old.flags = 0; }
        old.mask = (old.mask | mask) >>> 0;
        old.flags |= flags;
        return old.wd;
      }
      if ((users.watches.get(g.uid) ?? 0) >= INOTIFY_LIMITS.maxUserWatches) return -ENOSPC;
      const m = new InotifyMark(g, 'inode', obj.node, { ino: obj.ino, dev: obj.dev, sb: obj.sb ?? null });
      m.mask = mask;
      m.flags = flags;
      m.wd = g.allocWd();
      g.byWd.set(m.wd, m);
      users.bump(users.watches, g.uid, 1);
      hub.addMark(m);
      return m.wd;
    },
    inotify_rm_watch(t, fd, wd) {
      const g = instance(t, fd | 0);
      if (typeof g === 'number') return g;
      const m = g.byWd.get(wd | 0);
      if (m === undefined) return -EINVAL;
      hub.destroyMark(m);
      return 0;
    },
  };
}

