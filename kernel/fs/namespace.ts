/**
 * What mount(2) and umount2(2) do to the mount table (Linux's
 * fs/namespace.c for one namespace): bind mounts (recursive or not), new
 * tmpfs/proc/devtmpfs mounts, remounts of a mount or of its superblock,
 * propagation type changes, MS_MOVE, and unmounting with its busy rules.
 * The syscall layer (calls/mount.ts) fetches the arguments and resolves
 * the paths; everything here works on guest locations.
 */
import { EAGAIN, EBUSY, EINVAL, ELOOP, ENODEV, ENOTDIR, EPERM } from '../errno.js';
import { O_ACCMODE, O_PATH, O_RDONLY } from '../file.js';
import { type SuperBlock, isDir, isReg } from './inode.js';
import {
  type Loc, MNT_LOCK_READONLY, MNT_RDONLY, MNT_USER_FLAGS, Mount, type MountTable, placeKey, placeOf,
  sbIsReadonly, setSbReadonly,
} from './mount.js';
import { attrMode } from './namei.js';
import { fileLoc } from './openfile.js';
import {
  type Tree, changePropagation, copyTree, detach, mountPropagating, removeCopy, umountCopies,
} from './pnode.js';
import { TmpFs } from './tmpfs.js';
import type { FsState } from './fsstate.js';
import type { FdTable } from './fdtable.js';

export const MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_SYNCHRONOUS = 16, MS_REMOUNT = 32;
export const MS_MANDLOCK = 64, MS_DIRSYNC = 128, MS_NOSYMFOLLOW = 256, MS_NOATIME = 1024, MS_NODIRATIME = 2048;
export const MS_BIND = 4096, MS_MOVE = 8192, MS_REC = 16384, MS_SILENT = 32768, MS_POSIXACL = 1 << 16;
export const MS_UNBINDABLE = 1 << 17, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19, MS_SHARED = 1 << 20;
export const MS_RELATIME = 1 << 21, MS_KERNMOUNT = 1 << 22, MS_I_VERSION = 1 << 23, MS_STRICTATIME = 1 << 24;
export const MS_LAZYTIME = 1 << 25, MS_NOUSER = 2 ** 31;
export const MS_MGC_VAL = 0xc0ed0000, MS_MGC_MSK = 0xffff0000;
const MS_PROPAGATION = MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE;

export const MNT_FORCE = 1, MNT_DETACH = 2, MNT_EXPIRE = 4, UMOUNT_NOFOLLOW = 8;

/** Who holds what: every task's root, cwd and open files (the references that make a mount busy). */
export interface MountUser { fs: FsState | null; files: FdTable | null }

/** What the namespace code needs besides the table. */
export interface NsContext {
  readonly mounts: MountTable;
  /** Every live task's filesystem context and files (the caller's included). */
  users(): Iterable<MountUser>;
  /** An existing superblock for types that have one per system (proc, devtmpfs). */
  singleton(type: string): SuperBlock | null;
  /** Bytes of RAM (tmpfs's default size is half, size=N% a share of it). */
  ramBytes(): number;
}

/** The mount flags (MNT_*) a mount(2) flags word asks for. */
export function mntFlagsOf(flags: number): number {
  let f = 0;
  if (flags & MS_RDONLY) f |= MNT_RDONLY;
  if (flags & MS_NOSUID) f |= 2;
  if (flags & MS_NODEV) f |= 4;
  if (flags & MS_NOEXEC) f |= 8;
  return f;
}

const isDirLoc = (l: Loc): boolean => isDir(attrMode(l.inode));

/**
 * The top of whatever is mounted on loc (lock_mount / LOOKUP_MOUNTPOINT):
 * a path that names a mountpoint, or a mount's root, leads to the last
 * mount stacked there.
 */
export function followDown(table: MountTable, loc: Loc, place?: { dir: Loc['inode']; name: string }): Loc {
  let key: string;
  if (loc.mnt.isRoot(loc.inode)) key = loc.mnt.rootKey;
  else if (place !== undefined) key = placeKey(place.dir, place.name);
  else { const p = placeOf(loc.inode); key = placeKey(p.dir, p.name); }
  const c = table.childAt(loc.mnt, key);
  if (c === undefined) return loc;
  const top = table.top(c);
  return { mnt: top, inode: top.root };
}

