/**
 * fanotify (fs/notify/fanotify/) in its classic mode: events on regular files
 * and directories reached by a path (open, access, modify, close, and the
 * permission events), each read as a 24-byte fanotify_event_metadata with a
 * file descriptor the listener gets opened on the object. A permission event
 * holds the accessing task until the listener writes a fanotify_response
 * (FAN_ALLOW / FAN_DENY) naming that fd. Reporting file handles
 * (FAN_REPORT_FID and friends), pidfds and mount events is not supported:
 * fanotify_init refuses those flags with EINVAL, as kernels before them did.
 */
import { EAGAIN, EBADF, EEXIST, EINVAL, EMFILE, ENOENT, ENOSPC, ENOTDIR, ENOTTY, EPERM } from '../errno.js';
import {
  type FileOps, O_ACCMODE, O_APPEND, O_CLOEXEC, O_DSYNC, O_LARGEFILE, O_NOATIME, O_NONBLOCK, O_RDWR, type OpenFile,
  POLLIN, POLLRDNORM,
} from '../file.js';
import type { Handler } from '../syscalls/types.js';
import { WaitQueue } from '../wait.js';
import { installAnon, privOf } from './anon.js';
import { kernelDev } from './epoll.js';
import { readPath } from './guest.js';
import { fhandle } from './inotify.js';
import {
  FAN_ACCESS, FAN_ACCESS_PERM, FAN_ALLOW, FAN_AUDIT, FAN_CLASS_CONTENT, FAN_CLASS_PRE_CONTENT,
  FAN_CLOEXEC, FAN_CLOSE_NOWRITE, FAN_CLOSE_WRITE, FAN_DENY, FAN_ENABLE_AUDIT, FAN_EVENT_ON_CHILD, FAN_FS_ERROR,
  FAN_INFO, FAN_MARK_ADD, FAN_MARK_DONT_FOLLOW, FAN_MARK_EVICTABLE, FAN_MARK_FILESYSTEM, FAN_MARK_FLUSH,
  FAN_MARK_IGNORE, FAN_MARK_IGNORED_MASK, FAN_MARK_IGNORED_SURV_MODIFY, FAN_MARK_INODE, FAN_MARK_MOUNT,
  FAN_MARK_ONLYDIR, FAN_MARK_REMOVE, FAN_MODIFY, FAN_NOFD, FAN_NONBLOCK, FAN_ONDIR, FAN_OPEN, FAN_OPEN_EXEC,
  FAN_OPEN_EXEC_PERM, FAN_OPEN_PERM, FAN_Q_OVERFLOW, FAN_RENAME, FAN_REPORT_DIR_FID, FAN_REPORT_FD_ERROR,
  FAN_REPORT_FID, FAN_REPORT_MNT, FAN_REPORT_NAME, FAN_REPORT_PIDFD, FAN_REPORT_TARGET_FID, FAN_REPORT_TID,
  FAN_UNLIMITED_MARKS, FAN_UNLIMITED_QUEUE, FANOTIFY_EVENT_METADATA as M, FANOTIFY_METADATA_VERSION,
  FANOTIFY_RESPONSE, FIONREAD,
} from './layout.js';
import {
  ALL_FSNOTIFY_EVENTS, EventQueue, FS_ISDIR, type Fsnotify, type FsObject, type GroupMarks, MARK_HAS_IGNORE_FLAGS,
  MARK_IGNORED_SURV_MODIFY, Mark, type MarkKind, type NotifyEvent, NotifyGroup, type PermWaiter, effectiveIgnore,
} from './notify.js';
import type { NotifyVfs, SpecialTask } from './types.js';

const FANOTIFY_CLASS_BITS = FAN_CLASS_CONTENT | FAN_CLASS_PRE_CONTENT;
const FANOTIFY_FID_BITS = FAN_REPORT_FID | FAN_REPORT_DIR_FID | FAN_REPORT_NAME | FAN_REPORT_TARGET_FID;
/** Flags this kernel accepts. */
const FANOTIFY_INIT_FLAGS = FAN_CLOEXEC | FAN_NONBLOCK | FANOTIFY_CLASS_BITS | FAN_UNLIMITED_QUEUE |
  FAN_UNLIMITED_MARKS | FAN_ENABLE_AUDIT | FAN_REPORT_TID | FAN_REPORT_FD_ERROR;
