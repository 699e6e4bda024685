/**
 * The mount table (one mount namespace). A mount shows a directory of a
 * filesystem (its root: the superblock's root, or any directory for a bind
 * mount) at a place in its parent mount. Places are keyed by (parent mount,
 * directory, name) rather than by a mountpoint inode, so a mountpoint need
 * not exist in the parent (a host root without /proc still gets procfs
 * there). A mount on a place that is itself a mount's root is keyed by that
 * mount and its root's own place, and stacks on top of it, as in Linux.
 * Peer groups and slaves (shared subtrees) live in pnode.ts.
 */
import type { SuperBlock } from './inode.js';
import { type Inode, inodeKey, sameInode } from './inode.js';

/** A place in the guest tree: an inode seen through a mount (Linux's struct path). */
export interface Loc { readonly mnt: Mount; readonly inode: Inode }

export function sameLoc(a: Loc, b: Loc): boolean { return a.mnt === b.mnt && sameInode(a.inode, b.inode); }

export const MNT_RDONLY = 1, MNT_NOSUID = 2, MNT_NODEV = 4, MNT_NOEXEC = 8;
/** Per-mount flags mount(2) sets and remount replaces. */
export const MNT_USER_FLAGS = MNT_RDONLY | MNT_NOSUID | MNT_NODEV | MNT_NOEXEC;
/** Set by the host (--ro, --bind ...:ro): the guest may not make the mount writable (MNT_LOCK_READONLY). */
export const MNT_LOCK_READONLY = 0x10;

let nextMountId = 21;

/** Superblocks remounted read-only as a whole (SB_RDONLY): every mount of them refuses writes. */
const sbReadonly = new WeakSet<SuperBlock>();
export function setSbReadonly(sb: SuperBlock, ro: boolean): void { if (ro) sbReadonly.add(sb); else sbReadonly.delete(sb); }
export function sbIsReadonly(sb: SuperBlock): boolean { return sbReadonly.has(sb); }

/** A set of mounts that propagate mount events to each other (shared:N). */
export class PeerGroup {
  readonly members = new Set<Mount>();
  constructor(readonly id: number) {}
}

/**
 * Where an inode sits in its filesystem: (parent directory, name), or
 * (itself, '') for a filesystem root or an inode that does not know its
 * name. Every mount made on a directory uses this form, so the same
 * directory gives the same key however it was reached.
 */
export function placeOf(i: Inode): { dir: Inode; name: string } {
  const p = i.parent?.();
  const n = i.dirName?.();
  if (p === undefined || n === undefined || n === '' || sameInode(p, i)) return { dir: i, name: '' };
  return { dir: p, name: n };
}
export function placeKey(dir: Inode, name: string): string { return `${inodeKey(dir)}/${name}`; }

export class Mount {
  readonly id = nextMountId++;
  /** What is shown at the mount's place: the superblock's root or, for a bind mount, any inode of it. */
  readonly root: Inode;
  /** The root's own place when mounted (kept: a later rename must not unhook what is stacked here). */
  readonly rootPlace: { dir: Inode; name: string };
  /** placeKey of rootPlace: what a mount stacked on this one is keyed by. */
  readonly rootKey: string;
  /** Shared: the peer group (mountinfo shared:N). */
  group: PeerGroup | null = null;
  /** Slave: the group it receives from (mountinfo master:N). */
  master: PeerGroup | null = null;
  unbindable = false;
  /** Unmounted (MNT_DETACH leaves tasks inside it a tree nobody else reaches). */
  detached = false;
  /** umount2 MNT_EXPIRE asked once and nothing used it since (the second ask unmounts). */
  expiryMarked = false;

  constructor(
    readonly sb: SuperBlock,
    /** Null for the root mount (and detached ones). */
    public parent: Mount | null,
    /** The directory of the parent mount holding the mountpoint name ('' name: the directory itself is the mountpoint). */
    public mpDir: Inode | null,
    public mpName: string,
    public flags: number,
    /** What /proc/mounts shows as the source (never a host path). */
    readonly source: string,
    root?: Inode,
  ) {
    this.root = root ?? sb.root;
    this.rootPlace = placeOf(this.root);
    this.rootKey = placeKey(this.rootPlace.dir, this.rootPlace.name);
  }

