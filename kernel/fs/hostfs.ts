/**
 * hostfs: a host directory seen as a guest filesystem (the root and --bind
 * mounts). Confinement rests on three rules:
 *  - a host path is only ever built from the mount's host root plus
 *    components that lookup() has checked one by one with lstat (a host
 *    symlink is returned to the guest resolver as a symlink, never followed
 *    by the host);
 *  - before any operation a directory node re-checks (lstat, dev and inode)
 *    that its path still names the same host directory, so a stale node can
 *    never reach through a path that has since become a symlink;
 *  - files are opened with O_NOFOLLOW and checked again with fstat.
 * Host devices, sockets and FIFOs are never opened on the host (the mount is
 * nodev; FIFOs become in-kernel pipes), and none is ever made there: the
 * guest's mknod leaves an empty host file whose guest type (and device
 * number) the metadata store keeps.
 */
import * as nfs from 'node:fs';
import { EEXIST, EINVAL, EIO, EISDIR, ENOENT, ENOTDIR, ENXIO, EPERM, EXDEV } from '../errno.js';
import { O_ACCMODE, O_RDONLY, O_SYNC, O_DSYNC, OpenFile } from '../file.js';
import {
  type Attr, BLKSIZE, type DirEntry, type Inode, RENAME_EXCHANGE, RENAME_NOREPLACE, S_IFBLK, S_IFCHR, S_IFDIR,
  S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, type SetAttr, type StatFs, SuperBlock, type Timespec, dtype,
  nowTimespec,
} from './inode.js';
import { HostHandle, hostFileOps } from './hostfile.js';
import { HOST_GID, HOST_UID, hostErr, hostModeFor, withOwnerAccess } from './hostio.js';
import { MetaStore } from './metastore.js';
import { StatMemo, hostChanged } from './statmemo.js';
import type { Cred } from './task.js';

const C = nfs.constants;
const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
const tsOf = (ns: bigint): Timespec => ({ sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) });
/** Guest types kept on the host as an empty regular file (mknod's FIFOs, sockets and device nodes). */
const isStandInType = (type: number): boolean => type === S_IFIFO || type === S_IFCHR || type === S_IFBLK || type === S_IFSOCK;
const isDevType = (type: number): boolean => type === S_IFCHR || type === S_IFBLK;

export interface HostFsOptions {
  readonly?: boolean;
  /** Where ownership/mode records persist (null: memory only). */
  metaFile?: string | null;
}

export class HostFs extends SuperBlock {
  readonly type = 'hostfs';
  override readonly nodev = true;
  readonly root: HostNode;
  readonly meta: MetaStore;
  private readonly rootBuf: Buffer;
  /** Canonical directory nodes by relative path, so guest renames can update every holder (cwd, dirfds). */
  readonly dirs = new Map<string, HostNode>();
  /** lstat answers reused within one syscall (statmemo.ts). */
  private readonly statMemo = new StatMemo();

  constructor(readonly hostRoot: string, opts: HostFsOptions = {}) {
    super();
    const real = nfs.realpathSync(hostRoot);
    const st = nfs.lstatSync(real, { bigint: true });
    if (!st.isDirectory()) throw new Error(`hostfs: ${hostRoot} is not a directory`);
    this.rootBuf = Buffer.from(real, 'utf8');
    this.root = new HostNode(this, '', st);
    this.dirs.set('', this.root);
    this.meta = new MetaStore(opts.metaFile ?? null, (path, ino, btime) => {
      const s = this.lstat(path);
      if (s === null || typeof s === 'number' || Number(s.ino) !== ino) return false;
      return btime === undefined || s.birthtimeNs === 0n || s.birthtimeNs.toString() === btime;
    });
  }

  /** The host path of a relative path (components already checked by lookups). */
  hostPath(rel: string): Buffer {
    return rel === '' ? this.rootBuf : Buffer.concat([this.rootBuf, latin1('/' + rel)]);
  }

  lstat(rel: string): nfs.BigIntStats | null | number {
    const known = this.statMemo.get(rel);
    if (known !== undefined) return known;
    let st: nfs.BigIntStats | null | number;
    try {
      st = nfs.lstatSync(this.hostPath(rel), { bigint: true, throwIfNoEntry: false }) ?? null;
    } catch (e) { st = hostErr(e); }
    this.statMemo.set(rel, st);
    return st;
  }