/** Flags Linux knows but this kernel does not implement. */
const FANOTIFY_UNSUPPORTED = FANOTIFY_FID_BITS | FAN_REPORT_PIDFD | FAN_REPORT_MNT;
const O_SYNC_BIT = 0o4000000;
const FANOTIFY_INIT_ALL_EVENT_F_BITS = O_ACCMODE | O_APPEND | O_NONBLOCK | O_SYNC_BIT | O_DSYNC | O_CLOEXEC |
  O_LARGEFILE | O_NOATIME;

const FANOTIFY_MARK_TYPE_BITS = FAN_MARK_MOUNT | FAN_MARK_FILESYSTEM;
const FANOTIFY_MARK_CMD_BITS = FAN_MARK_ADD | FAN_MARK_REMOVE | FAN_MARK_FLUSH;
const FANOTIFY_MARK_IGNORE_BITS = FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORE;
const FANOTIFY_MARK_FLAGS = FANOTIFY_MARK_TYPE_BITS | FANOTIFY_MARK_CMD_BITS | FAN_MARK_DONT_FOLLOW |
  FAN_MARK_ONLYDIR | FANOTIFY_MARK_IGNORE_BITS | FAN_MARK_IGNORED_SURV_MODIFY | FAN_MARK_EVICTABLE;

const FANOTIFY_PATH_EVENTS = FAN_ACCESS | FAN_MODIFY | FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE | FAN_OPEN | FAN_OPEN_EXEC;
const FANOTIFY_PERM_EVENTS = FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM;
const FANOTIFY_EVENT_FLAGS = FAN_EVENT_ON_CHILD | FAN_ONDIR;
const FANOTIFY_FD_EVENTS = FANOTIFY_PATH_EVENTS | FANOTIFY_PERM_EVENTS;
/** Every event bit fanotify_mark accepts (the inode, dirent and error events need FID reporting). */
const FANOTIFY_VALID_MASK = 0x1fff | FAN_FS_ERROR | FAN_RENAME | FANOTIFY_PERM_EVENTS | FANOTIFY_EVENT_FLAGS;

/** Defaults of /proc/sys/fs/fanotify. */
export const FANOTIFY_LIMITS = { maxQueuedEvents: 16384, maxUserGroups: 128, maxUserMarks: 8192 };

type PermState = 'init' | 'reported' | 'answered' | 'canceled';

class FanEvent {
  perm: PermEvent | null = null;
  mergeKey: string | null = null;
  constructor(public mask: number, readonly obj: FsObject | null, readonly pid: number) {}
}

class PermEvent implements PermWaiter {
  state: PermState = 'init';
  response = 0;
  fd = -1;
  constructor(readonly group: Fanotify, readonly event: FanEvent) {}
  get queue(): WaitQueue { return this.group.accessWq; }
  answered(): boolean { return this.state === 'answered' || this.group.shutdown; }
  allowed(): boolean { return this.state !== 'answered' || (this.response & (FAN_ALLOW | FAN_DENY)) === FAN_ALLOW; }
  cancel(): void {
    if (this.state === 'init') this.group.queue.remove(this.event);
    else if (this.state === 'reported') this.state = 'canceled';
  }
}

class FanMark extends Mark {}

/** Small integer ids for objects, so merge keys can be strings. */
const objIds = new WeakMap<object, number>();
let nextObjId = 1;
function idOf(o: unknown): string {
  if (o === null || o === undefined) return '-';
  if (typeof o === 'string') return `s${o}`;
  if (typeof o !== 'object') return String(o);
  let id = objIds.get(o);
  if (id === undefined) { id = nextObjId++; objIds.set(o, id); }
  return `o${id}`;
}

export class Fanotify extends NotifyGroup {
  readonly priority: number;
  readonly wq = new WaitQueue();
  readonly accessWq = new WaitQueue();
  readonly queue: EventQueue<FanEvent>;
  readonly accessList: PermEvent[] = [];
  private readonly mergeIndex = new Map<string, FanEvent>();
  readonly maxMarks: number;