/** Where a new mount goes for a target location: the mount it lands in and the place there. */
interface Place { mnt: Mount; dir: Loc['inode']; name: string }
function placeFor(table: MountTable, target: Loc, named?: { dir: Loc['inode']; name: string }): Place {
  const top = followDown(table, target, named);
  if (top.mnt.isRoot(top.inode)) return { mnt: top.mnt, ...top.mnt.rootPlace };
  if (named !== undefined) return { mnt: top.mnt, ...named };
  return { mnt: top.mnt, ...placeOf(top.inode) };
}

/** Files open for writing through a mount (or on a superblock): mnt_want_write holders. */
function hasWriters(ns: NsContext, match: (l: Loc) => boolean): boolean {
  for (const u of ns.users()) {
    if (u.files === null) continue;
    for (const [, f] of u.files.entries()) {
      if ((f.flags & O_PATH) !== 0 || (f.flags & O_ACCMODE) === O_RDONLY) continue;
      const l = fileLoc(f);
      // Special files (devices, FIFOs) take no write access on their mount.
      if (l !== undefined && match(l) && isReg(attrMode(l.inode))) return true;
    }
  }
  return false;
}

/** Whether a task has its root or cwd, or an open file, on m (a reference beyond the table's). */
function referenced(ns: NsContext, m: Mount): boolean {
  for (const u of ns.users()) {
    if (u.fs !== null && (u.fs.root.mnt === m || u.fs.cwd.mnt === m)) return true;
    if (u.files === null) continue;
    for (const [, f] of u.files.entries()) if (fileLoc(f)?.mnt === m) return true;
  }
  return false;
}

/** do_loopback: a bind mount of source (its mount's subtree too with recursive) at target. */
export function bindMount(ns: NsContext, source: Loc, target: Loc, named: { dir: Loc['inode']; name: string } | undefined, recursive: boolean): number {
  const table = ns.mounts;
  if (source.mnt.detached || target.mnt.detached) return -EINVAL;
  if (source.mnt.unbindable) return -EINVAL;
  const at = placeFor(table, target, named);
  const over = followDown(table, target, named);
  if (isDirLoc(over) !== isDirLoc(source)) return -ENOTDIR;
  const tree = copyTree(table, source.mnt, source.inode, 'bind', recursive);
  // A bind never widens access: the copy keeps the source's flags, locks included.
  mountPropagating(table, tree, at.mnt, at.dir, at.name);
  return 0;
}

/** do_new_mount for a superblock already made: refused where the same filesystem already shows there. */
export function newMount(ns: NsContext, sb: SuperBlock, mntFlags: number, source: string, target: Loc, named: { dir: Loc['inode']; name: string } | undefined): number {
  const table = ns.mounts;
  if (target.mnt.detached) return -EINVAL;
  const at = placeFor(table, target, named);
  const over = followDown(table, target, named);
  if (over.mnt.sb === sb && over.mnt.isRoot(over.inode)) return -EBUSY;
  if (!isDirLoc(over)) return -ENOTDIR;
  const m = new Mount(sb, null, null, '', mntFlags, source);
  const tree: Tree = { top: m, rest: [] };
  mountPropagating(table, tree, at.mnt, at.dir, at.name);
  return 0;
}

/** do_change_type: mount --make-[r]{shared,private,slave,unbindable}. */
export function changeType(ns: NsContext, loc: Loc, flags: number): number {
  const m = loc.mnt;
  if (m.detached || !m.isRoot(loc.inode)) return -EINVAL;
  const kind = flags & MS_PROPAGATION;
  if (kind === 0 || (kind & (kind - 1)) !== 0) return -EINVAL;
  const type = kind === MS_SHARED ? 'shared' : kind === MS_PRIVATE ? 'private' : kind === MS_SLAVE ? 'slave' : 'unbindable';
  const targets = (flags & MS_REC) !== 0 ? ns.mounts.subtree(m) : [m];
  for (const x of targets) changePropagation(ns.mounts, x, type);
  return 0;
}