  get readonly(): boolean { return (this.flags & MNT_RDONLY) !== 0 || sbReadonly.has(this.sb); }
  get noexec(): boolean { return (this.flags & MNT_NOEXEC) !== 0; }
  isRoot(i: Inode): boolean { return sameInode(i, this.root); }
  get mpKey(): string { return this.mpDir === null ? '' : placeKey(this.mpDir, this.mpName); }
  /** Mounted on its parent's root (the mountpoint is not a name inside the parent). */
  get stacked(): boolean { return this.parent !== null && this.mpKey === this.parent.rootKey; }

  /**
   * The mount options column: /proc/mounts shows ro for a read-only
   * superblock too (show_vfsmnt); mountinfo shows the mount's own flag.
   */
  options(ownFlagOnly = false): string {
    const ro = ownFlagOnly ? (this.flags & MNT_RDONLY) !== 0 : this.readonly;
    const o = [ro ? 'ro' : 'rw'];
    if (this.flags & MNT_NOSUID) o.push('nosuid');
    if (this.flags & MNT_NODEV) o.push('nodev');
    if (this.flags & MNT_NOEXEC) o.push('noexec');
    o.push('relatime');
    return o.join(',');
  }
}

export class MountTable {
  /** Attached mounts in mount order (what /proc/mounts lists). */
  readonly list: Mount[] = [];
  private readonly byPlace = new Map<string, Mount>();
  /**
   * How many byPlace keys end in each name: a path walk asks at() for every
   * component, and almost none is a mountpoint's name, so most answers come
   * from this map without building the place's key.
   */
  private readonly names = new Map<string, number>();
  /** Bumped by every change of byPlace: what at() last answered holds while it is the same. */
  private gen = 0;
  /**
   * at()'s last question and answer: a path walk through a mountpoint (every
   * stat of /tmp/x) asks the same again, and the place's key is two
   * template strings and a hash of the result.
   */
  private atMnt: Mount | null = null;
  private atDir: Inode | null = null;
  private atName = '';
  private atGen = -1;
  private atMount: Mount | undefined = undefined;
  private nextGroupId = 1;
  /** Filesystem options /proc/mounts shows after the mount flags (tmpfs size=, mode=). */
  readonly superOptions = new WeakMap<SuperBlock, string>();

  constructor(readonly root: Mount) { this.list.push(root); }

  private static key(parent: Mount, place: string): string { return `${parent.id}|${place}`; }

  /** byPlace.set, keeping `names` (a key's name is what follows its last '/', placeKey). */
  private place(k: string, m: Mount): void {
    this.gen++;
    if (!this.byPlace.has(k)) {
      const name = k.slice(k.lastIndexOf('/') + 1);
      this.names.set(name, (this.names.get(name) ?? 0) + 1);
    }
    this.byPlace.set(k, m);
  }

  /** Deletes key k when it holds m, keeping `names`. */
  private unplace(k: string, m: Mount): void {
    if (this.byPlace.get(k) !== m) return;
    this.gen++;
    this.byPlace.delete(k);
    const name = k.slice(k.lastIndexOf('/') + 1);
    const n = (this.names.get(name) ?? 1) - 1;
    if (n === 0) this.names.delete(name); else this.names.set(name, n);
  }

  newGroup(): PeerGroup { return new PeerGroup(this.nextGroupId++); }

  /**
   * Mounts sb at name in dir of parent (the boot mounts). A place already
   * mounted on gets the new mount stacked on top of what is there.
   */
  mount(sb: SuperBlock, parent: Mount, dir: Inode, name: string, flags: number, source: string): Mount {
    const m = new Mount(sb, null, null, '', flags, source);
    const under = this.childAt(parent, placeKey(dir, name));
    if (under === undefined) this.attach(m, parent, dir, name);
    else this.attachOnRoot(m, this.top(under));
    return m;
  }

  /** Puts m (already built, not in the table) at name in dir of parent. */
  attach(m: Mount, parent: Mount, dir: Inode, name: string): void {
    m.parent = parent; m.mpDir = dir; m.mpName = name; m.detached = false;
    this.place(MountTable.key(parent, placeKey(dir, name)), m);
    if (!this.list.includes(m)) this.list.push(m);
  }

