/**
 * The fsnotify event source (fs/notify/fsnotify.c, include/linux/fsnotify.h):
 * the VFS calls one hook per guest operation, at the point and in the order
 * Linux does (docs/special-fds.md lists them); the hub finds the marks that
 * inotify and fanotify groups put on inodes, mounts and filesystems and hands
 * each interested group the event.
 *
 * Objects are named by the VFS's own identity for an inode (NodeId: an object
 * that is the same on every access, or a string key such as "dev:ino"), plus
 * the directory and name through which the object was reached, so directory
 * watches can report their children's events by name.
 */
import type { OpenFile } from '../file.js';
import type { WaitQueue } from '../wait.js';

export type NodeId = string | object;
export type ObjKind = 'reg' | 'dir' | 'other';

/** An object an event is about, as the VFS sees it (Linux: the dentry and path). */
export interface FsObject {
  readonly node: NodeId;
  readonly kind: ObjKind;
  /** The directory it was reached through and its name there (absent for a mount root). */
  readonly parent?: NodeId | null;
  readonly name?: string;
  /** Mount and filesystem it lives on (fanotify mount and filesystem marks). */
  readonly mount?: object | null;
  readonly sb?: object | null;
  /** Its last link is gone (inotify IN_EXCL_UNLINK). */
  readonly unlinked?: boolean;
  /** Opaque to the hub: what NotifyVfs.openForListener needs to open the object again. */
  readonly ref?: unknown;
}

/** The task causing an event (fanotify reports its pid or tid; permission waits are per task). */
export interface NotifyTask { readonly pid: number; readonly tid: number }

/** Internal event bits (FS_*): the same values as IN_* and FAN_*. */
export const FS_ACCESS = 0x1, FS_MODIFY = 0x2, FS_ATTRIB = 0x4, FS_CLOSE_WRITE = 0x8, FS_CLOSE_NOWRITE = 0x10;
export const FS_OPEN = 0x20, FS_MOVED_FROM = 0x40, FS_MOVED_TO = 0x80, FS_CREATE = 0x100, FS_DELETE = 0x200;
export const FS_DELETE_SELF = 0x400, FS_MOVE_SELF = 0x800, FS_OPEN_EXEC = 0x1000, FS_UNMOUNT = 0x2000;
export const FS_Q_OVERFLOW = 0x4000, FS_IN_IGNORED = 0x8000, FS_OPEN_PERM = 0x10000, FS_ACCESS_PERM = 0x20000;
export const FS_OPEN_EXEC_PERM = 0x40000, FS_EVENT_ON_CHILD = 0x08000000, FS_ISDIR = 0x40000000;
export const ALL_FSNOTIFY_EVENTS = 0x7ffff;
export const ALL_FSNOTIFY_PERM_EVENTS = FS_OPEN_PERM | FS_ACCESS_PERM | FS_OPEN_EXEC_PERM;
/** Events a directory watch can receive about its children. */
export const FS_EVENTS_POSS_ON_CHILD = FS_ACCESS | FS_MODIFY | FS_ATTRIB | FS_CLOSE_WRITE | FS_CLOSE_NOWRITE |
  FS_OPEN | FS_OPEN_EXEC | ALL_FSNOTIFY_PERM_EVENTS;

/** Mark flags. */
export const MARK_IGNORED_SURV_MODIFY = 0x1, MARK_IN_ONESHOT = 0x2, MARK_EXCL_UNLINK = 0x4, MARK_HAS_IGNORE_FLAGS = 0x8;

export type MarkKind = 'inode' | 'mount' | 'sb';

/** A group's interest in one object (struct fsnotify_mark). */
export class Mark {
  mask = 0;
  ignoreMask = 0;
  flags = 0;
  constructor(readonly group: NotifyGroup, readonly kind: MarkKind, readonly obj: NodeId,
    /** What the group's fdinfo prints about the object, and how IN_UNMOUNT finds it. */
    readonly target: { readonly ino: number; readonly dev: number; readonly sb?: object | null; readonly mountId?: number }) {}
}