/** do_reconfigure_mnt (MS_REMOUNT|MS_BIND): the mount's own flags only. */
export function remountBind(ns: NsContext, loc: Loc, mntFlags: number): number {
  const m = loc.mnt;
  if (m.detached || !m.isRoot(loc.inode)) return -EINVAL;
  if ((m.flags & MNT_LOCK_READONLY) !== 0 && (mntFlags & MNT_RDONLY) === 0) return -EPERM;
  if ((mntFlags & MNT_RDONLY) !== 0 && (m.flags & MNT_RDONLY) === 0 && hasWriters(ns, (l) => l.mnt === m)) return -EBUSY;
  m.flags = (m.flags & ~MNT_USER_FLAGS) | (mntFlags & MNT_USER_FLAGS);
  return 0;
}

/** do_remount: the superblock's read-only state and options, then the mount's flags. */
export function remount(ns: NsContext, loc: Loc, mntFlags: number, sbRo: boolean, data: string): number {
  const m = loc.mnt;
  if (m.detached || !m.isRoot(loc.inode)) return -EINVAL;
  if ((m.flags & MNT_LOCK_READONLY) !== 0 && (mntFlags & MNT_RDONLY) === 0) return -EPERM;
  const opts = parseOptions(m.sb.type, data, ns.ramBytes(), true);
  if (typeof opts === 'number') return opts;
  const ro = opts.ro ?? sbRo;
  const sb = m.sb;
  if (ro && !sbIsReadonly(sb) && hasWriters(ns, (l) => l.inode.sb === sb)) return -EBUSY;
  if (opts.size !== undefined && sb instanceof TmpFs) {
    if (opts.size < sb.used) return -EINVAL;
    // The size limit is a plain number on the instance; remount is its one writer after mount.
    (sb as { limitBytes: number }).limitBytes = opts.size;
    ns.mounts.superOptions.set(sb, tmpfsOptionText(ns.ramBytes(), opts.size, sb.root.mode & 0o7777, sb.root.uid, sb.root.gid));
  }
  setSbReadonly(sb, ro);
  m.flags = (m.flags & ~MNT_USER_FLAGS) | (mntFlags & MNT_USER_FLAGS);
  return 0;
}

/** do_move_mount_old: the mount rooted at from (and its subtree) moves to target. */
export function moveMount(ns: NsContext, from: Loc, target: Loc, named: { dir: Loc['inode']; name: string } | undefined): number {
  const table = ns.mounts;
  const old = from.mnt;
  if (old.detached || target.mnt.detached) return -EINVAL;
  if (!old.isRoot(from.inode) || old.parent === null) return -EINVAL;
  const at = placeFor(table, target, named);
  const over = followDown(table, target, named);
  if (isDirLoc(over) !== isDirLoc(from)) return -ENOTDIR;
  if (old.parent.group !== null) return -EINVAL;
  const subtree = table.subtree(old);
  if (at.mnt.group !== null && subtree.some((x) => x.unbindable)) return -EINVAL;
  for (let p: Mount | null = at.mnt; p !== null; p = p.parent) if (p === old) return -ELOOP;
  table.unhash(old);
  const tree: Tree = {
    top: old,
    rest: subtree.slice(1).map((c) => ({ m: c, parent: c.parent!, dir: c.mpDir!, name: c.mpName })),
  };
  mountPropagating(table, tree, at.mnt, at.dir, at.name);
  return 0;
}

/** Options a new mount or a remount passes in its data string. */
interface FsOptions { ro?: boolean; size?: number; mode?: number; uid?: number; gid?: number; sizeGiven?: boolean }

