/**
 * The VFS: the mount table (host root, tmpfs on /tmp, devfs on /dev, procfs
 * on /proc, --bind mounts), path lookup for the syscalls, open(), and exec's
 * view of a file. One Vfs per kernel.
 */
import * as nfs from 'node:fs';
import * as npath from 'node:path';
import {
  EACCES, EEXIST, EINVAL, EISDIR, ELOOP, ENOENT, ENOTDIR, ENXIO, EOPNOTSUPP, EPERM,
} from '../errno.js';
import {
  O_ACCMODE, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_LARGEFILE, O_NOATIME, O_NOCTTY, O_NOFOLLOW,
  O_PATH, O_RDONLY, O_TMPFILE, O_TRUNC, O_WRONLY, OpenFile,
} from '../file.js';
import { consoleDeviceOf } from './console.js';
import { Devices, makeDevFs } from './devfs.js';
import { DirHandle, dirOps } from './dirfile.js';
import { HostFs } from './hostfs.js';
import {
  type Attr, type FsClock, type Inode, MAY_EXEC, MAY_READ, MAY_WRITE, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK,
  S_IFMT, S_IFREG, S_IFSOCK, inodeKey, isDir, makedev, permission, setFsClock,
} from './inode.js';
import { MNT_LOCK_READONLY, MNT_NODEV, MNT_NOEXEC, MNT_NOSUID, MNT_RDONLY, type Loc, Mount, MountTable } from './mount.js';
import type { MountUser, NsContext } from './namespace.js';
import type { SuperBlock } from './inode.js';
import { type Found, type WalkCtx, pathOf, walk } from './namei.js';
import { anonInodeNumber, fileLoc, setFileLoc } from './openfile.js';
import { Pipe, PipeFs, PipeInode, openFifo } from './pipe.js';
import { ProcFs } from './procfs.js';
import { type FsNotifyHooks, type FsObject, type Via, askPermission, bindFile, objOf } from './fsnotify.js';
import type { ProcSource } from './procsource.js';
import { FsState } from './fsstate.js';
import { mayAccess, mayCreate } from './access.js';

export { mayAccess, mayCreate, mayDelete } from './access.js';
import { TmpFs } from './tmpfs.js';
import { type FsTask, rootCred } from './task.js';

export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EACCESS = 0x200, AT_SYMLINK_FOLLOW = 0x400;
export const AT_NO_AUTOMOUNT = 0x800, AT_EMPTY_PATH = 0x1000, AT_STATX_SYNC_TYPE = 0x6000;

export interface BindSpec { host: string; guest: string; readonly: boolean }
export interface DevOptions {
  console?: OpenFile | null;
  /** Fills a buffer for /dev/random and /dev/urandom (the kernel's generator, seeded under --deterministic); default: the host's. */
  random?: ((dst: Uint8Array) => void) | null;
}
export interface VfsOptions {
  /** Host directory that becomes the guest's '/'. */
  root: string;
  binds?: BindSpec[];
  proc?: ProcSource | null;
  dev?: DevOptions;
  /** Where the root mount's ownership records persist: default `<root>.meta.json` beside the root (outside the guest's view); null keeps them in memory. */
  rootMeta?: string | null;
  rootReadonly?: boolean;
  /** Size limit of /tmp in bytes. */
  tmpSize?: number;
  /** The kernel's clock (monotonic ns for FsTask.waitDeadline, realtime for timestamps); default: the host's. */
  clock?: FsClock;
}

/** Fields the OpenFile keeps (open-time-only flags dropped; O_LARGEFILE always on, as on 64-bit Linux). */
export function keptFlags(flags: number): number {
  return (flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)) | O_LARGEFILE;
}

/** Bytes of exec'd files kept for the next exec of the same file (oldest dropped first). */
const EXEC_CACHE_BYTES = 32 << 20;

export class Vfs {
  readonly mounts: MountTable;
  readonly rootFs: HostFs;
  readonly devices = new Devices();
  readonly pipefs = new PipeFs();
  readonly procfs: ProcFs;
  /** The /dev instance (devtmpfs is one filesystem however often it is mounted). */
  readonly devFs: SuperBlock;
  private readonly fifos = new Map<string, Pipe>();
  private readonly hostFss: HostFs[] = [];
  proc: ProcSource | null;
  /** The fsnotify hub (kernel/special's Fsnotify), once the kernel installs it. */
  notify: FsNotifyHooks | null = null;