/** What an event looks like to a group (the arguments of fsnotify()). */
export interface NotifyEvent {
  mask: number;
  /** The object the event is about. */
  readonly obj: FsObject;
  /** The event carries a path: mount marks see it and fanotify can open the object. */
  readonly path: boolean;
  /** Name of the entry, for events reported to a directory. */
  readonly name: string | null;
  readonly cookie: number;
  readonly by: NotifyTask | null;
}

/** The marks of one group that an event touches (struct fsnotify_iter_info for that group). */
export interface GroupMarks { inode?: Mark; parent?: Mark; mount?: Mark; sb?: Mark }

/** A permission event the accessing task waits on. */
export interface PermWaiter {
  readonly group: NotifyGroup;
  readonly queue: WaitQueue;
  answered(): boolean;
  allowed(): boolean;
  /** The task stopped waiting (killed, or retried a different access). */
  cancel(): void;
}

let groupSeq = 0;

/** A listener: an inotify instance or a fanotify group. */
export abstract class NotifyGroup {
  readonly seq = groupSeq++;
  readonly marks = new Set<Mark>();
  /** fanotify class (0 notif, 1 content, 2 pre-content); higher sees events first. */
  abstract readonly priority: number;
  /** Takes the event; a permission event returns what the accessing task waits on. */
  abstract handle(ev: NotifyEvent, marks: GroupMarks): PermWaiter | null;
  /** The mark is being destroyed (inotify queues IN_IGNORED). */
  abstract freeingMark(m: Mark): void;
  /** The group can take no more events (its file is being released). */
  shutdown = false;
}

/** Per-object mark lists of one kind. */
class MarkTable {
  private readonly byObj = new Map<unknown, Map<NotifyGroup, Mark>>();
  get(obj: unknown): Map<NotifyGroup, Mark> | undefined { return obj == null ? undefined : this.byObj.get(obj); }
  find(obj: unknown, g: NotifyGroup): Mark | undefined { return this.get(obj)?.get(g); }
  add(m: Mark): void {
    let l = this.byObj.get(m.obj);
    if (l === undefined) { l = new Map(); this.byObj.set(m.obj, l); }
    l.set(m.group, m);
  }
  delete(m: Mark): void {
    const l = this.byObj.get(m.obj);
    if (l === undefined) return;
    l.delete(m.group);
    if (l.size === 0) this.byObj.delete(m.obj);
  }
  /** i_fsnotify_mask: the union of the marks' masks. */
  mask(obj: unknown): number {
    let m = 0;
    for (const mk of this.get(obj)?.values() ?? []) m |= mk.mask;
    return m;
  }
}

export type PermDecision = 'allow' | 'deny' | { readonly queue: WaitQueue };

interface PermState { node: NodeId; mask: number; done: Set<NotifyGroup>; current: PermWaiter | null }

export interface AttrChange { uid?: boolean; gid?: boolean; size?: boolean; atime?: boolean; mtime?: boolean; mode?: boolean }

/** The fsnotify hub: one per kernel. */
export class Fsnotify {
  private readonly tables: Record<MarkKind, MarkTable> = { inode: new MarkTable(), mount: new MarkTable(), sb: new MarkTable() };
  private readonly silenced = new WeakSet<OpenFile>();
  private readonly perms = new Map<NotifyTask, PermState>();
  /** Groups holding marks (unmount looks through them). */
  private readonly groups = new Set<NotifyGroup>();
  /** No group: nothing to report to (FsNotifyHooks.idle). */
  get idle(): boolean { return this.groups.size === 0; }
  private cookie = 0;

  // ---- marks (for inotify and fanotify) ----

  findMark(g: NotifyGroup, kind: MarkKind, obj: unknown): Mark | undefined { return this.tables[kind].find(obj, g); }