  statfs(): StatFs {
    try {
      const s = nfs.statfsSync(this.rootBuf as unknown as string);
      return {
        type: s.type, bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail,
        files: s.files, ffree: s.ffree, namelen: 255, frsize: s.bsize, flags: 0x20,
      };
    } catch {
      return { type: 0xef53, bsize: BLKSIZE, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0, namelen: 255, frsize: BLKSIZE, flags: 0x20 };
    }
  }

  /** The canonical node of a directory at rel (st: its fresh lstat). */
  dirNode(rel: string, st: nfs.BigIntStats): HostNode {
    const c = this.dirs.get(rel);
    if (c !== undefined && c.ino === Number(st.ino) && c.hostDev === st.dev) return c;
    const n = new HostNode(this, rel, st);
    this.dirs.set(rel, n);
    return n;
  }

  /** After a guest rename, every cached directory under oldRel moves to newRel. */
  moved(oldRel: string, newRel: string): void {
    const moves: HostNode[] = [];
    for (const [rel, n] of this.dirs) {
      if (rel === oldRel || rel.startsWith(oldRel + '/')) moves.push(n);
    }
    for (const n of moves) {
      if (this.dirs.get(n.rel) === n) this.dirs.delete(n.rel);
    }
    for (const n of moves) {
      n.rel = newRel + n.rel.slice(oldRel.length);
      this.dirs.set(n.rel, n);
    }
    this.meta.renamed(oldRel, newRel);
  }

  /** The guest view of a host stat: recorded owner/mode override; the host user appears as root. */
  view(st: nfs.BigIntStats): Attr {
    const ino = Number(st.ino);
    const rec = this.meta.get(ino, st.birthtimeNs.toString());
    const hostMode = Number(st.mode);
    let mode = hostMode;
    if (rec?.mode !== undefined) {
      const recType = rec.mode & S_IFMT;
      if (recType === (hostMode & S_IFMT) || (isStandInType(recType) && (hostMode & S_IFMT) === S_IFREG)) mode = rec.mode;
    }
    const uid = Number(st.uid), gid = Number(st.gid);
    const standIn = (mode & S_IFMT) !== (hostMode & S_IFMT);
    return {
      mode,
      nlink: Number(st.nlink),
      uid: rec?.uid ?? (uid === HOST_UID ? 0 : uid),
      gid: rec?.gid ?? (gid === HOST_GID ? 0 : gid),
      rdev: !standIn ? Number(st.rdev) : isDevType(mode & S_IFMT) ? rec?.rdev ?? 0 : 0,
      size: standIn ? 0 : Number(st.size),
      blksize: Number(st.blksize) || BLKSIZE,
      blocks: Number(st.blocks),
      atime: tsOf(st.atimeNs), mtime: tsOf(st.mtimeNs), ctime: tsOf(st.ctimeNs),
      btime: st.birthtimeNs > 0n ? tsOf(st.birthtimeNs) : undefined,
    };
  }

  /** Records the guest owner of a host object where it differs from what the host shows by default. */
  setOwner(st: nfs.BigIntStats, rel: string, uid: number, gid: number): void {
    const hu = Number(st.uid), hg = Number(st.gid);
    const defUid = hu === HOST_UID ? 0 : hu, defGid = hg === HOST_GID ? 0 : hg;
    this.meta.update(Number(st.ino), st.birthtimeNs.toString(), rel, { uid: uid === defUid ? null : uid, gid: gid === defGid ? null : gid });
  }

  flush(): void { this.meta.flush(); }
}

export class HostNode implements Inode {
  readonly ino: number;
  readonly hostDev: bigint;
  readonly type: number;
  /** Host fds open on this node (fstat keeps working after the name is gone). */
  readonly fds = new Set<number>();

  constructor(readonly sb: HostFs, public rel: string, st: nfs.BigIntStats) {
    this.ino = Number(st.ino);
    this.hostDev = st.dev;
    this.type = Number(st.mode) & S_IFMT;
  }

  get path(): Buffer { return this.sb.hostPath(this.rel); }
  private child(name: string): string { return this.rel === '' ? name : `${this.rel}/${name}`; }