  constructor(opts: VfsOptions) {
    if (opts.clock !== undefined) setFsClock(opts.clock);
    const rootAbs = npath.resolve(opts.root);
    const metaFile = opts.rootMeta === undefined ? `${rootAbs.replace(/\/+$/, '')}.meta.json` : opts.rootMeta;
    this.rootFs = new HostFs(rootAbs, { metaFile });
    this.hostFss.push(this.rootFs);
    // Read-only by the host's choice (--ro, --bind ...:ro) is locked: the guest cannot remount it writable.
    const ro = MNT_RDONLY | MNT_LOCK_READONLY;
    this.mounts = new MountTable(new Mount(this.rootFs, null, null, '', opts.rootReadonly ? ro : 0, '/dev/root'));
    this.proc = opts.proc ?? null;
    this.procfs = new ProcFs({ mounts: this.mounts, source: () => this.proc });
    this.pipefs.mount = new Mount(this.pipefs, null, null, '', 0, 'pipefs');
    const root = this.rootLoc();
    const rootInode = root.inode;
    this.mounts.mount(new TmpFs('tmpfs', opts.tmpSize), root.mnt, rootInode, 'tmp', MNT_NOSUID | MNT_NODEV, 'tmpfs');
    this.devFs = makeDevFs();
    this.mounts.mount(this.devFs, root.mnt, rootInode, 'dev', MNT_NOSUID, 'devtmpfs');
    this.mounts.mount(this.procfs, root.mnt, rootInode, 'proc', MNT_NOSUID | MNT_NODEV | MNT_NOEXEC, 'proc');
    for (const b of opts.binds ?? []) this.bind(b);
    if (opts.dev?.console != null) this.setConsole(opts.dev.console);
    if (opts.dev?.random != null) this.devices.random = opts.dev.random;
  }

  rootLoc(): Loc { return { mnt: this.mounts.root, inode: this.mounts.root.root }; }

  /** A task's initial filesystem context: root = cwd = guest '/', umask 022. */
  newFsState(): FsState { return new FsState(this.rootLoc()); }

  /** The first task's context with its cwd at a guest path (throws if that is not a directory). */
  initialFsState(cwd = '/'): FsState {
    const fs = this.newFsState();
    const t = this.kernelTask();
    const found = walk(this.ctx(t), fs.root, cwd, true);
    const loc = typeof found === 'number' ? found : this.existing(found);
    if (typeof loc === 'number') throw new Error(`initial directory ${cwd}: ${loc === -ENOENT ? 'no such directory' : `error ${-loc}`}`);
    const a = loc.inode.getattr();
    if (typeof a === 'number' || !isDir(a.mode)) throw new Error(`initial directory ${cwd} is not a directory`);
    fs.cwd = loc;
    return fs;
  }

  /** Installs the fsnotify hub the file syscalls report to. */
  setNotify(hub: FsNotifyHooks | null): void { this.notify = hub; }

  /** How a walk reached its object, for fsnotify. */
  via(t: FsTask, found: Found, path = this.foundPath(t, found)): Via {
    const plain = found.last === 'norm' && found.path === undefined;
    return { parent: plain ? found.parent : null, name: plain ? found.name : undefined, path };
  }

  /**
   * /dev/console and /dev/tty open the console behind this file (the one
   * makeConsole returned); the file itself then is /dev/console for fstat and
   * /proc/PID/fd.
   */
  setConsole(file: OpenFile): void {
    this.devices.console = consoleDeviceOf(file);
    const dev = this.mounts.at(this.mounts.root, this.mounts.root.root, 'dev');
    const node = dev?.root.lookup?.('console', this.kernelTask());
    if (dev !== undefined && node !== undefined && typeof node !== 'number') setFileLoc(file, { mnt: dev, inode: node });
  }

  private bind(b: BindSpec): void {
    const st = nfs.statSync(b.host);
    if (!st.isDirectory()) throw new Error(`--bind ${b.host}: only directories can be bound`);
    const t = this.kernelTask();
    const found = walk(this.ctx(t), this.rootLoc(), b.guest, true);
    if (typeof found === 'number' || found.last !== 'norm' || found.name === '') {
      throw new Error(`--bind ${b.host}:${b.guest}: the guest path must name a directory below / whose parent exists`);
    }
    if (found.loc !== null && !isDir(typeof found.loc.inode.getattr() === 'number' ? 0 : (found.loc.inode.getattr() as Attr).mode)) {
      throw new Error(`--bind ${b.host}:${b.guest}: ${b.guest} exists and is not a directory`);
    }
    const fs = new HostFs(b.host, { metaFile: null });
    this.hostFss.push(fs);
    this.mounts.mount(fs, found.parent.mnt, found.parent.inode, found.name, b.readonly ? MNT_RDONLY | MNT_LOCK_READONLY : 0, 'hostfs');
  }

