/**
 * What the special file descriptors need from the rest of the kernel, as
 * small structural interfaces: the kernel-core Task, its signal code, its
 * clocks and the VFS satisfy them without this folder importing their code
 * (only the SigInfo record type is shared with kernel/signal).
 */
import type { GuestMemory } from '../../cpu/memory.js';
import type { OpenFile } from '../file.js';
import type { WaitQueue } from '../wait.js';
import type { SigInfo as KernelSigInfo } from '../signal/siginfo.js';
import type { FsObject, NodeId } from './notify.js';

/** The subset of kernel/fs FdTable used here. install() takes over the reference (and drops it on failure). */
export interface SpecialFdTable {
  get(fd: number): OpenFile | null;
  install(file: OpenFile, cloexec: boolean, minFd?: number): number;
  close(fd: number): number;
}

export interface SpecialCred { readonly uid: number; readonly euid: number }

/** The calling task: a structural subset of kernel/fs FsTask. */
export interface SpecialTask {
  readonly pid: number;
  readonly tid: number;
  readonly mem: GuestMemory;
  readonly files: SpecialFdTable;
  readonly cred: SpecialCred;
  waitOn(q: WaitQueue): void;
  waitDeadline(monotonicNs: number): void;
  signalPending(): boolean;
  setTemporarySigmask(maskLo: number, maskHi: number): void;
}

/**
 * The kernel's clocks (a virtual clock in --deterministic mode). Times are
 * nanoseconds held in doubles: exact for CLOCK_MONOTONIC/BOOTTIME, to within
 * 256 ns for CLOCK_REALTIME (about 2^60 ns since the epoch).
 */
export interface Clock {
  now(clockid: number): number;
  /** Calls cb once when clock `clockid` reaches deadlineNs (absolute); returns a cancel function. */
  setTimer(clockid: number, deadlineNs: number, cb: () => void): () => void;
}

/**
 * A queued signal as the kernel's signal code describes it, plus the rarer
 * fields that only struct signalfd_siginfo reports.
 */
export interface SigInfo extends KernelSigInfo {
  trapno?: number;
  addrLsb?: number;
  syscall?: number;
  callAddr?: number;
  arch?: number;
}

/** A 64-bit signal set as two 32-bit halves: bit n-1 of lo is signal n (1..32), bit n-33 of hi is signal n (33..64). */
export interface SigMask { lo: number; hi: number }

/** The kernel's signal code as signalfd sees it. */
export interface SignalSource {
  /** Signals pending for t: its own plus its thread group's shared ones. */
  pending(t: SpecialTask): SigMask;
  /** Takes one pending signal out of the set (maskLo, maskHi) — lowest number first, as dequeue_signal does; null when none. */
  dequeue(t: SpecialTask, maskLo: number, maskHi: number): SigInfo | null;
  /** Woken whenever a signal is queued for t (Linux's sighand->signalfd_wqh). */
  queue(t: SpecialTask): WaitQueue;
}

/** What a path lookup for inotify_add_watch / fanotify_mark returns. */
export interface WatchTarget extends FsObject {
  /** st_ino and st_dev (new_encode_dev) of the object, for fdinfo. */
  readonly ino: number;
  readonly dev: number;
  /** The mount id (/proc/PID/mountinfo's first column) of `mount`, for fanotify mount-mark fdinfo. */
  readonly mountId?: number;
}

/** The VFS as inotify and fanotify need it. */
export interface NotifyVfs {
  /**
   * Resolves `path` relative to dirfd (AT_FDCWD = -100) with Linux's lookup
   * rules, or, when path is null, the object open at dirfd (-EBADF if none).
   * `follow`: follow a final symlink; `directory`: the result must be a
   * directory (-ENOTDIR). The caller must be allowed to read the object
   * (-EACCES otherwise), as inotify_find_inode and fanotify_find_path check.
   */
  lookup(t: SpecialTask, dirfd: number, path: string | null, follow: boolean, directory: boolean): WatchTarget | number;
  /**
   * Opens the object of a fanotify event for the listener with the group's
   * event_f_flags (O_* bits), without generating fsnotify events of its own
   * (Linux's FMODE_NONOTIFY): the returned file must be marked with
   * Fsnotify.silence(file) or never passed to the hooks.
   */
  openForListener(t: SpecialTask, obj: FsObject, flags: number): OpenFile | number;
  /** st_ino and st_dev of any open file (for epoll's fdinfo lines). */
  fileIdentity(file: OpenFile): { ino: number; dev: number };
}

/** Everything the special fds need from the kernel, given once at boot. */
export interface SpecialEnv {
  readonly clock: Clock;
  readonly signals: SignalSource;
  readonly vfs: NotifyVfs;
}

export type { NodeId };