  addMark(m: Mark): void {
    this.tables[m.kind].add(m);
    m.group.marks.add(m);
    this.groups.add(m.group);
  }

  /** fsnotify_destroy_mark: detaches the mark and tells its group. */
  destroyMark(m: Mark): void {
    if (!m.group.marks.has(m)) return;
    this.tables[m.kind].delete(m);
    m.group.marks.delete(m);
    m.group.freeingMark(m);
  }

  /** Drops every mark of a group being released (no IN_IGNORED: nobody can read it). */
  dropGroup(g: NotifyGroup): void {
    g.shutdown = true;
    for (const m of [...g.marks]) { this.tables[m.kind].delete(m); g.marks.delete(m); }
    this.groups.delete(g);
  }

  // ---- files opened by listeners (FMODE_NONOTIFY) ----

  /** Marks a file whose operations must not generate events (fanotify event fds). */
  silence(file: OpenFile): void { this.silenced.add(file); }
  isSilent(file: OpenFile): boolean { return this.silenced.has(file); }

  // ---- the hooks the VFS calls (include/linux/fsnotify.h) ----

  /** fsnotify_open: after a successful open (exec: opened for execve). */
  open(obj: FsObject, by: NotifyTask | null, file?: OpenFile, exec = false): void {
    this.pathEvent(FS_OPEN | (exec ? FS_OPEN_EXEC : 0), obj, by, file, true);
  }
  /** fsnotify_access: a read or getdents returned data. */
  access(obj: FsObject, by: NotifyTask | null, file?: OpenFile): void { this.pathEvent(FS_ACCESS, obj, by, file, true); }
  /** fsnotify_modify: a write wrote something. */
  modify(obj: FsObject, by: NotifyTask | null, file?: OpenFile): void { this.pathEvent(FS_MODIFY, obj, by, file, true); }
  /** fsnotify_close: the last reference to an open file went (wrote = it was opened for writing). */
  close(obj: FsObject, wrote: boolean, by: NotifyTask | null, file?: OpenFile): void {
    this.pathEvent(wrote ? FS_CLOSE_WRITE : FS_CLOSE_NOWRITE, obj, by, file, true);
  }
  /** fsnotify_change: notify_change() altered attributes (chmod, chown, truncate, utimes). */
  change(obj: FsObject, what: AttrChange, by: NotifyTask | null): void {
    let mask = 0;
    if (what.uid || what.gid || what.mode) mask |= FS_ATTRIB;
    if (what.size) mask |= FS_MODIFY;
    if (what.atime && what.mtime) mask |= FS_ATTRIB;
    else if (what.atime) mask |= FS_ACCESS;
    else if (what.mtime) mask |= FS_MODIFY;
    if (mask !== 0) this.pathEvent(mask, obj, by, undefined, false);
  }
  /** fsnotify_xattr: an extended attribute changed. */
  attrib(obj: FsObject, by: NotifyTask | null): void { this.pathEvent(FS_ATTRIB, obj, by, undefined, false); }