  /** What mount(2) and umount2(2) work with, as seen by task t (whose own references count). */
  namespaceOf(t: FsTask): NsContext {
    let users: MountUser[] | null = null;
    return {
      mounts: this.mounts,
      // Asked once per call: nothing else runs while a syscall does.
      users: () => (users ??= this.mountUsers(t)),
      singleton: (type) => (type === 'proc' ? this.procfs : type === 'devtmpfs' ? this.devFs : null),
      ramBytes: () => (this.proc?.meminfo().totalKb ?? 256 * 1024) * 1024,
    };
  }

  /** Every live task's root, cwd and files (threads included), and t's. */
  private mountUsers(t: FsTask): MountUser[] {
    const out: MountUser[] = [{ fs: t.fs, files: t.files }];
    const src = this.proc;
    if (src === null) return out;
    for (const tgid of src.tgids()) {
      const leader = src.task(tgid);
      if (leader === null) continue;
      for (const tid of leader.threads) {
        const task = tid === leader.tid ? leader : src.task(tid);
        if (task !== null && (task.fs !== null || task.files !== null)) out.push({ fs: task.fs, files: task.files });
      }
    }
    return out;
  }

  /** A stand-in task for lookups the kernel does on its own behalf (bind mounts at boot). */
  private kernelTask(): FsTask {
    const fs = this.newFsState();
    const none = (): never => { throw new Error('kernel lookup task has no such facility'); };
    return {
      pid: 0, tid: 0, cred: rootCred(), fs, vfs: this,
      get mem(): never { return none(); },
      get files(): never { return none(); },
      waitOn: none, waitDeadline: none, signalPending: () => false, sendSignal: none, setTemporarySigmask: none,
    };
  }

  ctx(t: FsTask): WalkCtx { return { t, mounts: this.mounts, links: 0 }; }

  /** Where a relative path starts: the cwd or the directory open at dirfd. */
  startAt(t: FsTask, dirfd: number, path: string): Loc | number {
    if (path.startsWith('/')) return t.fs.root;
    if (dirfd === AT_FDCWD) return t.fs.cwd;
    const f = t.files.get(dirfd);
    if (f === null) return -9; // EBADF
    const loc = fileLoc(f);
    if (loc === undefined) return -ENOTDIR;
    const a = loc.inode.getattr();
    if (typeof a === 'number') return a;
    return isDir(a.mode) ? loc : -ENOTDIR;
  }

  walkAt(t: FsTask, dirfd: number, path: string, follow: boolean): Found | number {
    const start = this.startAt(t, dirfd, path);
    if (typeof start === 'number') return start;
    return walk(this.ctx(t), start, path, follow);
  }

  /**
   * An existing object by (dirfd, path). AT_EMPTY_PATH with "" names the
   * dirfd itself (null when it is a file with no guest object, e.g. an eventfd).
   */
  lookupAt(t: FsTask, dirfd: number, path: string, atFlags: number): Loc | null | number {
    if (path === '') {
      if ((atFlags & AT_EMPTY_PATH) === 0) return -ENOENT;
      if (dirfd === AT_FDCWD) return t.fs.cwd;
      const f = t.files.get(dirfd);
      if (f === null) return -9;
      return fileLoc(f) ?? null;
    }
    const found = this.walkAt(t, dirfd, path, (atFlags & AT_SYMLINK_NOFOLLOW) === 0);
    if (typeof found === 'number') return found;
    return this.existing(found);
  }

  /** lookupAt, also saying how the object was reached (for fsnotify's parent watches). */
  lookupVia(t: FsTask, dirfd: number, path: string, atFlags: number): { loc: Loc | null; via: Via } | number {
    if (path === '') {
      const loc = this.lookupAt(t, dirfd, path, atFlags);
      return typeof loc === 'number' ? loc : { loc, via: {} };
    }
    const found = this.walkAt(t, dirfd, path, (atFlags & AT_SYMLINK_NOFOLLOW) === 0);
    if (typeof found === 'number') return found;
    const loc = this.existing(found);
    return typeof loc === 'number' ? loc : { loc, via: this.via(t, found) };
  }