  /** The node's path still names the same host object (never anything reached through a swapped-in symlink). */
  private valid(): nfs.BigIntStats | number {
    const st = this.sb.lstat(this.rel);
    if (typeof st === 'number') return st;
    // Inode numbers are reused at once on many filesystems: the type must match too.
    if (st === null || Number(st.ino) !== this.ino || st.dev !== this.hostDev || (Number(st.mode) & S_IFMT) !== this.type) return -ENOENT;
    return st;
  }
  private validDir(): number {
    if (this.type !== S_IFDIR) return -ENOTDIR;
    const st = this.valid();
    return typeof st === 'number' ? st : 0;
  }

  getattr(): Attr | number {
    for (const fd of this.fds) {
      try { return this.sb.view(nfs.fstatSync(fd, { bigint: true })); } catch { /* try the path */ }
    }
    const st = this.valid();
    return typeof st === 'number' ? st : this.sb.view(st);
  }

  setattr(c: SetAttr): number {
    try { return this.setattrNow(c); } finally { hostChanged(); }
  }

  private setattrNow(c: SetAttr): number {
    const st = this.valid();
    if (typeof st === 'number') {
      // The name is gone but the file may still be open: truncate through a host fd.
      if (c.size === undefined || this.fds.size === 0) return st;
      let err = st;
      for (const fd of this.fds) {
        try { nfs.ftruncateSync(fd, c.size); return 0; } catch (e) { err = hostErr(e); }
      }
      return err;
    }
    const p = this.path;
    const isLink = this.type === S_IFLNK;
    try {
      if (c.size !== undefined) {
        if (this.type === S_IFDIR) return -EISDIR;
        if (this.type !== S_IFREG) return -EINVAL;
        const size = c.size;
        withOwnerAccess([p], () => nfs.truncateSync(p as unknown as string, size));
      }
      if (c.mode !== undefined && !isLink) {
        const full = (Number(st.mode) & S_IFMT) | (c.mode & 0o7777);
        const cur = this.sb.view(st);
        const guestFull = (cur.mode & S_IFMT) | (c.mode & 0o7777);
        const hm = hostModeFor(full, this.type === S_IFDIR);
        nfs.chmodSync(p, hm);
        this.sb.meta.update(this.ino, st.birthtimeNs.toString(), this.rel, { mode: guestFull === ((Number(st.mode) & S_IFMT) | hm) ? null : guestFull });
      }
      if (c.uid !== undefined || c.gid !== undefined) {
        const cur = this.sb.view(st);
        this.sb.setOwner(st, this.rel, c.uid ?? cur.uid, c.gid ?? cur.gid);
      }
      if (c.atime !== undefined || c.mtime !== undefined) {
        const now = nowTimespec();
        const pick = (v: Timespec | 'now' | undefined, old: bigint): number => {
          const t = v === undefined ? tsOf(old) : v === 'now' ? now : v;
          return t.sec + t.nsec / 1e9;
        };
        const a = pick(c.atime, st.atimeNs), m = pick(c.mtime, st.mtimeNs);
        if (isLink) nfs.lutimesSync(p, a, m); else nfs.utimesSync(p, a, m);
      }
      return 0;
    } catch (e) { return hostErr(e); }
  }

  // ---- directories
  lookup(name: string): Inode | number {
    const v = this.validDir();
    if (v < 0) return v;
    const rel = this.child(name);
    const st = this.sb.lstat(rel);
    if (typeof st === 'number') return st;
    if (st === null) return -ENOENT;
    return st.isDirectory() ? this.sb.dirNode(rel, st) : new HostNode(this.sb, rel, st);
  }

  parent(): Inode {
    if (this.rel === '') return this;
    const i = this.rel.lastIndexOf('/');
    const prel = i < 0 ? '' : this.rel.slice(0, i);
    const cached = this.sb.dirs.get(prel);
    if (cached !== undefined) return cached;
    const st = this.sb.lstat(prel);
    if (st === null || typeof st === 'number' || !st.isDirectory()) return this.sb.root;
    return this.sb.dirNode(prel, st);
  }

  dirName(): string { return this.rel.slice(this.rel.lastIndexOf('/') + 1); }

  readdir(): DirEntry[] | number {
    const v = this.validDir();
    if (v < 0) return v;
    try {
      const names = nfs.readdirSync(this.path, { encoding: 'buffer' });
      const out: DirEntry[] = [];
      for (const nb of names) {
        const name = nb.toString('latin1');
        const st = this.sb.lstat(this.child(name));
        if (st === null || typeof st === 'number') continue;
        out.push({ name, ino: Number(st.ino), type: dtype(this.sb.view(st).mode) });
      }
      return out;
    } catch (e) { return hostErr(e); }
  }

