/**
 * Blocking handlers are re-executed from the start after every wake-up, so a
 * timeout's deadline must outlive one execution: it is computed on the first
 * run and kept per task until the call returns something other than BLOCK.
 */
import { BLOCK } from '../wait.js';

interface Pending { key: string; deadline: number }

export class Deadlines {
  private readonly pending = new WeakMap<object, Pending>();

  /** The deadline of the call `key` the task is in, computing it on its first run. */
  get(task: object, key: string, first: () => number): number {
    const p = this.pending.get(task);
    if (p !== undefined && p.key === key) return p.deadline;
    const deadline = first();
    this.pending.set(task, { key, deadline });
    return deadline;
  }

  /** Passes a handler's result through, forgetting the deadline once the call is over. */
  done(task: object, result: number): number {
    if (result !== BLOCK) this.pending.delete(task);
    return result;
  }
}