  /** The object a walk found, with the trailing-slash rule. */
  existing(found: Found): Loc | number {
    if (found.loc === null) return -ENOENT;
    if (found.trailing) {
      const a = found.loc.inode.getattr();
      if (typeof a === 'number') return a;
      if (!isDir(a.mode)) return -ENOTDIR;
    }
    return found.loc;
  }

  /** The guest path of what a walk found, as /proc/PID/fd and exe show it. */
  foundPath(t: FsTask, found: Found): string {
    if (found.path !== undefined) return found.path;
    if (found.loc !== null && found.last !== 'norm') return pathOf(found.loc, t.fs.root);
    if (found.loc !== null) {
      const a = found.loc.inode.getattr();
      if (typeof a !== 'number' && isDir(a.mode)) return pathOf(found.loc, t.fs.root);
    }
    const dir = pathOf(found.parent, t.fs.root);
    return dir.endsWith('/') ? dir + found.name : `${dir}/${found.name}`;
  }

  /** openat(2) (do_filp_open): the OpenFile, or -errno, or BLOCK (a FIFO open waiting for its partner). */
  open(t: FsTask, dirfd: number, path: string, flags: number, mode: number): OpenFile | number {
    if ((flags & O_TMPFILE) === O_TMPFILE) return -EOPNOTSUPP;
    if ((flags & O_CREAT) !== 0 && (flags & O_DIRECTORY) !== 0) return -EINVAL;
    if ((flags & O_PATH) !== 0) flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    const excl = (flags & (O_CREAT | O_EXCL)) === (O_CREAT | O_EXCL);
    const follow = (flags & O_NOFOLLOW) === 0 && !excl;
    const found = path === '' ? -ENOENT : this.walkAt(t, dirfd, path, follow);
    if (typeof found === 'number') return found;
    let loc = found.loc;
    let created = false;
    if (loc === null) {
      if ((flags & O_CREAT) === 0) return -ENOENT;
      if (found.trailing) return -EISDIR;
      const r = mayCreate(found.parent, t.cred);
      if (r < 0) return r;
      const create = found.parent.inode.create;
      if (create === undefined) return -EACCES;
      const ino = create.call(found.parent.inode, found.name, mode & ~t.fs.umask & 0o7777, t.cred);
      if (typeof ino === 'number') return ino;
      loc = { mnt: found.parent.mnt, inode: ino };
      created = true;
      this.notify?.create(objOf(found.parent), found.name, objOf(loc, this.via(t, found)), t);
    } else if ((flags & O_CREAT) !== 0) {
      if (excl) return -EEXIST;
      if (found.last !== 'norm') return -EISDIR;
    }
    const a = loc.inode.getattr();
    if (typeof a === 'number') return a;
    const type = a.mode & S_IFMT;
    const gpath = this.foundPath(t, found);
    if ((flags & O_PATH) !== 0) {
      if ((flags & O_DIRECTORY) !== 0 && type !== S_IFDIR) return -ENOTDIR;
      if (found.trailing && type !== S_IFDIR) return -ENOTDIR;
      const f = new OpenFile({}, keptFlags(flags), null, gpath);
      setFileLoc(f, loc);
      return f;
    }
    if (type === S_IFLNK) return -ELOOP;
    if ((found.trailing || (flags & O_DIRECTORY) !== 0) && type !== S_IFDIR) return -ENOTDIR;
    if ((flags & O_CREAT) !== 0 && type === S_IFDIR) return -EISDIR;
    const acc = flags & O_ACCMODE;
    if (type === S_IFDIR && (acc !== O_RDONLY || (flags & O_TRUNC) !== 0)) return -EISDIR;
    if (!created) {
      let mask = acc === O_RDONLY ? MAY_READ : acc === O_WRONLY ? MAY_WRITE : MAY_READ | MAY_WRITE;
      if ((flags & O_TRUNC) !== 0) mask |= MAY_WRITE;
      const r = mayAccess(loc, t.cred, mask);
      if (r < 0) return r;
    }
    if ((flags & O_NOATIME) !== 0 && t.cred.fsuid !== 0 && t.cred.fsuid !== a.uid) return -EPERM;
    const hub = this.notify;
    // The path and attributes just looked up, not looked up again.
    const obj = hub === null ? null : objOf(loc, this.via(t, found, gpath), a);
    if (obj !== null) {
      const p = askPermission(t, hub, 'open', obj);
      if (p !== 0) return p;
    }
    const f = this.openLoc(t, loc, a, keptFlags(flags), gpath);
    if (typeof f === 'number') return f;
    if ((flags & O_TRUNC) !== 0 && type === S_IFREG && !created) {
      const r = loc.inode.setattr?.({ size: 0, mtime: 'now' }) ?? 0;
      if (r < 0) { f.put(t); return r; }
      if (obj !== null) hub!.change(obj, { size: true, mtime: true }, t);
    }
    if (obj !== null) { bindFile(f, hub!, obj); hub!.open(obj, t, f); }
    return f;
  }

