/**
 * Files on the anonymous inode filesystem (anon_inode_getfd): each special
 * fd is an OpenFile whose /proc/PID/fd link reads "anon_inode:NAME".
 */
import { type FileOps, O_CLOEXEC, OpenFile } from '../file.js';
import type { SpecialTask } from './types.js';

/**
 * Creates the file and installs it at the lowest free fd; the fd or -EMFILE.
 * Its position stays 0 whatever the generic read, write and lseek do: these
 * kinds have noop_llseek (lseek returns the position, which nothing moves).
 */
export function installAnon(t: SpecialTask, name: string, ops: FileOps, priv: unknown, flags: number): number {
  const file = new OpenFile(ops, flags & ~O_CLOEXEC, priv, `anon_inode:${name}`);
  Object.defineProperty(file, 'pos', { get: () => 0, set: () => {}, enumerable: true });
  return t.files.install(file, (flags & O_CLOEXEC) !== 0);
}

/** The private state of `file` when it is of the kind `ops`, else null. */
export function privOf<T>(file: OpenFile | null, ops: FileOps, kind: new (...args: never[]) => T): T | null {
  if (file === null || file.ops !== ops || !(file.priv instanceof kind)) return null;
  return file.priv;
}

/** Lowest-free id allocator (Linux's IDA), e.g. for eventfd-id. */
export class Ida {
  private readonly used = new Set<number>();
  alloc(): number {
    let id = 0;
    while (this.used.has(id)) id++;
    this.used.add(id);
    return id;
  }
  free(id: number): void { this.used.delete(id); }
}
