/**
 * The guest object an open file was opened on (kept in OpenFile.vfsLoc, set
 * and read only through these functions). Files made by other subsystems
 * (eventfd, epoll...) have none and are treated as anonymous inodes.
 */
import type { OpenFile } from '../file.js';
import type { Loc } from './mount.js';

export function setFileLoc(f: OpenFile, loc: Loc): void { f.vfsLoc = loc; }
export function fileLoc(f: OpenFile): Loc | undefined { return f.vfsLoc; }

const anonIno = new WeakMap<OpenFile, number>();
let nextAnonIno = 1000;
/** A stable inode number for an anonymous file (anon_inodefs gives every such file one inode). */
export function anonInodeNumber(f: OpenFile): number {
  let n = anonIno.get(f);
  if (n === undefined) { n = nextAnonIno++; anonIno.set(f, n); }
  return n;
}