  /** fsnotify_create / fsnotify_mkdir: `name` now names `child` in `dir` (creat, mkdir, mknod, symlink). */
  create(dir: FsObject, name: string, child: FsObject, by: NotifyTask | null): void {
    this.nameEvent(FS_CREATE | isdir(child), dir, name, child, 0, by);
  }
  /** fsnotify_link: a hard link `name` to `child` was made in `dir`. */
  link(dir: FsObject, name: string, child: FsObject, by: NotifyTask | null): void {
    this.inodeEvent(FS_ATTRIB, child, by);
    this.nameEvent(FS_CREATE, dir, name, child, 0, by);
  }
  /**
   * vfs_unlink: `name` no longer names `child` in `dir`. `gone`: that was its
   * last link and nothing holds it open (else call inodeRemoved when the last
   * holder lets go).
   */
  unlink(dir: FsObject, name: string, child: FsObject, by: NotifyTask | null, gone: boolean): void {
    this.inodeEvent(FS_ATTRIB, child, by);
    if (gone) this.inodeRemoved(child, by);
    this.nameEvent(FS_DELETE | isdir(child), dir, name, child, 0, by);
  }
  /** vfs_rmdir: the directory `child` was removed (gone: not some task's cwd or root). */
  rmdir(dir: FsObject, name: string, child: FsObject, by: NotifyTask | null, gone: boolean): void {
    if (gone) this.inodeRemoved(child, by);
    this.nameEvent(FS_DELETE | FS_ISDIR, dir, name, child, 0, by);
  }
  /**
   * fsnotify_move: `moved` went from oldDir/oldName to newDir/newName,
   * replacing `replaced` there if given (gone: that was its last link and
   * nothing holds it). Returns the cookie shared by the two events.
   */
  rename(oldDir: FsObject, oldName: string, newDir: FsObject, newName: string, moved: FsObject,
    by: NotifyTask | null, replaced?: { obj: FsObject; gone: boolean }): number {
    const cookie = ++this.cookie >>> 0;
    this.nameEvent(FS_MOVED_FROM | isdir(moved), oldDir, oldName, moved, cookie, by);
    this.nameEvent(FS_MOVED_TO | isdir(moved), newDir, newName, moved, cookie, by);
    if (replaced !== undefined) this.inodeEvent(FS_ATTRIB, replaced.obj, by);
    this.inodeEvent(FS_MOVE_SELF, moved, by);
    if (replaced?.gone) this.inodeRemoved(replaced.obj, by);
    return cookie;
  }
  /** fsnotify_inoderemove: the inode is gone for good (IN_DELETE_SELF, then its watches go: IN_IGNORED). */
  inodeRemoved(obj: FsObject, by: NotifyTask | null = null): void {
    this.inodeEvent(FS_DELETE_SELF, obj, by);
    for (const m of [...this.tables.inode.get(obj.node)?.values() ?? []]) this.destroyMark(m);
  }
  /** fsnotify_unmount_inodes: the filesystem `sb` is unmounted (IN_UNMOUNT, IN_IGNORED on every watch in it). */
  unmount(sb: object): void {
    const marks = new Map<NodeId, Mark[]>();
    for (const m of [...this.allMarksOf('inode')]) {
      if (m.target.sb !== sb) continue;
      const l = marks.get(m.obj) ?? [];
      l.push(m);
      marks.set(m.obj, l);
    }
    for (const [node, l] of marks) {
      const obj: FsObject = { node, kind: 'other', sb };
      this.inodeEvent(FS_UNMOUNT, obj, null);
      for (const m of l) this.destroyMark(m);
    }
    for (const m of [...this.allMarksOf('sb')]) if (m.obj === sb) this.destroyMark(m);
  }

  /**
   * fsnotify_open_perm / fsnotify_file_perm: may `by` open ('open', 'exec'
   * for execve) or read ('access') the object? 'allow', 'deny' (the caller
   * fails with EPERM), or a queue to wait on (return BLOCK; the retried call
   * asks again and gets the listener's answer).
   */
  permission(what: 'open' | 'exec' | 'access', obj: FsObject, by: NotifyTask, file?: OpenFile): PermDecision {
    // No group to ask, and no task waiting for an answer.
    if (this.groups.size === 0 && this.perms.size === 0) return 'allow';
    if (file !== undefined && this.silenced.has(file)) return 'allow';
    const mask = what === 'access' ? FS_ACCESS_PERM : what === 'exec' ? FS_OPEN_PERM | FS_OPEN_EXEC_PERM : FS_OPEN_PERM;
    let st = this.perms.get(by);
    if (st !== undefined && (st.node !== obj.node || st.mask !== mask)) { this.forgetTask(by); st = undefined; }
    if (st === undefined) {
      st = { node: obj.node, mask, done: new Set(), current: null };
      this.perms.set(by, st);
    }
    for (;;) {
      if (st.current !== null) {
        if (!st.current.answered()) return { queue: st.current.queue };
        const ok = st.current.allowed();
        st.done.add(st.current.group);
        st.current = null;
        if (!ok) { this.perms.delete(by); return 'deny'; }
      }
      const w = this.dispatchPath(mask, obj, by, true, st.done);
      if (w === null) { this.perms.delete(by); return 'allow'; }
      st.current = w;
    }
  }

