/**
 * Task.callStartNs: the start of the current system call, which relative
 * timeouts count from. The dispatcher does not read the clock at entry (a
 * clock read costs more than a cheap call); the first handler that asks
 * reads it, and retries of the same call keep it.
 */
import { expect } from 'chai';
import { Kernel } from '../../kernel/index.js';
import type { Task } from '../../kernel/index.js';
import { RAX, RDI, RSI } from '../../cpu/context.js';
import { rootfsDir } from '../../userspace/index.js';

const NR_NANOSLEEP = 35, NR_GETPID = 39;

describe('kernel: the start time of a system call', function () {
  this.timeout(60_000);
  let k: Kernel;
  let task: Task;
  let clockReads = 0;

  beforeEach(() => {
    // Deterministic: the clock moves only when the test moves it.
    k = new Kernel({ memBytes: 64 << 20, root: rootfsDir(), siteCacheDir: null, deterministic: true, syscallPath: 'trap' });
    const p = k.spawn('/bin/true', ['true'], []);
    task = k.tasks.get(p.pid)!;
    const read = k.clock.monotonicNs.bind(k.clock);
    clockReads = 0;
    k.clock.monotonicNs = () => { clockReads++; return read(); };
  });
  afterEach(() => k.shutdown());

  /** Enters system call nr from user mode, as a trap would, and leaves the kernel again. */
  function call(nr: number, a0 = 0, a1 = 0): void {
    task.ctx.setReg(RAX, nr);
    task.ctx.setReg(RDI, a0);
    task.ctx.setReg(RSI, a1);
    k.syscalls.enterTrap(task);
    k.syscalls.leaveKernel(task);
  }

  it('is not read by a call that has no timeout', () => {
    call(NR_GETPID);
    expect(task.ctx.getReg(RAX)).to.equal(task.pid);
    expect(clockReads).to.equal(0);
    expect(task.callStart).to.equal(-1);
  });

  it('is read once by a relative timeout, kept by its retries and cleared by the next call', () => {
    k.clock.advanceTo(5_000);
    const req = k.mem.size - 4096;
    k.mem.writeU64(req, 1);
    k.mem.writeU64(req + 8, 0);
    call(NR_NANOSLEEP, req, 0);
    // It sleeps until one second after the call started.
    expect(task.call).to.not.equal(null);
    expect(task.callStart).to.equal(5_000);
    const reads = clockReads;
    expect(reads).to.be.greaterThan(0);
    // Woken early and retried later: the deadline still counts from the first attempt.
    k.clock.advanceTo(400_000_000);
    k.syscalls.resume(task);
    expect(task.callStartNs).to.equal(5_000);
    expect(task.call).to.not.equal(null);
    k.clock.advanceTo(1_000_005_000);
    k.syscalls.resume(task);
    expect(task.call).to.equal(null);
    expect(task.ctx.getReg(RAX)).to.equal(0);
    k.syscalls.leaveKernel(task);
    // A new call starts without a stamp.
    call(NR_GETPID);
    expect(task.callStart).to.equal(-1);
  });
});