  constructor(readonly hub: Fsnotify, readonly vfs: NotifyVfs, readonly flags: number, readonly fFlags: number,
    readonly owner: SpecialTask, readonly onRelease: () => void) {
    super();
    const cls = flags & FANOTIFY_CLASS_BITS;
    this.priority = cls === FAN_CLASS_PRE_CONTENT ? 2 : cls === FAN_CLASS_CONTENT ? 1 : 0;
    const max = (flags & FAN_UNLIMITED_QUEUE) ? 0xffffffff : FANOTIFY_LIMITS.maxQueuedEvents;
    this.queue = new EventQueue<FanEvent>(max, new FanEvent(FAN_Q_OVERFLOW, null, 0), this.wq);
    this.maxMarks = (flags & FAN_UNLIMITED_MARKS) ? Infinity : FANOTIFY_LIMITS.maxUserMarks;
  }

  /** fanotify_group_event_mask, classic (fd-reporting) mode. */
  private eventMask(ev: NotifyEvent, marks: GroupMarks): number {
    if (!ev.path || (ev.obj.kind !== 'reg' && ev.obj.kind !== 'dir')) return 0;
    const isDir = (ev.mask & FS_ISDIR) !== 0;
    let want = 0, ignore = 0;
    for (const [m, parent] of [[marks.inode, false], [marks.parent, true], [marks.mount, false], [marks.sb, false]] as const) {
      if (m === undefined) continue;
      ignore |= effectiveIgnore(m, isDir, parent);
      if (isDir && !(m.mask & FAN_ONDIR)) continue;
      if (parent && !(m.mask & FAN_EVENT_ON_CHILD)) continue;
      want |= m.mask;
    }
    return (ev.mask & want & ~ignore & ALL_FSNOTIFY_EVENTS) >>> 0;
  }

  handle(ev: NotifyEvent, marks: GroupMarks): PermWaiter | null {
    const mask = this.eventMask(ev, marks);
    if (mask === 0 || this.shutdown) return null;
    const pid = ev.by === null ? 0 : (this.flags & FAN_REPORT_TID) ? ev.by.tid : ev.by.pid;
    const e = new FanEvent(mask, ev.obj, pid);
    if (mask & FANOTIFY_PERM_EVENTS) {
      e.perm = new PermEvent(this, e);
      // A full queue takes the overflow event instead and the access is allowed.
      return this.queue.add(e, null) === 'queued' ? e.perm : null;
    }
    e.mergeKey = `${idOf(ev.obj.node)}|${idOf(ev.obj.mount)}|${idOf(ev.obj.parent)}|${ev.obj.name ?? ''}|${pid}|${ev.obj.kind}`;
    const r = this.queue.add(e, () => {
      const old = this.mergeIndex.get(e.mergeKey as string);
      if (old === undefined) return false;
      old.mask = (old.mask | e.mask) >>> 0;
      return true;
    });
    if (r === 'queued') this.mergeIndex.set(e.mergeKey, e);
    return null;
  }

  freeingMark(): void {}

  /** Takes the first event off the queue. */
  shift(): FanEvent | undefined {
    const e = this.queue.shift();
    if (e?.mergeKey != null && this.mergeIndex.get(e.mergeKey) === e) this.mergeIndex.delete(e.mergeKey);
    return e;
  }

  /** finish_permission_event. */
  answer(p: PermEvent, response: number): void {
    if (p.state === 'canceled') { p.state = 'answered'; return; }
    p.response = response;
    p.state = 'answered';
    this.accessWq.wake();
  }

  /** fanotify_release: every pending permission event is allowed, marks go. */
  release(): void {
    this.hub.dropGroup(this);
    for (const p of this.accessList.splice(0)) this.answer(p, FAN_ALLOW);
    for (const e of this.queue.events.splice(0)) if (e.perm !== null) this.answer(e.perm, FAN_ALLOW);
    this.mergeIndex.clear();
    this.accessWq.wake();
    this.onRelease();
  }
}

function group(file: OpenFile): Fanotify { return file.priv as Fanotify; }

function readerOf(g: Fanotify, task: unknown): SpecialTask {
  return typeof task === 'object' && task !== null && 'mem' in task && 'files' in task ? task as SpecialTask : g.owner;
}

