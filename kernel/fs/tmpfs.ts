/**
 * tmpfs: an in-memory filesystem (files, directories, symlinks, FIFOs,
 * sockets, device nodes, hard links, timestamps, modes, owners). devfs is a tmpfs populated with
 * device nodes. Total file data is bounded by the instance's size limit
 * (ENOSPC past it), like tmpfs's size= option.
 */
import { EEXIST, EFBIG, EINVAL, ENOENT, ENOSPC, ENOTDIR, ENOTEMPTY, ENXIO } from '../errno.js';
import { type FileOps, OpenFile } from '../file.js';
import {
  type Access, type Attr, BLKSIZE, type DirEntry, type Inode, RENAME_EXCHANGE, S_IFBLK, S_IFCHR, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG,
  type SetAttr, type StatFs, SuperBlock, type Timespec, blocksFor, dtype, isDir, nowTimespec,
} from './inode.js';
import { releaseFileLocks } from './locks.js';
import { notifyRelease } from './fsnotify.js';
import { SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET } from './seek.js';
import type { Cred } from './task.js';

export const TMPFS_MAGIC = 0x01021994;
/** Largest file offset we accept (MAX_LFS_FILESIZE is 2^63-1; doubles stay exact below 2^53). */
export const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;

export class TmpFs extends SuperBlock {
  readonly root: TmpNode;
  private nextIno = 1;
  used = 0;
  nodes = 1;
  constructor(readonly type = 'tmpfs', readonly limitBytes = 512 * 1024 * 1024, rootMode = 0o1777) {
    super();
    this.root = new TmpNode(this, S_IFDIR | rootMode, 0, 0);
    this.root.parentDir = this.root;
  }
  allocIno(): number { return this.nextIno++; }
  statfs(): StatFs {
    const blocks = Math.floor(this.limitBytes / BLKSIZE);
    const used = Math.ceil(this.used / BLKSIZE);
    return {
      type: TMPFS_MAGIC, bsize: BLKSIZE, blocks, bfree: blocks - used, bavail: blocks - used,
      files: 1 << 20, ffree: (1 << 20) - this.nodes, namelen: 255, frsize: BLKSIZE, flags: 0x20,
    };
  }
}

export class TmpNode implements Inode {
  readonly ino: number;
  nlink = 1;
  atime: Timespec; mtime: Timespec; ctime: Timespec; readonly btime: Timespec;
  data = new Uint8Array(0);
  size = 0;
  children: Map<string, TmpNode> | null = null;
  target = '';
  rdev = 0;
  /** Directories only: where '..' leads and the name there. */
  parentDir: TmpNode | null = null;
  name = '';

  constructor(readonly sb: TmpFs, public mode: number, public uid: number, public gid: number) {
    this.ino = sb.allocIno();
    this.atime = this.mtime = this.ctime = this.btime = nowTimespec();
    if (isDir(mode)) { this.children = new Map(); this.nlink = 2; }
  }

  /** The node itself: its mode, uid and gid fields are what getattr reports. */
  access(): Access { return this; }

  getattr(): Attr {
    const size = isDir(this.mode) ? 4096 : (this.mode & S_IFMT) === S_IFLNK ? this.target.length : this.size;
    return {
      mode: this.mode, nlink: this.nlink, uid: this.uid, gid: this.gid, rdev: this.rdev,
      size, blksize: BLKSIZE, blocks: isDir(this.mode) ? 0 : blocksFor(this.size),
      atime: this.atime, mtime: this.mtime, ctime: this.ctime, btime: this.btime,
    };
  }

  setattr(c: SetAttr): number {
    const now = nowTimespec();
    if (c.size !== undefined) {
      const r = this.resize(c.size);
      if (r < 0) return r;
      this.mtime = now;
    }
    if (c.mode !== undefined) this.mode = (this.mode & S_IFMT) | (c.mode & 0o7777);
    if (c.uid !== undefined) this.uid = c.uid;
    if (c.gid !== undefined) this.gid = c.gid;
    if (c.atime !== undefined) this.atime = c.atime === 'now' ? now : c.atime;
    if (c.mtime !== undefined) this.mtime = c.mtime === 'now' ? now : c.mtime;
    this.ctime = now;
    return 0;
  }

