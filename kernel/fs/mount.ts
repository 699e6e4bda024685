/**
 * The mount table. A mount attaches a filesystem's root at a name inside a
 * directory of its parent mount. Mounts are keyed by (parent mount, directory,
 * name) rather than by a mountpoint inode, so a mountpoint need not exist in
 * the parent (a host root without /proc still gets procfs there).
 */
import { type Inode, type SuperBlock, inodeKey, sameInode } from './inode.js';

/** A place in the guest tree: an inode seen through a mount (Linux's struct path). */
export interface Loc { readonly mnt: Mount; readonly inode: Inode }

export function sameLoc(a: Loc, b: Loc): boolean { return a.mnt === b.mnt && sameInode(a.inode, b.inode); }

export const MNT_RDONLY = 1, MNT_NOSUID = 2, MNT_NODEV = 4, MNT_NOEXEC = 8;

let nextMountId = 21;

export class Mount {
  readonly id = nextMountId++;
  constructor(
    readonly sb: SuperBlock,
    /** Null for the root mount. */
    readonly parent: Mount | null,
    /** The directory of the parent mount holding the mountpoint name. */
    readonly mpDir: Inode | null,
    readonly mpName: string,
    public flags: number,
    /** What /proc/mounts shows as the source (never a host path). */
    readonly source: string,
  ) {}

  get root(): Inode { return this.sb.root; }
  get readonly(): boolean { return (this.flags & MNT_RDONLY) !== 0; }
  get noexec(): boolean { return (this.flags & MNT_NOEXEC) !== 0; }
  isRoot(i: Inode): boolean { return sameInode(i, this.sb.root); }

  /** The mount options column of /proc/mounts. */
  options(): string {
    const o = [this.readonly ? 'ro' : 'rw'];
    if (this.flags & MNT_NOSUID) o.push('nosuid');
    if (this.flags & MNT_NODEV) o.push('nodev');
    if (this.flags & MNT_NOEXEC) o.push('noexec');
    o.push('relatime');
    return o.join(',');
  }
}

export class MountTable {
  /** In mount order (what /proc/mounts lists). */
  readonly list: Mount[] = [];
  private readonly byPlace = new Map<string, Mount>();

  constructor(readonly root: Mount) { this.list.push(root); }

  private static key(parent: Mount, dir: Inode, name: string): string {
    return `${parent.id}/${inodeKey(dir)}/${name}`;
  }

  /** Mounts sb at name in dir of parent; a later mount at the same place covers the earlier one. */
  mount(sb: SuperBlock, parent: Mount, dir: Inode, name: string, flags: number, source: string): Mount {
    const m = new Mount(sb, parent, dir, name, flags, source);
    this.list.push(m);
    this.byPlace.set(MountTable.key(parent, dir, name), m);
    return m;
  }

  /** The mount covering name in dir (as seen through mnt), if any. */
  at(mnt: Mount, dir: Inode, name: string): Mount | undefined {
    if (this.byPlace.size === 0) return undefined;
    return this.byPlace.get(MountTable.key(mnt, dir, name));
  }

  /** Names mounted in dir (for readdir of a directory whose mountpoints do not exist underneath). */
  namesIn(mnt: Mount, dir: Inode): string[] {
    const out: string[] = [];
    for (const m of this.byPlace.values()) {
      if (m.parent === mnt && m.mpDir !== null && sameInode(m.mpDir, dir)) out.push(m.mpName);
    }
    return out;
  }

  /** Mounts that are still reachable (not covered by a later mount at the same place). */
  visible(): Mount[] {
    const live = new Set(this.byPlace.values());
    return this.list.filter((m) => m === this.root || live.has(m));
  }

  isMountpoint(mnt: Mount, dir: Inode, name: string): boolean { return this.at(mnt, dir, name) !== undefined; }
}