/** The listener's fd for an event (create_fd): a new open of the object, installed in the reader's table. */
function createFd(g: Fanotify, t: SpecialTask, e: FanEvent): number {
  if (e.obj === null) return FAN_NOFD;
  const f = g.vfs.openForListener(t, e.obj, g.fFlags & ~O_CLOEXEC);
  if (typeof f === 'number') return f;
  g.hub.silence(f);
  return t.files.install(f, (g.fFlags & O_CLOEXEC) !== 0);
}

export const fanotifyOps: FileOps & { read(file: OpenFile, dst: Uint8Array, pos: number, task?: unknown): number } = {
  read(file, dst, _pos, task?) {
    const g = group(file);
    const t = readerOf(g, task);
    let off = 0;
    let err = 0;
    while (g.queue.length > 0) {
      if (dst.length - off < M.size) { err = -EINVAL; break; }
      const e = g.shift() as FanEvent;
      if (e.perm !== null) e.perm.state = 'reported';
      const fd = createFd(g, t, e);
      if (fd < 0 && fd !== FAN_NOFD && !(g.flags & FAN_REPORT_FD_ERROR)) {
        if (e.perm !== null) g.answer(e.perm, FAN_DENY);
        err = fd;
        break;
      }
      const dv = new DataView(dst.buffer, dst.byteOffset + off, M.size);
      dv.setUint32(M.event_len, M.size, true);
      dv.setUint8(M.vers, FANOTIFY_METADATA_VERSION);
      dv.setUint8(M.reserved, 0);
      dv.setUint16(M.metadata_len, M.size, true);
      dv.setUint32(M.mask, e.mask >>> 0, true);
      dv.setUint32(M.mask + 4, 0, true);
      dv.setInt32(M.fd, fd, true);
      dv.setInt32(M.pid, e.pid, true);
      if (e.perm !== null) {
        e.perm.fd = fd;
        if (fd < 0) g.answer(e.perm, FAN_DENY); else g.accessList.push(e.perm);
      }
      off += M.size;
    }
    if (off > 0) return off;
    return err !== 0 ? err : -EAGAIN;
  },
  write(file, src) {
    const g = group(file);
    if (src.length < FANOTIFY_RESPONSE.size) return -EINVAL;
    const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
    const fd = dv.getInt32(FANOTIFY_RESPONSE.fd, true);
    const response = dv.getUint32(FANOTIFY_RESPONSE.response, true);
    const infoLen = src.length - FANOTIFY_RESPONSE.size;
    if (response & ~(FAN_ALLOW | FAN_DENY | FAN_AUDIT | FAN_INFO)) return -EINVAL;
    const access = response & (FAN_ALLOW | FAN_DENY);
    if (access !== FAN_ALLOW && access !== FAN_DENY) return -EINVAL;
    if ((response & FAN_AUDIT) && !(g.flags & FAN_ENABLE_AUDIT)) return -EINVAL;
    let extra = 0;
    if (response & FAN_INFO) {
      // One struct fanotify_response_info_audit_rule (16 bytes, type 1).
      if (infoLen !== 16) return -EINVAL;
      const type = dv.getUint8(8), pad = dv.getUint8(9), len = dv.getUint16(10, true);
      if (type !== 1 || pad !== 0 || len !== 16) return -EINVAL;
      extra = infoLen;
      if (fd === FAN_NOFD) return FANOTIFY_RESPONSE.size + extra;
    }
    if (fd < 0) return -EINVAL;
    const i = g.accessList.findIndex((p) => p.fd === fd);
    if (i < 0) return -ENOENT;
    const [p] = g.accessList.splice(i, 1);
    g.answer(p, response);
    return FANOTIFY_RESPONSE.size + extra;
  },
  poll(file) { return group(file).queue.length > 0 ? POLLIN | POLLRDNORM : 0; },
  waitQueue(file) { return group(file).wq; },
  /** noop_llseek. */
  seek(file) { return file.pos; },
  /** No FMODE_PREAD/FMODE_PWRITE: pread and pwrite are ESPIPE. */
  stream: true,
  ioctl(file, task, cmd, arg) {
    if (cmd !== FIONREAD) return -ENOTTY;
    (task as SpecialTask).mem.writeU32(arg, group(file).queue.length * M.size);
    return 0;
  },
  release(file) { group(file).release(); },
  fdinfo(file) {
    const g = group(file);
    let s = `fanotify flags:${(g.flags >>> 0).toString(16)} event-flags:${(g.fFlags >>> 0).toString(16)}\n`;
    for (const m of [...g.marks].reverse()) {
      let mflags = 0;
      if (m.flags & MARK_IGNORED_SURV_MODIFY) mflags |= FAN_MARK_IGNORED_SURV_MODIFY;
      if (m.flags & MARK_HAS_IGNORE_FLAGS) mflags |= FAN_MARK_IGNORE;
      const tail = `mflags:${mflags.toString(16)} mask:${(m.mask >>> 0).toString(16)} ignored_mask:${(m.ignoreMask >>> 0).toString(16)}`;
      if (m.kind === 'inode') {
        s += `fanotify ino:${m.target.ino.toString(16)} sdev:${kernelDev(m.target.dev).toString(16)} ${tail} ${fhandle(m.target.ino)}\n`;
      } else if (m.kind === 'mount') {
        s += `fanotify mnt_id:${(m.target.mountId ?? 0).toString(16)} ${tail}\n`;
      } else {
        s += `fanotify sdev:${kernelDev(m.target.dev).toString(16)} ${tail}\n`;
      }
    }
    return s;
  },
};

