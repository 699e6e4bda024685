/**
 * The file descriptor table (Linux's files_struct): fd -> open file plus the
 * per-fd close-on-exec flag. install() takes over the caller's reference to
 * the OpenFile; close() drops it. POSIX record locks of the closing process
 * are released on every close of any fd naming the file, as Linux does.
 */
import { EBADF, EMFILE } from '../errno.js';
import type { OpenFile } from '../file.js';
import { releasePosixLocks } from './locks.js';

export const DEFAULT_NOFILE = 1024;

/**
 * Who closes an fd: the closing task (its process's POSIX locks on the file
 * go, and a last close is reported as its close) or just a pid; 0: nobody.
 */
export type Closer = number | { readonly pid: number };

export class FdTable {
  private files: (OpenFile | null)[] = [];
  private cloexec: boolean[] = [];
  /** RLIMIT_NOFILE (soft): fds at or above it cannot be allocated. */
  limit = DEFAULT_NOFILE;

  get(fd: number): OpenFile | null {
    if (!Number.isInteger(fd) || fd < 0) return null;
    return this.files[fd] ?? null;
  }

  /** Installs at the lowest free fd >= minFd; -EMFILE when none is below the limit. */
  install(file: OpenFile, cloexec: boolean, minFd = 0): number {
    let fd = Math.max(0, minFd);
    while (fd < this.files.length && this.files[fd] != null) fd++;
    if (fd >= this.limit) { file.put(); return -EMFILE; }
    this.files[fd] = file;
    this.cloexec[fd] = cloexec;
    return fd;
  }

  /** dup2 semantics: whatever was at fd is closed first (by `by`). */
  installAt(fd: number, file: OpenFile, cloexec: boolean, by: Closer = 0): void {
    const old = this.files[fd] ?? null;
    while (this.files.length < fd) { this.files.push(null); this.cloexec.push(false); }
    this.files[fd] = file;
    this.cloexec[fd] = cloexec;
    if (old !== null) this.drop(old, by);
  }

  /** 0 or -EBADF. */
  close(fd: number, by: Closer = 0): number {
    const f = this.get(fd);
    if (f === null) return -EBADF;
    this.files[fd] = null;
    this.cloexec[fd] = false;
    this.drop(f, by);
    return 0;
  }

  private drop(f: OpenFile, by: Closer): void {
    const pid = typeof by === 'number' ? by : by.pid;
    if (pid !== 0) releasePosixLocks(f, pid);
    f.put(typeof by === 'number' ? undefined : by);
  }

  getCloexec(fd: number): boolean { return this.get(fd) !== null && this.cloexec[fd] === true; }
  setCloexec(fd: number, v: boolean): void { if (this.get(fd) !== null) this.cloexec[fd] = v; }

  closeOnExec(by: Closer = 0): void {
    for (let fd = 0; fd < this.files.length; fd++) {
      if (this.files[fd] != null && this.cloexec[fd]) this.close(fd, by);
    }
  }

  /** A copy sharing the open files (a reference taken on each). */
  clone(): FdTable {
    const t = new FdTable();
    t.limit = this.limit;
    t.files = this.files.map((f) => (f === null ? null : f.get()));
    t.cloexec = [...this.cloexec];
    return t;
  }

  /** Exit: closes everything; pass the exiting task (or pid) so its record locks are released. */
  closeAll(by: Closer = 0): void {
    for (let fd = 0; fd < this.files.length; fd++) if (this.files[fd] != null) this.close(fd, by);
    this.files = [];
    this.cloexec = [];
  }

  *entries(): Iterable<[number, OpenFile]> {
    for (let fd = 0; fd < this.files.length; fd++) {
      const f = this.files[fd];
      if (f != null) yield [fd, f];
    }
  }

  /** One past the highest open fd (select's nfds bound, close_range). */
  get size(): number {
    let n = this.files.length;
    while (n > 0 && this.files[n - 1] == null) n--;
    return n;
  }
}
