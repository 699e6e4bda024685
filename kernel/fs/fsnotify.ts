/**
 * The VFS side of fsnotify (include/linux/fsnotify.h): the hooks the file
 * syscalls call so inotify and fanotify (kernel/special) see guest
 * filesystem operations. The hub is installed with Vfs.setNotify(); without
 * one every hook is a no-op. Objects are named by "dev:ino" (the same on
 * every lookup), with the directory and name they were reached through.
 */
import { EINTR, EPERM } from '../errno.js';
import type { OpenFile } from '../file.js';
import { BLOCK, type WaitQueue } from '../wait.js';
import { type Attr, inodeKey, isDir, isReg } from './inode.js';
import type { Loc } from './mount.js';
import type { FsTask } from './task.js';

export type NodeId = string | object;

/** An object an event is about (kernel/special's FsObject, structurally). */
export interface FsObject {
  readonly node: NodeId;
  readonly kind: 'reg' | 'dir' | 'other';
  readonly parent?: NodeId | null;
  readonly name?: string;
  readonly mount?: object | null;
  readonly sb?: object | null;
  readonly unlinked?: boolean;
  /** What openForListener needs: the object and its guest path. */
  readonly ref?: unknown;
}

export interface NotifyTask { readonly pid: number; readonly tid: number }
export interface AttrChange { uid?: boolean; gid?: boolean; size?: boolean; atime?: boolean; mtime?: boolean; mode?: boolean }
export type PermDecision = 'allow' | 'deny' | { readonly queue: WaitQueue };

/** The hub's hooks (kernel/special's Fsnotify satisfies this). */
export interface FsNotifyHooks {
  open(obj: FsObject, by: NotifyTask | null, file?: OpenFile, exec?: boolean): void;
  access(obj: FsObject, by: NotifyTask | null, file?: OpenFile): void;
  modify(obj: FsObject, by: NotifyTask | null, file?: OpenFile): void;
  close(obj: FsObject, wrote: boolean, by: NotifyTask | null, file?: OpenFile): void;
  change(obj: FsObject, what: AttrChange, by: NotifyTask | null): void;
  create(dir: FsObject, name: string, child: FsObject, by: NotifyTask | null): void;
  link(dir: FsObject, name: string, child: FsObject, by: NotifyTask | null): void;
  unlink(dir: FsObject, name: string, child: FsObject, by: NotifyTask | null, gone: boolean): void;
  rmdir(dir: FsObject, name: string, child: FsObject, by: NotifyTask | null, gone: boolean): void;
  rename(oldDir: FsObject, oldName: string, newDir: FsObject, newName: string, moved: FsObject,
    by: NotifyTask | null, replaced?: { obj: FsObject; gone: boolean }): number;
  permission(what: 'open' | 'exec' | 'access', obj: FsObject, by: NotifyTask, file?: OpenFile): PermDecision;
  isSilent(file: OpenFile): boolean;
  /**
   * No inotify or fanotify group exists: no event can be seen and no
   * permission asked, so the per-read and per-write hooks return at once.
   * (Files are still bound at open: a watch added later sees them.)
   */
  readonly idle: boolean;
}

/** Where the guest reached an object from (for the events its parent's watches get). */
export interface Via { parent?: Loc | null; name?: string; path?: string }

/** The object at loc (attr: its attributes when the caller has them). */
export function objOf(loc: Loc, via: Via = {}, attr?: Attr): FsObject {
  const a = attr ?? loc.inode.getattr();
  const mode = typeof a === 'number' ? 0 : a.mode;
  return {
    node: inodeKey(loc.inode),
    kind: isReg(mode) ? 'reg' : isDir(mode) ? 'dir' : 'other',
    parent: via.parent != null ? inodeKey(via.parent.inode) : null,
    name: via.name,
    mount: loc.mnt,
    sb: loc.inode.sb,
    unlinked: typeof a !== 'number' && a.nlink === 0,
    ref: { loc, path: via.path ?? '' },
  };
}

/** What an open file reports to (OpenFile.notifyBinding). */
export interface NotifyBinding { hub: FsNotifyHooks; obj: FsObject; wrote: boolean }

/** Ties an open file to its object so reads, writes and the last close report on it. */
export function bindFile(f: OpenFile, hub: FsNotifyHooks, obj: FsObject): void {
  f.notifyBinding = { hub, obj, wrote: f.writable };
}

function live(f: OpenFile): NotifyBinding | undefined {
  const b = f.notifyBinding;
  return b === undefined || b.hub.idle || b.hub.isSilent(f) ? undefined : b;
}

export function notifyAccess(t: FsTask, f: OpenFile): void { const b = live(f); b?.hub.access(b.obj, t, f); }
export function notifyModify(t: FsTask, f: OpenFile): void { const b = live(f); b?.hub.modify(b.obj, t, f); }
/** A task as FileOps pass it (typed loosely there): the closer fsnotify reports, if it is one. */
function notifyTaskOf(task: unknown): NotifyTask | null {
  if (typeof task !== 'object' || task === null) return null;
  const t = task as Partial<NotifyTask>;
  return typeof t.pid === 'number' && typeof t.tid === 'number' ? task as NotifyTask : null;
}

/** The last reference went (called from each kind's release with the task that dropped it, as __fput's fsnotify_close). */
export function notifyRelease(f: OpenFile, task?: unknown): void {
  const b = live(f);
  f.notifyBinding = undefined;
  b?.hub.close(b.obj, b.wrote, notifyTaskOf(task), f);
}

/** A file's object, for attribute-change events on fd-based calls. */
export function boundObj(f: OpenFile): FsObject | undefined { return f.notifyBinding?.obj; }

/**
 * A permission event: 0 to go on, -EPERM when a listener denied it, BLOCK
 * while one is deciding (the retried call asks again).
 */
export function askPermission(t: FsTask, hub: FsNotifyHooks | null, what: 'open' | 'exec' | 'access', obj: FsObject, f?: OpenFile): number {
  if (hub === null || hub.idle) return 0;
  const d = hub.permission(what, obj, t, f);
  if (d === 'allow') return 0;
  if (d === 'deny') return -EPERM;
  if (t.signalPending()) return -EINTR;
  t.waitOn(d.queue);
  return BLOCK;
}

export function filePermission(t: FsTask, f: OpenFile): number {
  const b = live(f);
  return b === undefined ? 0 : askPermission(t, b.hub, 'access', b.obj, f);
}
