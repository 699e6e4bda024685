/**
 * Path resolution in guest terms (Linux's fs/namei.c, PRoot-style
 * confinement). Every step works on guest objects: a component is looked up
 * in the directory's filesystem, mount crossings come from the mount table,
 * `..` goes through the filesystem's own parent() and never above the task's
 * root, and symlink text is resolved again from the guest root (absolute) or
 * the link's directory (relative). Host paths are never built from guest text
 * here; hostfs composes them from components its lookup has checked.
 */
import { EACCES, ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR } from '../errno.js';
import { type Inode, MAY_EXEC, NAME_MAX, isDir, isLnk, permission, sameInode } from './inode.js';
import { type Loc, type Mount, type MountTable, placeKey, placeOf, sameLoc } from './mount.js';
import type { Cred, FsTask } from './task.js';

export const MAXSYMLINKS = 40;

export type LastType = 'norm' | 'dot' | 'dotdot' | 'root';

/** The outcome of a walk: the final component's directory and name, and the object if it exists. */
export interface Found {
  parent: Loc;
  /** Set when a magic link supplied the object: its guest path. */
  path?: string;
  name: string;
  last: LastType;
  /** The object the path names, or null when the last (normal) component does not exist. */
  loc: Loc | null;
  /** The path ended in '/' (the object must be a directory). */
  trailing: boolean;
}

export interface WalkCtx {
  readonly t: FsTask;
  readonly mounts: MountTable;
  links: number;
}

export function attrMode(i: Inode): number {
  const a = i.access !== undefined ? i.access() : i.getattr();
  return typeof a === 'number' ? 0 : a.mode;
}

export function isDirInode(i: Inode): boolean { return isDir(attrMode(i)); }

function maySearch(i: Inode, cred: Cred): boolean {
  const a = i.access !== undefined ? i.access() : i.getattr();
  if (typeof a === 'number') return false;
  return permission(a, cred, MAY_EXEC);
}

/** `..` of a directory: stops at the task's root and at the global root, climbs out of mounts. */
export function dotdot(ctx: WalkCtx, cur: Loc): Loc {
  const root = ctx.t.fs.root;
  if (sameLoc(cur, root)) return cur;
  if (cur.mnt.isRoot(cur.inode)) {
    const mp = mountpointOf(cur.mnt, root);
    if (mp === null) return cur;
    if (mp.name !== '') return mp.loc;
    const p = mp.loc.inode.parent?.();
    return p === undefined ? mp.loc : { mnt: mp.loc.mnt, inode: p };
  }
  const p = cur.inode.parent?.();
  return p === undefined ? cur : { mnt: cur.mnt, inode: p };
}

/**
 * choose_mountpoint: where mount m is mounted, climbing through mounts
 * stacked on other mounts' roots: the directory holding the mountpoint and
 * its name (name '' when that directory is itself the mountpoint). Null at
 * the top of the tree, or when the mountpoint is `root` (a task's root is
 * never climbed past).
 */
export function mountpointOf(m: Mount, root: Loc | null): { loc: Loc; name: string } | null {
  for (let guard = 0; guard < 4096; guard++) {
    const p = m.parent;
    if (p === null || m.mpDir === null) return null;
    if (m.stacked) {
      if (root !== null && root.mnt === p && p.isRoot(root.inode)) return null;
      m = p;
      continue;
    }
    const loc = { mnt: p, inode: m.mpDir };
    if (root !== null && root.mnt === p && isMountpointOf(root, m)) return null;
    return { loc, name: m.mpName };
  }
  return null;
}

/** Whether loc (a place in m's parent) is the very directory m is mounted on. */
function isMountpointOf(loc: Loc, m: Mount): boolean {
  if (m.mpDir === null) return false;
  if (m.mpName === '') return sameInode(loc.inode, m.mpDir);
  if (loc.mnt.isRoot(loc.inode)) return false;
  const p = placeOf(loc.inode);
  return placeKey(p.dir, p.name) === m.mpKey;
}

/** Looks name up in the directory at cur, crossing into a mount that covers it. */
export function lookupChild(ctx: WalkCtx, cur: Loc, name: string): Loc | number {
  const m = ctx.mounts.at(cur.mnt, cur.inode, name);
  if (m !== undefined) return { mnt: m, inode: m.root };
  if (cur.inode.lookup === undefined) return -ENOTDIR;
  const r = cur.inode.lookup(name, ctx.t);
  return typeof r === 'number' ? r : { mnt: cur.mnt, inode: r };
}

/**
 * Walks `path` from `start` (or the task's root when it is absolute).
 * `follow` says whether a symlink in the last component is followed
 * (intermediate ones always are; a trailing slash forces following).
 */