  /**
   * Runs a host operation creating `name`, then returns its node with
   * ownership recorded; a stand-in (an empty host file for a FIFO, socket
   * or device node) also records its guest type and device number.
   */
  private made(name: string, cred: Cred, op: (p: Buffer) => void, guestMode = 0, standIn?: { type: number; rdev: number }): Inode | number {
    const v = this.validDir();
    if (v < 0) return v;
    const rel = this.child(name);
    const p = this.sb.hostPath(rel);
    try {
      withOwnerAccess([this.path], () => op(p));
    } catch (e) { return hostErr(e); }
    const st = this.sb.lstat(rel);
    if (st === null || typeof st === 'number') return -EIO;
    const ino = Number(st.ino);
    this.sb.meta.delete(ino);
    const dirAttr = this.getattr();
    const sgid = typeof dirAttr !== 'number' && (dirAttr.mode & 0o2000) !== 0;
    this.sb.setOwner(st, rel, cred.fsuid, sgid ? (dirAttr as Attr).gid : cred.fsgid);
    const hostFull = Number(st.mode);
    const want = (standIn?.type ?? (hostFull & S_IFMT)) | (guestMode & 0o7777);
    const rdev = standIn !== undefined && isDevType(standIn.type) ? standIn.rdev : undefined;
    if (!((hostFull & S_IFMT) === S_IFLNK) && want !== hostFull) this.sb.meta.update(ino, st.birthtimeNs.toString(), rel, { mode: want, rdev });
    return st.isDirectory() ? this.sb.dirNode(rel, st) : new HostNode(this.sb, rel, st);
  }

  create(name: string, mode: number, cred: Cred): Inode | number {
    return this.made(name, cred, (p) => {
      nfs.closeSync(nfs.openSync(p, C.O_CREAT | C.O_EXCL | C.O_WRONLY | C.O_NOFOLLOW, hostModeFor(mode, false)));
    }, mode);
  }
  mkdir(name: string, mode: number, cred: Cred): Inode | number {
    const sgid = (() => { const a = this.getattr(); return typeof a !== 'number' ? a.mode & 0o2000 : 0; })();
    return this.made(name, cred, (p) => nfs.mkdirSync(p, hostModeFor(mode, true)), mode | sgid);
  }
  /**
   * FIFOs, sockets and device nodes are kept as empty host files whose type
   * (and rdev) the metadata store records: nothing special is ever made on
   * the host, and the mount being nodev, a device node here never opens.
   */
  mknod(name: string, mode: number, cred: Cred, rdev: number): Inode | number {
    const type = mode & S_IFMT;
    if (!isStandInType(type)) return -EPERM;
    return this.made(name, cred, (p) => {
      nfs.closeSync(nfs.openSync(p, C.O_CREAT | C.O_EXCL | C.O_WRONLY | C.O_NOFOLLOW, hostModeFor(mode, false)));
    }, mode, { type, rdev });
  }
  symlink(name: string, target: string, cred: Cred): Inode | number {
    return this.made(name, cred, (p) => nfs.symlinkSync(latin1(target), p));
  }

  link(name: string, target: Inode): number {
    if (!(target instanceof HostNode) || target.sb !== this.sb) return -EXDEV;
    const v = this.validDir();
    if (v < 0) return v;
    const ts = target.valid();
    if (typeof ts === 'number') return ts;
    const p = this.sb.hostPath(this.child(name));
    try {
      // link(2) does not follow a symlink source on Linux, so the host never dereferences guest link text.
      withOwnerAccess([this.path], () => nfs.linkSync(target.path, p));
      return 0;
    } catch (e) { return hostErr(e); }
  }

  unlink(name: string): number {
    const v = this.validDir();
    if (v < 0) return v;
    const rel = this.child(name);
    const st = this.sb.lstat(rel);
    if (typeof st === 'number') return st;
    if (st === null) return -ENOENT;
    if (st.isDirectory()) return -EISDIR;
    try {
      withOwnerAccess([this.path], () => nfs.unlinkSync(this.sb.hostPath(rel)));
    } catch (e) { return hostErr(e); }
    if (st.nlink <= 1n) this.sb.meta.delete(Number(st.ino));
    return 0;
  }

