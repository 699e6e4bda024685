/**
 * Host lstat results reused within one syscall. A path walk asks about the
 * same host objects several times (search permission on a directory, the
 * directory still being itself, then its child), and an exec walks and
 * checks its file again after: some 30 lstat calls of the host per
 * vfork+execve, each costing more than the whole syscall it serves would
 * natively. Within one call the answers are reused; a new call, and any
 * change this kernel makes to the host tree (hostChanged), starts afresh.
 * Outside a syscall nothing is reused. Changes made by other host processes
 * during one syscall are seen by the next, as a concurrent change on Linux
 * is seen by a later lookup.
 */
import type { BigIntStats } from 'node:fs';

let epoch = 0;
let inCall = false;

/** The dispatcher: a syscall starts (or is retried). */
export function beginCall(): void { epoch++; inCall = true; }
/** The dispatcher: the syscall is done (or sleeps). */
export function endCall(): void { epoch++; inCall = false; }
/** This kernel changed the host tree (created, removed, renamed, wrote, chmod...): forget what was seen. */
export function hostChanged(): void { epoch++; }

export type StatResult = BigIntStats | null | number;

/** One filesystem's remembered lstat results by relative path. */
export class StatMemo {
  private seen = -1;
  private readonly map = new Map<string, StatResult>();

  get(rel: string): StatResult | undefined {
    return inCall && this.seen === epoch ? this.map.get(rel) : undefined;
  }

  set(rel: string, v: StatResult): void {
    if (!inCall) return;
    if (this.seen !== epoch) { this.map.clear(); this.seen = epoch; }
    this.map.set(rel, v);
  }
}