  /** The task no longer waits for a permission answer (it died, or was killed). */
  forgetTask(by: NotifyTask): void {
    const st = this.perms.get(by);
    if (st === undefined) return;
    st.current?.cancel();
    this.perms.delete(by);
  }

  // ---- dispatch (fsnotify_parent, fsnotify, send_to_group) ----

  private *allMarksOf(kind: MarkKind): Iterable<Mark> {
    for (const g of this.groups) for (const m of g.marks) if (m.kind === kind) yield m;
  }

  /** An event on an object reached by a path: reported to it and, with its name, to a parent watching children. */
  private pathEvent(mask: number, obj: FsObject, by: NotifyTask | null, file: OpenFile | undefined, path: boolean): void {
    // No group: nobody to tell (an open or a close of every file passes here).
    if (this.groups.size === 0) return;
    if (file !== undefined && this.silenced.has(file)) return;
    this.dispatchPath(mask, obj, by, path, null);
  }

  private dispatchPath(mask: number, obj: FsObject, by: NotifyTask | null, path: boolean,
    skip: Set<NotifyGroup> | null): PermWaiter | null {
    if (obj.kind === 'dir') mask |= FS_ISDIR;
    let parent: NodeId | null = null;
    if (obj.parent != null && obj.name !== undefined) {
      const pm = this.tables.inode.mask(obj.parent);
      const watchesChildren = (pm & FS_EVENT_ON_CHILD) !== 0 ? pm & FS_EVENTS_POSS_ON_CHILD : 0;
      if (mask & watchesChildren & ALL_FSNOTIFY_EVENTS) { mask |= FS_EVENT_ON_CHILD; parent = obj.parent; }
    }
    const ev: NotifyEvent = { mask, obj, path, name: parent !== null ? obj.name ?? null : null, cookie: 0, by };
    return this.dispatch(ev, obj.node, parent, path ? obj.mount ?? null : null, obj.sb ?? null, skip);
  }

  /** A directory-entry event, reported to the directory with the entry's name. */
  private nameEvent(mask: number, dir: FsObject, name: string, child: FsObject, cookie: number, by: NotifyTask | null): void {
    if (this.groups.size === 0) return;
    const ev: NotifyEvent = { mask, obj: child, path: false, name, cookie, by };
    this.dispatch(ev, dir.node, null, null, dir.sb ?? child.sb ?? null, null);
  }

  /** An event about an inode itself, reported only to its own marks. */
  private inodeEvent(mask: number, obj: FsObject, by: NotifyTask | null): void {
    if (this.groups.size === 0) return;
    const ev: NotifyEvent = { mask: mask | isdir(obj), obj, path: false, name: null, cookie: 0, by };
    this.dispatch(ev, obj.node, null, null, obj.sb ?? null, null);
  }