  /**
   * Bytes of recently exec'd files by inode, with the size, mtime and ctime
   * they were read at (any write or metadata change moves ctime; a host
   * change to a host-backed file shows in its stat the same way).
   */
  private readonly execBytes = new Map<string, { stamp: string; bytes: Uint8Array }>();
  private execBytesTotal = 0;

  private rememberExec(key: string, stamp: string, bytes: Uint8Array): void {
    const old = this.execBytes.get(key);
    if (old !== undefined) { this.execBytesTotal -= old.bytes.length; this.execBytes.delete(key); }
    this.execBytes.set(key, { stamp, bytes });
    this.execBytesTotal += bytes.length;
    for (const [k, v] of this.execBytes) {
      if (this.execBytesTotal <= EXEC_CACHE_BYTES || k === key) break;
      this.execBytes.delete(k);
      this.execBytesTotal -= v.bytes.length;
    }
  }

  /** Opens an object found by lookup (permissions already checked). */
  openLoc(t: FsTask, loc: Loc, a: Attr, flags: number, path: string): OpenFile | number {
    let f: OpenFile | number;
    switch (a.mode & S_IFMT) {
      case S_IFDIR:
        f = new OpenFile(dirOps, flags, new DirHandle(loc), path);
        break;
      case S_IFIFO:
        // An anonymous pipe reached through /proc/PID/fd/N opens that pipe itself, not a named FIFO.
        if (loc.inode instanceof PipeInode) return loc.inode.open(flags, t);
        return openFifo(this.fifoFor(loc.inode), flags, t, loc, path);
      case S_IFCHR:
        if (loc.inode.sb.nodev || (loc.mnt.flags & MNT_NODEV) !== 0) return -EACCES;
        f = this.devices.open(a.rdev, flags, path);
        break;
      case S_IFBLK:
        return loc.inode.sb.nodev || (loc.mnt.flags & MNT_NODEV) !== 0 ? -EACCES : -ENXIO;
      case S_IFSOCK:
        return -ENXIO;
      default:
        if (loc.inode.open === undefined) return -ENXIO;
        f = loc.inode.open(flags, t);
        if (typeof f === 'number') return f;
        f.path = path;
    }
    if (typeof f === 'number') return f;
    setFileLoc(f, loc);
    return f;
  }

  /** The in-kernel pipe of a FIFO inode (one per inode while anyone has it open). */
  fifoFor(inode: Inode): Pipe {
    const key = inodeKey(inode);
    let p = this.fifos.get(key);
    if (p === undefined) {
      p = new Pipe(true);
      const pipe = p;
      p.onIdle = () => { if (this.fifos.get(key) === pipe) this.fifos.delete(key); };
      this.fifos.set(key, p);
    }
    return p;
  }

  /** A task that is going away: FIFO opens it was blocked in stop counting it. */
  forgetTask(tid: number): void {
    for (const p of [...this.fifos.values()]) p.abandonOpen(tid);
  }

