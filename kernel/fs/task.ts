/**
 * The task as the filesystem code sees it (kernel contract). The kernel-core
 * Task class implements FsTask structurally; the filesystem never imports it.
 */
import type { GuestMemory } from '../../cpu/memory.js';
import type { WaitQueue } from '../wait.js';
import type { Handler } from '../syscalls/types.js';
import type { FdTable } from './fdtable.js';
import type { FsState } from './fsstate.js';
import type { Vfs } from './vfs.js';

export interface Cred {
  uid: number; gid: number; euid: number; egid: number; suid: number; sgid: number;
  fsuid: number; fsgid: number; groups: number[];
}

export interface FsTask {
  readonly pid: number;            // tgid
  readonly tid: number;
  readonly mem: GuestMemory;
  readonly files: FdTable;
  readonly fs: FsState;            // root, cwd, umask (shared under CLONE_FS)
  readonly cred: Cred;
  readonly vfs: Vfs;
  waitOn(q: WaitQueue): void;
  waitDeadline(monotonicNs: number): void;
  signalPending(): boolean;
  sendSignal(sig: number): void;
  /** Swap in a temporary signal mask for the duration of a wait (ppoll, pselect6). */
  setTemporarySigmask(maskLo: number, maskHi: number): void;
}

export type FsHandler = Handler<FsTask>;

/** A root credential (uid 0, every id 0). */
export function rootCred(): Cred {
  return { uid: 0, gid: 0, euid: 0, egid: 0, suid: 0, sgid: 0, fsuid: 0, fsgid: 0, groups: [] };
}

export function inGroup(cred: Cred, gid: number): boolean {
  return cred.fsgid === gid || cred.groups.includes(gid);
}