/** memparse: a number (C base rules) with an optional K/M/G/T/P/E suffix; the rest is returned. */
function memparse(s: string): { v: number; rest: string } | null {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)(.*)$/.exec(s);
  if (m === null) return null;
  let v = Number.parseInt(m[1], m[1].startsWith('0x') || m[1].startsWith('0X') ? 16 : m[1].startsWith('0') && m[1].length > 1 ? 8 : 10);
  let rest = m[2];
  const shift = 'kmgtpe'.indexOf(rest.charAt(0).toLowerCase());
  if (rest.length > 0 && shift >= 0) { v *= 2 ** (10 * (shift + 1)); rest = rest.slice(1); }
  return { v, rest };
}

const uintArg = (s: string): number | null => {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (m === null) return null;
  const v = Number.parseInt(s, s.startsWith('0x') || s.startsWith('0X') ? 16 : s.startsWith('0') && s.length > 1 ? 8 : 10);
  return v <= 0xffffffff ? v : null;
};

/**
 * The data string as the filesystem parses it (vfs_parse_fs_param): the
 * superblock flag words first, then the type's own parameters; an unknown
 * or malformed one is EINVAL as Linux 6.1's tmpfs and proc give.
 */
export function parseOptions(type: string, data: string, ramBytes: number, remounting: boolean): FsOptions | number {
  const o: FsOptions = {};
  for (const opt of data.split(',')) {
    if (opt === '') continue;
    const eq = opt.indexOf('=');
    const key = eq < 0 ? opt : opt.slice(0, eq);
    const val = eq < 0 ? null : opt.slice(eq + 1);
    if (val === null && ['ro', 'rw', 'sync', 'async', 'dirsync', 'mand', 'nomand', 'lazytime', 'nolazytime', 'posixacl'].includes(key)) {
      if (key === 'ro') o.ro = true;
      if (key === 'rw') o.ro = false;
      continue;
    }
    if (key === 'source') continue;
    if (type === 'hostfs') continue;
    if (type === 'tmpfs' || type === 'devtmpfs') {
      const r = tmpfsParam(o, key, val, ramBytes, remounting);
      if (r < 0) return r;
      continue;
    }
    if (type === 'proc') {
      if (key === 'hidepid' && val !== null && /^(0|1|2|4|off|noaccess|invisible|ptraceable)$/.test(val)) continue;
      if (key === 'gid' && val !== null && uintArg(val) !== null) continue;
      if (key === 'subset' && val !== null && /^(pid)?$/.test(val)) continue;
    }
    return -EINVAL;
  }
  return o;
}

function tmpfsParam(o: FsOptions, key: string, val: string | null, ramBytes: number, remounting: boolean): number {
  switch (key) {
    case 'size': case 'nr_blocks': {
      if (val === null) return -EINVAL;
      const p = memparse(val);
      if (p === null) return -EINVAL;
      let bytes = key === 'nr_blocks' ? p.v * 4096 : p.v;
      let rest = p.rest;
      if (key === 'size' && rest === '%') { bytes = Math.floor((p.v * ramBytes) / 100); rest = ''; }
      if (rest !== '') return -EINVAL;
      o.size = Math.ceil(bytes / 4096) * 4096;
      o.sizeGiven = true;
      return 0;
    }
    case 'nr_inodes': {
      if (val === null) return -EINVAL;
      const p = memparse(val);
      return p === null || p.rest !== '' ? -EINVAL : 0;
    }
    case 'mode': {
      if (val === null || !/^[0-7]+$/.test(val)) return -EINVAL;
      const v = Number.parseInt(val, 8);
      if (v > 0xffffffff) return -EINVAL;
      if (!remounting) o.mode = v & 0o7777;
      return 0;
    }
    case 'uid': case 'gid': {
      const v = val === null ? null : uintArg(val);
      if (v === null || v === 0xffffffff) return -EINVAL;
      if (!remounting) { if (key === 'uid') o.uid = v; else o.gid = v; }
      return 0;
    }
    case 'huge':
      return val !== null && ['never', 'always', 'within_size', 'advise', 'deny', 'force'].includes(val) ? 0 : -EINVAL;
    case 'mpol':
      return val !== null && /^(default|prefer|bind|interleave|local)(=.*)?(:.*)?$/.test(val) ? 0 : -EINVAL;
    case 'inode32': case 'inode64':
      return val === null ? 0 : -EINVAL;
    default:
      return -EINVAL;
  }
}