  rmdir(name: string): number {
    const v = this.validDir();
    if (v < 0) return v;
    const rel = this.child(name);
    const st = this.sb.lstat(rel);
    if (typeof st === 'number') return st;
    if (st === null) return -ENOENT;
    if (!st.isDirectory()) return -ENOTDIR;
    try {
      withOwnerAccess([this.path], () => nfs.rmdirSync(this.sb.hostPath(rel)));
    } catch (e) { return hostErr(e); }
    this.sb.dirs.delete(rel);
    this.sb.meta.delete(Number(st.ino));
    return 0;
  }

  rename(oldName: string, newDirI: Inode, newName: string, flags: number): number {
    if (!(newDirI instanceof HostNode) || newDirI.sb !== this.sb) return -EXDEV;
    const newDir = newDirI;
    let v = this.validDir();
    if (v === 0) v = newDir.validDir();
    if (v < 0) return v;
    const oldRel = this.child(oldName), newRel = newDir.child(newName);
    const src = this.sb.lstat(oldRel);
    if (typeof src === 'number') return src;
    if (src === null) return -ENOENT;
    const dst = this.sb.lstat(newRel);
    if (typeof dst === 'number') return dst;
    const op = this.sb.hostPath(oldRel), np = this.sb.hostPath(newRel);
    const dirs = [this.path, newDir.path];
    try {
      if ((flags & RENAME_EXCHANGE) !== 0) {
        if (dst === null) return -ENOENT;
        const tmpRel = `${newDir.child('')}.nommu-um-exchange-${process.pid}-${Date.now()}`;
        const tp = this.sb.hostPath(tmpRel);
        withOwnerAccess(dirs, () => { nfs.renameSync(op, tp); nfs.renameSync(np, op); nfs.renameSync(tp, np); });
        this.sb.moved(oldRel, tmpRel);
        this.sb.moved(newRel, oldRel);
        this.sb.moved(tmpRel, newRel);
        return 0;
      }
      if ((flags & RENAME_NOREPLACE) !== 0 && dst !== null) return -EEXIST;
      if (dst !== null && dst.ino === src.ino && dst.dev === src.dev) return 0;
      withOwnerAccess(dirs, () => nfs.renameSync(op, np));
    } catch (e) { return hostErr(e); }
    if (dst !== null) {
      if (dst.isDirectory()) { this.sb.dirs.delete(newRel); this.sb.meta.delete(Number(dst.ino)); }
      else if (dst.nlink <= 1n) this.sb.meta.delete(Number(dst.ino));
    }
    this.sb.moved(oldRel, newRel);
    return 0;
  }

  // ---- symlinks
  readlink(): string | number {
    if (this.type !== S_IFLNK) return -EINVAL;
    const st = this.valid();
    if (typeof st === 'number') return st;
    try {
      return (nfs.readlinkSync(this.path, { encoding: 'buffer' })).toString('latin1');
    } catch (e) { return hostErr(e); }
  }

  // ---- regular files
  open(flags: number): OpenFile | number {
    if (this.type !== S_IFREG) return this.type === S_IFDIR ? -EISDIR : -ENXIO;
    const st = this.valid();
    if (typeof st === 'number') return st;
    const acc = flags & O_ACCMODE;
    const hostAcc = acc === O_RDONLY ? C.O_RDONLY : acc === 1 ? C.O_WRONLY : C.O_RDWR;
    const hostFlags = hostAcc | C.O_NOFOLLOW | C.O_NONBLOCK | (flags & O_SYNC & ~O_DSYNC ? C.O_SYNC : 0) | (flags & O_DSYNC ? C.O_DSYNC : 0);
    let fd: number;
    try {
      // Never O_CREAT or O_TRUNC here (create and setattr do those): opening changes nothing on the host.
      fd = withOwnerAccess([this.path], () => nfs.openSync(this.path, hostFlags), false);
    } catch (e) { return hostErr(e); }
    try {
      const fst = nfs.fstatSync(fd, { bigint: true });
      if (Number(fst.ino) !== this.ino || !fst.isFile()) { nfs.closeSync(fd); return -ENOENT; }
    } catch (e) { nfs.closeSync(fd); return hostErr(e); }
    this.fds.add(fd);
    return new OpenFile(hostFileOps, flags, new HostHandle(this, fd));
  }
}