export function fanotifyCalls(hub: Fsnotify, vfs: NotifyVfs, groupsPerUid: Map<number, number>):
  Record<'fanotify_init' | 'fanotify_mark', Handler<SpecialTask>> {
  return {
    fanotify_init(t, flags, eventFFlags) {
      flags >>>= 0;
      eventFFlags >>>= 0;
      // CAP_SYS_ADMIN; unprivileged listeners need FID reporting, which is not supported here.
      if (t.cred.euid !== 0) return -EPERM;
      if (flags & ~(FANOTIFY_INIT_FLAGS | FANOTIFY_UNSUPPORTED)) return -EINVAL;
      if (flags & FANOTIFY_UNSUPPORTED) return -EINVAL;
      if (eventFFlags & ~FANOTIFY_INIT_ALL_EVENT_F_BITS) return -EINVAL;
      if ((eventFFlags & O_ACCMODE) === O_ACCMODE) return -EINVAL;
      if ((flags & FANOTIFY_CLASS_BITS) === FANOTIFY_CLASS_BITS) return -EINVAL;
      const uid = t.cred.uid;
      if ((groupsPerUid.get(uid) ?? 0) >= FANOTIFY_LIMITS.maxUserGroups) return -EMFILE;
      groupsPerUid.set(uid, (groupsPerUid.get(uid) ?? 0) + 1);
      // force_o_largefile() on 64-bit.
      const g = new Fanotify(hub, vfs, flags, eventFFlags | O_LARGEFILE, t,
        () => groupsPerUid.set(uid, (groupsPerUid.get(uid) ?? 1) - 1));
      let fileFlags = O_RDWR;
      if (flags & FAN_CLOEXEC) fileFlags |= O_CLOEXEC;
      if (flags & FAN_NONBLOCK) fileFlags |= O_NONBLOCK;
      return installAnon(t, '[fanotify]', fanotifyOps, g, fileFlags);
    },
    fanotify_mark(t, fanFd, flags, mask, dirfd, pathp) {
      flags >>>= 0;
      fanFd |= 0;
      dirfd |= 0;
      // The mask is a u64; only its low 32 bits mean anything.
      if (mask < 0 || mask > 0xffffffff) return -EINVAL;
      if (flags & ~FANOTIFY_MARK_FLAGS) return -EINVAL;
      const markType = flags & FANOTIFY_MARK_TYPE_BITS;
      let kind: MarkKind;
      if (markType === FAN_MARK_INODE) kind = 'inode';
      else if (markType === FAN_MARK_MOUNT) kind = 'mount';
      else if (markType === FAN_MARK_FILESYSTEM) kind = 'sb';
      else return -EINVAL;
      const cmd = flags & FANOTIFY_MARK_CMD_BITS;
      if (cmd === FAN_MARK_ADD || cmd === FAN_MARK_REMOVE) {
        if (mask === 0) return -EINVAL;
      } else if (cmd === FAN_MARK_FLUSH) {
        if (flags & ~(FANOTIFY_MARK_TYPE_BITS | FAN_MARK_FLUSH)) return -EINVAL;
      } else return -EINVAL;
      if (mask & ~FANOTIFY_VALID_MASK) return -EINVAL;
      const ignore = flags & FANOTIFY_MARK_IGNORE_BITS;
      if (ignore === FANOTIFY_MARK_IGNORE_BITS) return -EINVAL;
      let umask = 0;
      if (ignore === FAN_MARK_IGNORED_MASK) { mask &= ~FANOTIFY_EVENT_FLAGS; umask = FANOTIFY_EVENT_FLAGS; }
      const f = t.files.get(fanFd);
      if (f === null) return -EBADF;
      const g = privOf(f, fanotifyOps, Fanotify);
      if (g === null) return -EINVAL;
      if ((mask & FANOTIFY_PERM_EVENTS) && g.priority < 1) return -EINVAL;
      if ((mask & FAN_FS_ERROR) && kind !== 'sb') return -EINVAL;
      if ((flags & FAN_MARK_EVICTABLE) && kind !== 'inode') return -EINVAL;
      // Events without a path to open need FID reporting, never available here.
      if (mask & ~(FANOTIFY_FD_EVENTS | FANOTIFY_EVENT_FLAGS)) return -EINVAL;
      if (cmd === FAN_MARK_FLUSH) {
        for (const m of [...g.marks]) if (m.kind === kind) hub.destroyMark(m);
        return 0;
      }
      const path = pathp === 0 ? null : readPath(t.mem, pathp);
      if (typeof path === 'number') return path;
      const obj = vfs.lookup(t, dirfd, path, (flags & FAN_MARK_DONT_FOLLOW) === 0, (flags & FAN_MARK_ONLYDIR) !== 0);
      if (typeof obj === 'number') return obj;
      if (path === null && (flags & FAN_MARK_ONLYDIR) && obj.kind !== 'dir') return -ENOTDIR;
      // FAN_MARK_IGNORE is the strict API: directory-only flags on a non-directory are refused.
      if (cmd === FAN_MARK_ADD && (flags & FAN_MARK_IGNORE) && kind === 'inode' && obj.kind !== 'dir' &&
        (mask & FANOTIFY_EVENT_FLAGS)) return -ENOTDIR;
      let key: unknown;
      if (kind === 'inode') key = obj.node;
      else if (kind === 'mount') key = obj.mount;
      else key = obj.sb;
      if (key == null) return -EINVAL;
      if (kind !== 'inode' || obj.kind !== 'dir') { mask &= ~FAN_EVENT_ON_CHILD; umask |= FAN_EVENT_ON_CHILD; }
      mask >>>= 0;
      const existing = hub.findMark(g, kind, key);
      if (cmd === FAN_MARK_REMOVE) {
        if (existing === undefined) return -ENOENT;
        const m = mask & ~umask;
        if (ignore) existing.ignoreMask = (existing.ignoreMask & ~m) >>> 0;
        else existing.mask = (existing.mask & ~m) >>> 0;
        if (!((existing.mask | existing.ignoreMask) & ~umask)) hub.destroyMark(existing);
        return 0;
      }
      let m = existing;
      if (m === undefined) {
        if (g.marks.size >= g.maxMarks) return -ENOSPC;
        m = new FanMark(g, kind, key as string | object,
          { ino: obj.ino, dev: obj.dev, sb: obj.sb ?? null, mountId: obj.mountId });
        hub.addMark(m);
      } else {
        if (ignore === FAN_MARK_IGNORED_MASK && (m.flags & MARK_HAS_IGNORE_FLAGS)) return -EEXIST;
        if (ignore === FAN_MARK_IGNORE && !(flags & FAN_MARK_IGNORED_SURV_MODIFY) && (m.flags & MARK_IGNORED_SURV_MODIFY)) return -EEXIST;
      }
      if (ignore === FAN_MARK_IGNORE) m.flags |= MARK_HAS_IGNORE_FLAGS;
      if (ignore && (flags & FAN_MARK_IGNORED_SURV_MODIFY)) m.flags |= MARK_IGNORED_SURV_MODIFY;
      if (ignore) m.ignoreMask = (m.ignoreMask | mask) >>> 0;
      else m.mask = (m.mask | mask) >>> 0;
      return 0;
    },
  };
}