  /**
   * For execve: resolves path (following symlinks, confined), checks it is a
   * regular file the task may execute on an exec-allowed mount, reads it whole.
   */
  openExec(t: FsTask, path: string): { bytes: Uint8Array; identity: { dev: number; ino: number; size: number; mtimeMs: number }; guestPath: string } | number {
    const found = path === '' ? -ENOENT : this.walkAt(t, AT_FDCWD, path, true);
    if (typeof found === 'number') return found;
    const loc = this.existing(found);
    if (typeof loc === 'number') return loc;
    const a = loc.inode.getattr();
    if (typeof a === 'number') return a;
    if ((a.mode & S_IFMT) !== S_IFREG) return -EACCES;
    if (loc.mnt.noexec) return -EACCES;
    if (!permission(a, t.cred, MAY_EXEC)) return -EACCES;
    const hub = this.notify;
    const mtimeMs = a.mtime.sec * 1000 + Math.floor(a.mtime.nsec / 1e6);
    const identity = { dev: loc.inode.sb.dev, ino: loc.inode.ino, size: a.size, mtimeMs };
    // The same unchanged file exec'd again (BusyBox, once per applet run): its bytes are known, and
    // the file need not even be opened (on hostfs a host open and close). Only when no fsnotify group
    // could see the open, the reads or a permission question.
    const cacheKey = `${identity.dev}:${identity.ino}`;
    const stamp = `${a.size}:${a.mtime.sec}.${a.mtime.nsec}:${a.ctime.sec}.${a.ctime.nsec}`;
    if (hub === null || hub.idle) {
      const hit = this.execBytes.get(cacheKey);
      if (hit !== undefined && hit.stamp === stamp) return { bytes: hit.bytes, identity, guestPath: this.foundPath(t, found) };
    }
    const obj = hub === null ? null : objOf(loc, this.via(t, found));
    if (obj !== null) {
      const p = askPermission(t, hub, 'exec', obj);
      if (p !== 0) return p;
    }
    const f = loc.inode.open?.(O_RDONLY, t);
    if (f === undefined) return -EACCES;
    if (typeof f === 'number') return f;
    if (obj !== null) { bindFile(f, hub!, obj); hub!.open(obj, t, f, true); }
    try {
      const chunks: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        const buf = new Uint8Array(Math.max(65536, Math.min(a.size - total + 1, 1 << 26)));
        const n = f.ops.read!(f, buf, total, t);
        if (n < 0) return n;
        if (n === 0) break;
        chunks.push(buf.subarray(0, n));
        total += n;
      }
      const bytes = chunks.length === 1 ? chunks[0] : new Uint8Array(total);
      if (chunks.length !== 1) { let o = 0; for (const c of chunks) { bytes.set(c, o); o += c.length; } }
      if (total === a.size) this.rememberExec(cacheKey, stamp, bytes);
      return { bytes, identity: { ...identity, size: total }, guestPath: this.foundPath(t, found) };
    } finally {
      f.put(t);
    }
  }

  // ---- what inotify and fanotify ask of the VFS (kernel/special NotifyVfs) ----

  /**
   * The object a watch is put on: path relative to dirfd (or, with a null
   * path, the file open at dirfd); it must be readable by the caller.
   */
  lookup(t: FsTask, dirfd: number, path: string | null, follow: boolean, directory: boolean): (FsObject & { ino: number; dev: number; mountId: number }) | number {
    let loc: Loc | null | number;
    if (path === null) {
      const f = t.files.get(dirfd);
      if (f === null) return -9; // EBADF
      loc = fileLoc(f) ?? -9;
    } else {
      loc = this.lookupAt(t, dirfd, path, follow ? 0 : AT_SYMLINK_NOFOLLOW);
    }
    if (typeof loc === 'number') return loc;
    if (loc === null) return -9;
    const a = loc.inode.getattr();
    if (typeof a === 'number') return a;
    if (directory && !isDir(a.mode)) return -ENOTDIR;
    if (!permission(a, t.cred, MAY_READ)) return -EACCES;
    const path0 = isDir(a.mode) ? pathOf(loc, t.fs.root) : path ?? '';
    return { ...objOf(loc, { path: path0 }), ino: loc.inode.ino, dev: loc.inode.sb.dev, mountId: loc.mnt.id };
  }

  /** Opens an event's object for a fanotify listener (no events of its own: the hub silences it). */
  openForListener(t: FsTask, obj: FsObject, flags: number): OpenFile | number {
    const ref = obj.ref as { loc?: Loc; path?: string } | undefined;
    if (ref?.loc === undefined) return -ENOENT;
    const a = ref.loc.inode.getattr();
    if (typeof a === 'number') return a;
    return this.openLoc(t, ref.loc, a, keptFlags(flags), ref.path ?? '');
  }

  /** st_ino and st_dev of any open file. */
  fileIdentity(f: OpenFile): { ino: number; dev: number } {
    const loc = fileLoc(f);
    return loc === undefined ? { ino: anonInodeNumber(f), dev: makedev(0, 14) } : { ino: loc.inode.ino, dev: loc.inode.sb.dev };
  }

  /** Writes pending ownership records (sync, shutdown). */
  flush(): void { for (const h of this.hostFss) h.flush(); }
}