/** shmem_show_options: what differs from the defaults. */
function tmpfsOptionText(ramBytes: number, size: number, mode: number, uid: number, gid: number): string {
  let s = '';
  if (size !== Math.floor(ramBytes / 2 / 4096) * 4096) s += `,size=${Math.floor(size / 1024)}k`;
  if (mode !== 0o1777) s += `,mode=${mode.toString(8).padStart(3, '0')}`;
  if (uid !== 0) s += `,uid=${uid}`;
  if (gid !== 0) s += `,gid=${gid}`;
  return s;
}

/** A new superblock of a type mount(2) can create: ENODEV for types the kernel does not have. */
export function makeSuper(ns: NsContext, type: string, data: string): { sb: SuperBlock; ro?: boolean; shared?: boolean } | number {
  switch (type) {
    case 'tmpfs': {
      const o = parseOptions(type, data, ns.ramBytes(), false);
      if (typeof o === 'number') return o;
      const half = Math.floor(ns.ramBytes() / 2 / 4096) * 4096;
      const size = o.size === undefined ? half : o.size === 0 ? 2 ** 52 : o.size;
      const mode = o.mode ?? 0o1777;
      const sb = new TmpFs('tmpfs', size, mode);
      sb.root.uid = o.uid ?? 0;
      sb.root.gid = o.gid ?? 0;
      const text = tmpfsOptionText(ns.ramBytes(), size, mode, sb.root.uid, sb.root.gid);
      if (text !== '') ns.mounts.superOptions.set(sb, text);
      return { sb, ro: o.ro };
    }
    case 'proc': case 'devtmpfs': {
      const o = parseOptions(type, data, ns.ramBytes(), false);
      if (typeof o === 'number') return o;
      const sb = ns.singleton(type);
      return sb === null ? -ENODEV : { sb, ro: o.ro, shared: true };
    }
    // Kernel-internal (SB_NOUSER) and host-backed filesystems: the guest may not make them.
    case 'pipefs': return -EINVAL;
    case 'hostfs': return -EPERM;
    default: return -ENODEV;
  }
}

/**
 * do_umount. flags were checked by the caller; `loc` is what the path
 * named, followed down to the top mount there.
 */
export function umount(ns: NsContext, loc: Loc, flags: number, callerRoot: Loc): number {
  const table = ns.mounts;
  const m = loc.mnt;
  if (!m.isRoot(loc.inode) || m.detached) return -EINVAL;
  if ((flags & MNT_EXPIRE) !== 0 && (flags & (MNT_FORCE | MNT_DETACH)) !== 0) return -EINVAL;
  if (m === callerRoot.mnt && (flags & MNT_DETACH) === 0) {
    // "Unmounting" one's own root remounts it read-only (do_umount_root).
    if (sbIsReadonly(m.sb)) return 0;
    if (hasWriters(ns, (l) => l.inode.sb === m.sb)) return -EBUSY;
    setSbReadonly(m.sb, true);
    return 0;
  }
  if (m.parent === null) return -EINVAL;
  if ((flags & MNT_DETACH) !== 0) {
    const gone = table.subtree(m);
    const copies = gone.flatMap((x) => umountCopies(table, x)).filter((c) => !gone.includes(c.copy));
    table.remove(m);
    for (const x of gone.slice(1)) table.remove(x, true);
    for (const x of gone) detach(table, x);
    for (const c of copies) if (!c.copy.detached) removeCopy(table, c.copy, c.topper);
    m.parent = null;
    return 0;
  }
  if (table.children(m).length > 0 || referenced(ns, m)) return -EBUSY;
  const copies = umountCopies(table, m);
  for (const c of copies) if (referenced(ns, c.copy)) return -EBUSY;
  if ((flags & MNT_EXPIRE) !== 0 && !m.expiryMarked) { m.expiryMarked = true; return -EAGAIN; }
  table.remove(m);
  detach(table, m);
  m.parent = null;
  for (const c of copies) removeCopy(table, c.copy, c.topper);
  return 0;
}

