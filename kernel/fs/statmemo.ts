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
/** Memos holding answers now: emptied when the call ends or the tree changes, so no answer outlives its call. */
const holding: StatMemo[] = [];

function forgetAll(): void {
  for (const m of holding) m.forget();
  holding.length = 0;
}

/** The dispatcher: a syscall starts (or is retried). */
export function beginCall(): void { epoch++; inCall = true; }
/** The dispatcher: the syscall is done (or sleeps). */
export function endCall(): void { epoch++; inCall = false; if (holding.length !== 0) forgetAll(); }
/** This kernel changed the host tree (created, removed, renamed, wrote, chmod...): forget what was seen. */
export function hostChanged(): void { epoch++; if (holding.length !== 0) forgetAll(); }

export type StatResult = BigIntStats | null | number;

/** Answers kept per call: a walk touches a few objects; past this many, nothing more is kept. */
const MAX_KEPT = 16;

/**
 * One filesystem's remembered lstat results by relative path: a few
 * entries, searched in order (no allocation per call, and the stat objects
 * die young: they are dropped when the call ends).
 */
export class StatMemo {
  private seen = -1;
  private readonly keys: string[] = [];
  private readonly vals: StatResult[] = [];

  get(rel: string): StatResult | undefined {
    if (!inCall || this.seen !== epoch) return undefined;
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === rel) return this.vals[i];
    return undefined;
  }

  set(rel: string, v: StatResult): void {
    if (!inCall) return;
    if (this.seen !== epoch) {
      this.forget();
      this.seen = epoch;
      holding.push(this);
    }
    if (this.keys.length >= MAX_KEPT) return;
    this.keys.push(rel);
    this.vals.push(v);
  }

  forget(): void {
    this.keys.length = 0;
    this.vals.length = 0;
  }
}
