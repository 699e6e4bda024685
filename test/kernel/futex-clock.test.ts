/**
 * The futex wait table (exact wake counts, bitsets, requeue) and the
 * kernel's clock and timer queue (virtual time with --deterministic).
 */
import { expect } from 'chai';
import { Clock, TimerQueue, VIRTUAL_EPOCH_SEC } from '../../kernel/clock.js';
import { FutexTable } from '../../kernel/syscalls/futex.js';
import type { Task } from '../../kernel/task.js';

const task = (dead = false): Task => ({ state: dead ? 3 : 1 }) as unknown as Task;

describe('kernel: futex table', () => {
  it('wakes exactly n waiters in FIFO order and reports the count', () => {
    const f = new FutexTable();
    const ws = [1, 2, 3].map(() => f.newWaiter(task(), 0x1000, 0xffffffff));
    for (const w of ws) f.enqueue(w);
    expect(f.wake(0x1000, 2, 0xffffffff)).to.equal(2);
    expect(ws.map((w) => w.woken)).to.deep.equal([true, true, false]);
    expect(f.waiters(0x1000)).to.equal(1);
    expect(f.wake(0x2000, 5, 0xffffffff)).to.equal(0);
  });

  it('matches bitsets and skips waiters of dead tasks', () => {
    const f = new FutexTable();
    const a = f.newWaiter(task(), 0x1000, 0b01);
    const b = f.newWaiter(task(true), 0x1000, 0b10);
    const c = f.newWaiter(task(), 0x1000, 0b10);
    [a, b, c].forEach((w) => f.enqueue(w));
    expect(f.wake(0x1000, 5, 0b10)).to.equal(1);
    expect(c.woken).to.equal(true);
    expect(a.woken).to.equal(false);
    expect(f.waiters(0x1000)).to.equal(1);
  });

  it('requeues the waiters it does not wake', () => {
    const f = new FutexTable();
    const ws = [1, 2, 3, 4].map(() => f.newWaiter(task(), 0x1000, 0xffffffff));
    ws.forEach((w) => f.enqueue(w));
    expect(f.requeue(0x1000, 0x3000, 1, 2)).to.equal(3);
    expect(f.waiters(0x1000)).to.equal(1);
    expect(f.waiters(0x3000)).to.equal(2);
    expect(f.wake(0x3000, 10, 0xffffffff)).to.equal(2);
    expect(ws.filter((w) => w.woken)).to.have.length(3);
  });
});

describe('kernel: clock and timers', () => {
  it('the deterministic clock follows retired instructions and idle jumps', () => {
    let retired = 0;
    const c = new Clock(true, () => retired);
    expect(c.monotonicNs()).to.equal(0);
    retired = 1500;
    expect(c.monotonicNs()).to.equal(1500);
    c.advanceTo(1_000_000_000);
    expect(c.monotonicNs()).to.equal(1_000_000_000);
    retired = 1600;
    expect(c.monotonicNs()).to.equal(1_000_000_100);
    expect(c.realtime()).to.deep.equal({ sec: VIRTUAL_EPOCH_SEC + 1, nsec: 100 });
  });

  it('the host clock is monotonic and realtime is near the host time', () => {
    const c = new Clock(false, () => 0);
    const a = c.monotonicNs();
    const b = c.monotonicNs();
    expect(b).to.be.at.least(a);
    expect(Math.abs(c.realtime().sec - Date.now() / 1000)).to.be.below(5);
  });

  it('timers fire in deadline order, once, unless cancelled', () => {
    const q = new TimerQueue();
    const fired: string[] = [];
    q.add(30, () => fired.push('c'));
    const cancel = q.add(10, () => fired.push('x'));
    q.add(20, () => fired.push('b'));
    q.add(5, () => fired.push('a'));
    cancel();
    expect(q.next).to.equal(5);
    expect(q.runExpired(20)).to.equal(2);
    expect(fired).to.deep.equal(['a', 'b']);
    expect(q.runExpired(100)).to.equal(1);
    expect(fired).to.deep.equal(['a', 'b', 'c']);
    expect(q.next).to.equal(Infinity);
  });
});