export function walk(ctx: WalkCtx, start: Loc, path: string, follow: boolean): Found | number {
  if (path.length === 0) return -ENOENT;
  const root = ctx.t.fs.root;
  let cur = path.charCodeAt(0) === 0x2f ? root : start;
  const n = path.length;
  const trailing = path.charCodeAt(n - 1) === 0x2f;
  // Components are cut out one by one (no split/filter arrays): at is where the next one starts.
  let at = 0;
  while (at < n && path.charCodeAt(at) === 0x2f) at++;
  if (at === n) return { parent: cur, name: '/', last: 'root', loc: cur, trailing: true };
  const cred = ctx.t.cred;
  // cur is always a directory (the start is checked, then every step); root may search any directory
  // (permission()), so its walk asks no directory for its attributes: on hostfs, one host lstat fewer per component.
  const searchAny = cred.fsuid === 0;
  while (at < n) {
    let end = path.indexOf('/', at);
    if (end < 0) end = n;
    const comp = path.slice(at, end);
    at = end;
    while (at < n && path.charCodeAt(at) === 0x2f) at++;
    const isLast = at === n;
    if (comp.length > NAME_MAX) return -ENAMETOOLONG;
    if (!searchAny && !maySearch(cur.inode, cred)) return -EACCES;
    if (comp === '.' || comp === '..') {
      if (comp === '..') cur = dotdot(ctx, cur);
      if (isLast) return { parent: cur, name: comp, last: comp === '.' ? 'dot' : 'dotdot', loc: cur, trailing };
      continue;
    }
    const child = lookupChild(ctx, cur, comp);
    if (typeof child === 'number') {
      if (child === -ENOENT && isLast) return { parent: cur, name: comp, last: 'norm', loc: null, trailing };
      return child;
    }
    const mode = attrMode(child.inode);
    if (isLnk(mode) && (!isLast || follow || trailing)) {
      if (ctx.links >= MAXSYMLINKS) return -ELOOP;
      ctx.links++;
      const r = followLink(ctx, cur, child, isLast ? follow || trailing : true);
      if (typeof r === 'number') return r;
      if (isLast) return trailing ? { ...r, trailing: true } : r;
      if (r.loc === null) return -ENOENT;
      if (!isDirInode(r.loc.inode)) return -ENOTDIR;
      cur = r.loc;
      continue;
    }
    if (isLast) return { parent: cur, name: comp, last: 'norm', loc: child, trailing };
    if (!isDir(mode)) return -ENOTDIR;
    cur = child;
  }
  /* c8 ignore next */
  return -ENOENT;
}

/** Resolves the symlink at `link` (found in directory dir) to what it points at. */
function followLink(ctx: WalkCtx, dir: Loc, link: Loc, follow: boolean): Found | number {
  const ino = link.inode;
  if (ino.jump !== undefined) {
    const to = ino.jump(ctx.t);
    if (typeof to === 'number') return to;
    return { parent: to.loc, name: '', last: 'norm', loc: to.loc, trailing: false, path: to.path };
  }
  const text = ino.readlink?.(ctx.t);
  if (text === undefined) return -ENOENT;
  if (typeof text === 'number') return text;
  if (text.length === 0) return -ENOENT;
  return walk(ctx, dir, text, follow);
}

/**
 * The guest path of loc as seen from root (d_path). Directories know their
 * own names; the walk climbs through mountpoints. A place not below root
 * (a cwd left outside a chroot) is prefixed "(unreachable)" as Linux does.
 */
export function pathOf(loc: Loc, root: Loc): string {
  const parts: string[] = [];
  let cur = loc;
  for (let guard = 0; guard < 4096; guard++) {
    if (sameLoc(cur, root)) return '/' + parts.reverse().join('/');
    if (cur.mnt.isRoot(cur.inode)) {
      const m = cur.mnt;
      const { parent, mpDir } = m;
      if (parent === null || mpDir === null) break;
      if (m.stacked) { cur = { mnt: parent, inode: parent.root }; continue; }
      if (m.mpName === '') { cur = { mnt: parent, inode: mpDir }; continue; }
      if (root.mnt === parent && isMountpointOf(root, m)) return '/' + parts.reverse().join('/');
      parts.push(m.mpName);
      cur = { mnt: parent, inode: mpDir };
      continue;
    }
    const p = cur.inode.parent?.();
    const name = cur.inode.dirName?.();
    if (p === undefined || name === undefined || p === cur.inode) break;
    parts.push(name);
    cur = { mnt: cur.mnt, inode: p };
  }
  return '(unreachable)/' + parts.reverse().join('/');
}

/** True when `inner` is `outer` or lies below it (rename into own subtree). */
export function isAncestor(outer: Loc, inner: Loc): boolean {
  let cur = inner;
  for (let guard = 0; guard < 4096; guard++) {
    if (sameLoc(cur, outer)) return true;
    if (cur.mnt.isRoot(cur.inode)) {
      const { parent, mpDir } = cur.mnt;
      if (parent === null || mpDir === null) return false;
      cur = cur.mnt.stacked ? { mnt: parent, inode: parent.root } : { mnt: parent, inode: mpDir };
      continue;
    }
    const p = cur.inode.parent?.();
    if (p === undefined || p === cur.inode) return false;
    cur = { mnt: cur.mnt, inode: p };
  }
  return false;
}