  /** Moves an attached mount to another place, keeping its place in mount order. */
  reattach(m: Mount, parent: Mount, dir: Inode, name: string): void {
    if (m.parent !== null) this.unplace(MountTable.key(m.parent, m.mpKey), m);
    m.parent = parent; m.mpDir = dir; m.mpName = name;
    this.place(MountTable.key(parent, placeKey(dir, name)), m);
  }

  /** Puts m on top of under's root (a mount on a mountpoint that is already a mount root). */
  attachOnRoot(m: Mount, under: Mount): void {
    this.attach(m, under, under.rootPlace.dir, under.rootPlace.name);
  }

  /**
   * Takes m out of the table (its own children stay attached to it); with
   * keepPlace it stays reachable from its (also removed) parent, as the
   * inside of a lazily detached tree does.
   */
  remove(m: Mount, keepPlace = false): void {
    if (!keepPlace) this.unhash(m);
    const i = this.list.indexOf(m);
    if (i >= 0) this.list.splice(i, 1);
  }

  /** Takes m off its place (it stays in mount order: MS_MOVE puts it elsewhere). */
  unhash(m: Mount): void {
    if (m.parent !== null) this.unplace(MountTable.key(m.parent, m.mpKey), m);
  }

  /** The mount directly at a place of parent (no following of stacks). */
  childAt(parent: Mount, place: string): Mount | undefined {
    return this.byPlace.get(MountTable.key(parent, place));
  }

  /** The topmost mount of the stack whose bottom is m. */
  top(m: Mount): Mount {
    for (let guard = 0; guard < 1000; guard++) {
      if (!this.names.has(m.rootPlace.name)) return m;
      const above = this.byPlace.get(MountTable.key(m, m.rootKey));
      if (above === undefined) return m;
      m = above;
    }
    return m;
  }

  /** The mount covering name in dir (as seen through mnt), the top of its stack, if any. */
  at(mnt: Mount, dir: Inode, name: string): Mount | undefined {
    if (!this.names.has(name)) return undefined;
    if (this.atGen === this.gen && this.atMnt === mnt && this.atDir === dir && this.atName === name) return this.atMount;
    const m = this.byPlace.get(MountTable.key(mnt, placeKey(dir, name)));
    const top = m === undefined ? undefined : this.top(m);
    this.atMnt = mnt; this.atDir = dir; this.atName = name; this.atGen = this.gen; this.atMount = top;
    return top;
  }

  /** Names mounted in dir (for readdir of a directory whose mountpoints do not exist underneath). */
  namesIn(mnt: Mount, dir: Inode): string[] {
    const out: string[] = [];
    for (const m of this.byPlace.values()) {
      if (m.parent === mnt && m.mpDir !== null && m.mpName !== '' && !m.stacked && sameInode(m.mpDir, dir)) out.push(m.mpName);
    }
    return out;
  }

  /** Attached mounts whose parent is m. */
  children(m: Mount): Mount[] { return this.list.filter((c) => c.parent === m && c !== m); }

  /** m and every attached mount below it, parents before children. */
  subtree(m: Mount): Mount[] {
    const out = [m];
    for (let i = 0; i < out.length; i++) for (const c of this.children(out[i])) out.push(c);
    return out;
  }

  /** Mounts that are still attached, in mount order. */
  visible(): Mount[] { return this.list.filter((m) => !m.detached); }

  isMountpoint(mnt: Mount, dir: Inode, name: string): boolean {
    return this.names.has(name) && this.byPlace.has(MountTable.key(mnt, placeKey(dir, name)));
  }
}

/** True when the directory inode d is root or lies below it in its filesystem (is_subdir). */
export function isSubdir(d: Inode, root: Inode): boolean {
  let cur = d;
  for (let guard = 0; guard < 4096; guard++) {
    if (sameInode(cur, root)) return true;
    const p = cur.parent?.();
    if (p === undefined || sameInode(p, cur)) return false;
    cur = p;
  }
  return false;
}

/** True when the place (dir, name) lies inside what mount m shows (its root or below). */
export function placeWithin(m: Mount, dir: Inode, name: string): boolean {
  if (dir.sb !== m.sb) return false;
  // The root's own place, or a place whose directory (or, for a '' name, itself) is under the root.
  return placeKey(dir, name) === m.rootKey || isSubdir(dir, m.root);
}
