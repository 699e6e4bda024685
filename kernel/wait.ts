/**
 * Wait queues for the cooperative kernel (DESIGN.md decision 10). A task that
 * must wait registers a waker and sleeps; whoever changes the state calls
 * wake(), and the scheduler makes the waiting tasks runnable again, which
 * retries their syscall from the start (handlers are written to be retried).
 */
export type Waker = () => void;

export class WaitQueue {
  private readonly waiters = new Set<Waker>();

  /** Registers a waker; returns a function that unregisters it. */
  add(w: Waker): () => void {
    this.waiters.add(w);
    return () => { this.waiters.delete(w); };
  }

  /** Wakes every waiter (each is removed; it re-registers if it must wait again). */
  wake(): void {
    if (this.waiters.size === 0) return;
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }

  get size(): number { return this.waiters.size; }
}

/**
 * Returned by a syscall handler that has registered the calling task on one or
 * more wait queues (task.waitOn) and must be retried from the start when woken.
 * Outside the errno range (-1..-4095), so it can never be mistaken for a result.
 */
export const BLOCK = -4096;