  /** Sets the data size, zero-filling growth; ENOSPC past the instance limit. */
  resize(size: number): number {
    if (size < 0) return -EINVAL;
    if (size > MAX_FILE_SIZE) return -EFBIG;
    if (size > this.data.length) {
      if (this.sb.used - this.data.length + size > this.sb.limitBytes) return -ENOSPC;
      let cap = Math.max(this.data.length * 2, 256);
      while (cap < size) cap *= 2;
      cap = Math.min(cap, Math.max(size, this.sb.limitBytes - this.sb.used + this.data.length));
      const d = new Uint8Array(cap);
      d.set(this.data.subarray(0, this.size));
      this.sb.used += cap - this.data.length;
      this.data = d;
    } else if (size < this.size) {
      this.data.fill(0, size, this.size);
    }
    this.size = size;
    return 0;
  }

  private touchDir(): void { this.mtime = this.ctime = nowTimespec(); }

  // ---- directories
  lookup(name: string): Inode | number {
    if (this.children === null) return -ENOTDIR;
    return this.children.get(name) ?? -ENOENT;
  }
  parent(): Inode { return this.parentDir ?? this; }
  dirName(): string { return this.name; }
  readdir(): DirEntry[] | number {
    if (this.children === null) return -ENOTDIR;
    return [...this.children].map(([name, n]) => ({ name, ino: n.ino, type: dtype(n.mode) }));
  }

  private add(name: string, node: TmpNode): TmpNode | number {
    const kids = this.children;
    if (kids === null) return -ENOTDIR;
    if (kids.has(name)) return -EEXIST;
    kids.set(name, node);
    this.sb.nodes++;
    if (node.children !== null) { node.parentDir = this; node.name = name; this.nlink++; }
    this.touchDir();
    return node;
  }

  /** New objects get the creator's fsuid, and the directory's group when it is setgid. */
  private owner(cred: Cred): [number, number] {
    return [cred.fsuid, (this.mode & 0o2000) !== 0 ? this.gid : cred.fsgid];
  }

  create(name: string, mode: number, cred: Cred): Inode | number {
    return this.add(name, new TmpNode(this.sb, S_IFREG | (mode & 0o7777), ...this.owner(cred)));
  }
  mkdir(name: string, mode: number, cred: Cred): Inode | number {
    const [uid, gid] = this.owner(cred);
    const sgid = this.mode & 0o2000;
    return this.add(name, new TmpNode(this.sb, S_IFDIR | (mode & 0o7777) | sgid, uid, gid));
  }
  /** FIFOs, sockets and device nodes (the VFS opens a device through its number, not the inode). */
  mknod(name: string, mode: number, cred: Cred, rdev: number): Inode | number {
    const n = new TmpNode(this.sb, mode, ...this.owner(cred));
    const type = mode & S_IFMT;
    if (type === S_IFCHR || type === S_IFBLK) n.rdev = rdev;
    return this.add(name, n);
  }
  /** devfs's own nodes, owned by root. */
  mkdev(name: string, mode: number, rdev: number): TmpNode {
    const n = new TmpNode(this.sb, mode, 0, 0);
    n.rdev = rdev;
    this.add(name, n);
    return n;
  }
  symlink(name: string, target: string, cred: Cred): Inode | number {
    const n = new TmpNode(this.sb, S_IFLNK | 0o777, ...this.owner(cred));
    n.target = target;
    return this.add(name, n);
  }
  link(name: string, target: Inode): number {
    if (!(target instanceof TmpNode) || target.sb !== this.sb) return -EINVAL;
    const r = this.add(name, target);
    if (typeof r === 'number') return r;
    this.sb.nodes--;
    target.nlink++;
    target.ctime = nowTimespec();
    return 0;
  }
  private drop(node: TmpNode): void {
    node.nlink -= node.children !== null ? 2 : 1;
    node.ctime = nowTimespec();
    if (node.nlink <= 0) {
      // Open files may still use the data; it no longer counts against the size limit.
      this.sb.nodes--;
      this.sb.used -= node.data.length;
    }
  }
  unlink(name: string): number {
    const n = this.children?.get(name);
    if (n === undefined) return -ENOENT;
    this.children!.delete(name);
    this.drop(n);
    this.touchDir();
    return 0;
  }
  rmdir(name: string): number {
    const n = this.children?.get(name);
    if (n === undefined) return -ENOENT;
    if (n.children === null) return -ENOTDIR;
    if (n.children.size > 0) return -ENOTEMPTY;
    this.children!.delete(name);
    this.nlink--;
    this.drop(n);
    n.parentDir = null;
    this.touchDir();
    return 0;
  }
  rename(oldName: string, newDirI: Inode, newName: string, flags: number): number {
    if (!(newDirI instanceof TmpNode) || newDirI.children === null || this.children === null) return -ENOTDIR;
    const newDir = newDirI;
    const src = this.children.get(oldName);
    if (src === undefined) return -ENOENT;
    const dst = newDir.children!.get(newName);
    if (dst === src) return 0;
    if ((flags & RENAME_EXCHANGE) !== 0) {
      if (dst === undefined) return -ENOENT;
      this.children.set(oldName, dst);
      newDir.children!.set(newName, src);
      this.reparent(dst, this, oldName, newDir);
      newDir.reparent(src, newDir, newName, this);
    } else {
      if (dst !== undefined) {
        if (dst.children !== null && dst.children.size > 0) return -ENOTEMPTY;
        if (dst.children !== null) { newDir.nlink--; dst.parentDir = null; }
        newDir.children!.delete(newName);
        newDir.drop(dst);
      }
      this.children.delete(oldName);
      newDir.children!.set(newName, src);
      newDir.reparent(src, newDir, newName, this);
    }
    src.ctime = nowTimespec();
    this.touchDir();
    newDir.touchDir();
    return 0;
  }
  private reparent(node: TmpNode, to: TmpNode, name: string, from: TmpNode): void {
    if (node.children === null) return;
    node.parentDir = to;
    node.name = name;
    if (to !== from) { to.nlink++; from.nlink--; }
  }