  /**
   * fsnotify(): every group with a mark on the inode, the parent (as
   * TYPE_PARENT), the mount or the filesystem, in priority order, gets the
   * event if its marks want it. A permission event stops at the first group
   * that queues it (the caller waits for its answer, then asks again).
   */
  private dispatch(ev: NotifyEvent, inode: NodeId, parent: NodeId | null, mount: object | null, sb: object | null,
    skip: Set<NotifyGroup> | null): PermWaiter | null {
    const per = new Map<NotifyGroup, GroupMarks>();
    const collect = (kind: MarkKind, obj: unknown, slot: keyof GroupMarks): void => {
      for (const [g, m] of this.tables[kind].get(obj) ?? []) {
        const gm = per.get(g) ?? {};
        gm[slot] = m;
        per.set(g, gm);
      }
    };
    collect('sb', sb, 'sb');
    collect('mount', mount, 'mount');
    collect('inode', inode, 'inode');
    if (parent !== null) collect('inode', parent, 'parent');
    if (per.size === 0) return null;
    const groups = [...per.keys()].sort((a, b) => b.priority - a.priority || a.seq - b.seq);
    const isDir = (ev.mask & FS_ISDIR) !== 0;
    const test = ev.mask & ALL_FSNOTIFY_EVENTS;
    for (const g of groups) {
      if (g.shutdown || skip?.has(g)) continue;
      const gm = per.get(g) as GroupMarks;
      // A parent mark only counts when it watches children.
      if (gm.parent !== undefined && !(gm.parent.mask & FS_EVENT_ON_CHILD) && !(ignoreFlags(gm.parent) & FS_EVENT_ON_CHILD)) delete gm.parent;
      const marks = [gm.inode, gm.parent, gm.mount, gm.sb].filter((m): m is Mark => m !== undefined);
      if (marks.length === 0) continue;
      if (ev.mask & FS_MODIFY) for (const m of marks) if (!(m.flags & MARK_IGNORED_SURV_MODIFY)) m.ignoreMask = 0;
      let want = 0, ignore = 0;
      for (const m of marks) { want |= m.mask; ignore |= effectiveIgnore(m, isDir, m === gm.parent); }
      if (!(test & want & ~ignore)) continue;
      const w = g.handle({ ...ev }, gm);
      if (w !== null) return w;
    }
    return null;
  }
}

function isdir(o: FsObject): number { return o.kind === 'dir' ? FS_ISDIR : 0; }

/** fsnotify_ignore_mask: legacy ignore masks always apply to directories and follow the mark's ON_CHILD. */
export function ignoreFlags(m: Mark): number {
  let ig = m.ignoreMask;
  if (m.flags & MARK_HAS_IGNORE_FLAGS) return ig;
  ig |= FS_ISDIR;
  ig &= ~FS_EVENT_ON_CHILD;
  ig |= m.mask & FS_EVENT_ON_CHILD;
  return ig;
}

/** fsnotify_effective_ignore_mask. */
export function effectiveIgnore(m: Mark, isDir: boolean, asParent: boolean): number {
  if ((m.ignoreMask & ALL_FSNOTIFY_EVENTS) === 0) return 0;
  if (!isDir && !asParent) return m.ignoreMask & ALL_FSNOTIFY_EVENTS;
  const ig = ignoreFlags(m);
  if (isDir && !(ig & FS_ISDIR)) return 0;
  if (asParent && !(ig & FS_EVENT_ON_CHILD)) return 0;
  return ig & ALL_FSNOTIFY_EVENTS;
}

/** A bounded event queue with one overflow event (fsnotify_insert_event). */
export class EventQueue<E> {
  events: E[] = [];
  constructor(public max: number, readonly overflow: E, readonly wq: WaitQueue) {}

  /** Queues e (or, on a full queue, the overflow event once). 'merged' when merge() absorbed it. */
  add(e: E, merge: ((q: EventQueue<E>, e: E) => boolean) | null): 'queued' | 'merged' | 'overflow' {
    if (e === this.overflow || this.events.length >= this.max) {
      if (!this.events.includes(this.overflow)) { this.events.push(this.overflow); this.wq.wake(); }
      return 'overflow';
    }
    if (this.events.length > 0 && merge !== null && merge(this, e)) return 'merged';
    this.events.push(e);
    this.wq.wake();
    return 'queued';
  }

  get length(): number { return this.events.length; }
  peek(): E | undefined { return this.events[0]; }
  shift(): E | undefined { return this.events.shift(); }
  remove(e: E): void { const i = this.events.indexOf(e); if (i >= 0) this.events.splice(i, 1); }
}
