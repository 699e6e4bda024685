/**
 * Advisory file locks: POSIX record locks (fcntl F_SETLK, owned by a process,
 * dropped when that process closes any fd of the file), open file description
 * locks (F_OFD_*, owned by the OpenFile) and BSD flock() locks (whole file,
 * owned by the OpenFile). Conflicts are detected between owners as
 * fs/locks.c does; blocked F_SETLKW callers wait on the file's queue, and a
 * wait that would close a cycle of POSIX owners fails with EDEADLK.
 */
import { EAGAIN, EDEADLK } from '../errno.js';
import type { OpenFile } from '../file.js';
import { WaitQueue } from '../wait.js';
import { inodeKey } from './inode.js';
import { fileLoc } from './openfile.js';

export const F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;
export const LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;
/** Inclusive end meaning "to end of file, however far it grows". */
export const OFFSET_MAX = Number.MAX_SAFE_INTEGER;

export type LockOwner = number | OpenFile;

export interface RecordLock {
  type: number;          // F_RDLCK or F_WRLCK
  start: number;
  end: number;           // inclusive
  owner: LockOwner;      // pid (POSIX) or OpenFile (OFD)
  pid: number;           // reported by F_GETLK (-1 for OFD locks)
}

class FileLocks {
  records: RecordLock[] = [];
  flocks = new Map<OpenFile, number>();
  readonly wq = new WaitQueue();
}

const table = new Map<string, FileLocks>();
/** pid -> pid it waits for (POSIX owners only), for deadlock detection. */
const waitsFor = new Map<number, number>();

function locksOf(f: OpenFile, create: boolean): FileLocks | undefined {
  // Every close asks (twice); with no lock anywhere, no key string need be made.
  if (!create && table.size === 0) return undefined;
  const loc = fileLoc(f);
  if (loc === undefined) return undefined;
  const key = inodeKey(loc.inode);
  let l = table.get(key);
  if (l === undefined && create) { l = new FileLocks(); table.set(key, l); }
  return l;
}

function gc(f: OpenFile, l: FileLocks): void {
  if (l.records.length === 0 && l.flocks.size === 0 && l.wq.size === 0) {
    const loc = fileLoc(f);
    if (loc !== undefined) table.delete(inodeKey(loc.inode));
  }
}

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }): boolean =>
  a.start <= b.end && b.start <= a.end;

function conflicts(held: RecordLock, want: { type: number; owner: LockOwner }): boolean {
  if (held.owner === want.owner) return false;
  return held.type === F_WRLCK || want.type === F_WRLCK;
}

/** F_GETLK: the first lock that would block `want`, or null. */
export function testLock(f: OpenFile, want: RecordLock): RecordLock | null {
  const l = locksOf(f, false);
  if (l === undefined) return null;
  for (const h of l.records) if (overlaps(h, want) && conflicts(h, want)) return h;
  return null;
}

/**
 * F_SETLK / F_SETLKW: applies `want` (F_UNLCK removes). Returns 0, -EAGAIN
 * when a conflicting lock is held, or -EDEADLK. For a blocking caller the
 * queue to wait on is returned through `blockOn`.
 */
export function setLock(f: OpenFile, want: RecordLock, wait?: { blockOn: WaitQueue | null }): number {
  const l = locksOf(f, true)!;
  if (want.type !== F_UNLCK) {
    const blocker = l.records.find((h) => overlaps(h, want) && conflicts(h, want));
    if (blocker !== undefined) {
      if (wait !== undefined && typeof want.owner === 'number' && typeof blocker.owner === 'number') {
        if (wouldDeadlock(want.owner, blocker.owner)) { waitsFor.delete(want.owner); return -EDEADLK; }
        waitsFor.set(want.owner, blocker.owner);
      }
      if (wait !== undefined) wait.blockOn = l.wq;
      return -EAGAIN;
    }
  }
  if (typeof want.owner === 'number') waitsFor.delete(want.owner);
  // Carve the range out of the owner's existing locks, then add the new one and merge neighbours of the same type.
  const mine: RecordLock[] = [];
  const others: RecordLock[] = [];
  for (const h of l.records) (h.owner === want.owner ? mine : others).push(h);
  const kept: RecordLock[] = [];
  for (const h of mine) {
    if (!overlaps(h, want)) { kept.push(h); continue; }
    if (h.start < want.start) kept.push({ ...h, end: want.start - 1 });
    if (h.end > want.end) kept.push({ ...h, start: want.end + 1 });
  }
  if (want.type !== F_UNLCK) kept.push({ ...want });
  kept.sort((a, b) => a.start - b.start);
  const merged: RecordLock[] = [];
  for (const h of kept) {
    const prev = merged[merged.length - 1];
    if (prev !== undefined && prev.type === h.type && prev.end !== OFFSET_MAX && prev.end + 1 >= h.start) {
      prev.end = Math.max(prev.end, h.end);
    } else merged.push({ ...h });
  }
  l.records = others.concat(merged);
  l.wq.wake();
  gc(f, l);
  return 0;
}

function wouldDeadlock(me: number, holder: number): boolean {
  let cur: number | undefined = holder;
  for (let i = 0; i < 64 && cur !== undefined; i++) {
    if (cur === me) return true;
    cur = waitsFor.get(cur);
  }
  return false;
}

/** Forget that pid waits (its F_SETLKW was interrupted). */
export function cancelLockWait(pid: number): void { waitsFor.delete(pid); }

/** Close of any fd of the file by pid drops pid's POSIX locks on it. */
export function releasePosixLocks(f: OpenFile, pid: number): void {
  const l = locksOf(f, false);
  if (l === undefined) return;
  const n = l.records.length;
  l.records = l.records.filter((h) => h.owner !== pid);
  if (l.records.length !== n) l.wq.wake();
  gc(f, l);
}

/** Last close of an open file description drops its OFD and flock locks. */
export function releaseFileLocks(f: OpenFile): void {
  const l = locksOf(f, false);
  if (l === undefined) return;
  const n = l.records.length;
  l.records = l.records.filter((h) => h.owner !== f);
  const had = l.flocks.delete(f);
  if (had || l.records.length !== n) l.wq.wake();
  gc(f, l);
}

/** flock(2): LOCK_SH / LOCK_EX / LOCK_UN; -EAGAIN on conflict (caller blocks unless LOCK_NB). */
export function flock(f: OpenFile, op: number, wait?: { blockOn: WaitQueue | null }): number {
  const l = locksOf(f, true)!;
  const kind = op & ~LOCK_NB;
  if (kind === LOCK_UN) { l.flocks.delete(f); l.wq.wake(); gc(f, l); return 0; }
  for (const [other, k] of l.flocks) {
    if (other !== f && (k === LOCK_EX || kind === LOCK_EX)) {
      if (wait !== undefined) wait.blockOn = l.wq;
      return -EAGAIN;
    }
  }
  l.flocks.set(f, kind);
  l.wq.wake();
  return 0;
}

/** Lines for /proc/locks-like debugging and tests. */
export function locksOn(f: OpenFile): readonly RecordLock[] { return locksOf(f, false)?.records ?? []; }