  // ---- symlinks
  readlink(): string | number {
    return (this.mode & S_IFMT) === S_IFLNK ? this.target : -EINVAL;
  }

  // ---- regular files
  open(flags: number): OpenFile | number {
    if ((this.mode & S_IFMT) !== S_IFREG) return -ENXIO;
    return new OpenFile(tmpFileOps, flags, this);
  }

  /** relatime: atime moves only when it is not newer than mtime/ctime. */
  accessed(): void {
    if (cmpTime(this.atime, this.mtime) <= 0 || cmpTime(this.atime, this.ctime) <= 0) this.atime = nowTimespec();
  }
}

export function cmpTime(a: Timespec, b: Timespec): number { return a.sec - b.sec || a.nsec - b.nsec; }

const nodeOf = (f: OpenFile): TmpNode => f.priv as TmpNode;

export const tmpFileOps: FileOps = {
  read(f, dst, pos) {
    const n = nodeOf(f);
    if (pos >= n.size) return 0;
    const len = Math.min(dst.length, n.size - pos);
    dst.set(n.data.subarray(pos, pos + len));
    n.accessed();
    return len;
  },
  write(f, src, pos) {
    const n = nodeOf(f);
    if (src.length === 0) return 0;
    const end = pos + src.length;
    if (end > n.size) {
      const r = n.resize(end);
      if (r < 0) {
        // Partial write up to the space left, as a full disk gives.
        const room = n.sb.limitBytes - n.sb.used + (n.data.length - n.size);
        if (room <= 0 || n.resize(Math.min(end, n.size + room)) < 0 || n.size <= pos) return r;
      }
    }
    const len = Math.min(src.length, n.size - pos);
    n.data.set(src.subarray(0, len), pos);
    n.mtime = n.ctime = nowTimespec();
    return len;
  },
  seek(f, offset, whence) { return seekIn(f.pos, nodeOf(f).size, offset, whence); },
  fsync() { return 0; },
  release(f, task) { notifyRelease(f, task); releaseFileLocks(f); },
};

/** lseek arithmetic for a file of `size` bytes with no holes. */
export function seekIn(pos: number, size: number, offset: number, whence: number): number {
  let p: number;
  switch (whence) {
    case SEEK_SET: p = offset; break;
    case SEEK_CUR: p = pos + offset; break;
    case SEEK_END: p = size + offset; break;
    case SEEK_DATA: if (offset >= size || offset < 0) return -ENXIO; p = offset; break;
    case SEEK_HOLE: if (offset >= size || offset < 0) return -ENXIO; p = size; break;
    default: return -EINVAL;
  }
  if (p < 0 || !Number.isFinite(p)) return -EINVAL;
  if (p > MAX_FILE_SIZE) return -EINVAL;
  return p;
}
