import { expect } from 'chai';
import { MemoryFault } from '../../../cpu/memory.js';
import { EAGAIN, EBADF, ECANCELED, EINVAL, EPERM } from '../../../kernel/errno.js';
import { O_NONBLOCK, O_RDWR, POLLIN } from '../../../kernel/file.js';
import { layout } from '../../../kernel/special/index.js';
import { World } from './harness.js';

const {
  CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_REALTIME_ALARM, TFD_CLOEXEC, TFD_IOC_SET_TICKS, TFD_NONBLOCK,
  TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET,
} = layout;
const MS = 1e6, S = 1e9;

/** Writes a struct itimerspec (interval, value in ns) and returns its address. */
function itimerspec(w: World, intervalNs: number, valueNs: number): number {
  const a = w.alloc(32);
  w.mem.writeU64(a, Math.floor(intervalNs / S));
  w.mem.writeU64(a + 8, intervalNs % S);
  w.mem.writeU64(a + 16, Math.floor(valueNs / S));
  w.mem.writeU64(a + 24, valueNs % S);
  return a;
}
function readItimerspec(w: World, a: number): { interval: number; value: number } {
  return {
    interval: w.mem.readU64(a) * S + w.mem.readU64(a + 8),
    value: w.mem.readU64(a + 16) * S + w.mem.readU64(a + 24),
  };
}
function ticks(w: World, fd: number): number | bigint {
  const b = w.alloc(8);
  const r = w.read(fd, b, 8);
  return r < 0 ? r : w.readU64(b);
}

describe('special/timerfd', () => {
  it('checks clocks and flags as timerfd_create does', () => {
    const w = new World();
    expect(w.call('timerfd_create', 123, 0)).to.equal(-EINVAL);
    expect(w.call('timerfd_create', 2, 0)).to.equal(-EINVAL); // CLOCK_PROCESS_CPUTIME_ID
    expect(w.call('timerfd_create', CLOCK_MONOTONIC, 0x10)).to.equal(-EINVAL);
    w.t.cred.euid = 1000;
    expect(w.call('timerfd_create', CLOCK_REALTIME_ALARM, 0)).to.equal(-EPERM);
    w.t.cred.euid = 0;
    const fd = w.call('timerfd_create', CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    expect(fd).to.be.at.least(0);
    expect(w.file(fd).flags).to.equal(O_RDWR | O_NONBLOCK);
    expect(w.file(fd).path).to.equal('anon_inode:[timerfd]');
    expect(w.t.files.getCloexec(fd)).to.equal(true);
    expect(w.call('timerfd_create', CLOCK_REALTIME_ALARM, 0)).to.be.at.least(0);
  });

  it('fires a relative one-shot timer once; reads need 8 bytes; nothing is left to read after', () => {
    const w = new World();
    const fd = w.call('timerfd_create', CLOCK_MONOTONIC, TFD_NONBLOCK);
    const old = w.alloc(32);
    expect(w.call('timerfd_settime', fd, 0, itimerspec(w, 0, 30 * MS), old)).to.equal(0);
    expect(readItimerspec(w, old)).to.deep.equal({ interval: 0, value: 0 });
    expect(w.poll(fd)).to.equal(0);
    expect(ticks(w, fd)).to.equal(-EAGAIN);
    w.clock.advance(29 * MS);
    expect(w.poll(fd)).to.equal(0);
    w.clock.advance(1 * MS);
    expect(w.poll(fd)).to.equal(POLLIN);
    expect(w.read(fd, w.alloc(8), 4)).to.equal(-EINVAL);
    expect(ticks(w, fd)).to.equal(1n);
    expect(ticks(w, fd)).to.equal(-EAGAIN);
    const cur = w.alloc(32);
    expect(w.call('timerfd_gettime', fd, cur)).to.equal(0);
    expect(readItimerspec(w, cur)).to.deep.equal({ interval: 0, value: 0 });
    expect(w.clock.armed).to.equal(0);
  });

  it('counts the overruns of a periodic timer nobody read (fd_timerfd: 9.5 s in the past, 1 s period: 10)', () => {
    const w = new World();
    const fd = w.call('timerfd_create', CLOCK_MONOTONIC, TFD_NONBLOCK);
    const start = w.clock.now(CLOCK_MONOTONIC) - 9.5 * S;
    expect(w.call('timerfd_settime', fd, TFD_TIMER_ABSTIME, itimerspec(w, 1 * S, start), 0)).to.equal(0);
    expect(w.poll(fd)).to.equal(POLLIN);
    expect(w.fdinfo(fd)).to.equal('clockid: 1\nticks: 1\nsettime flags: 01\nit_value: (0, 0)\nit_interval: (1, 0)\n');
    expect(ticks(w, fd)).to.equal(10n);
    const cur = w.alloc(32);
    w.call('timerfd_gettime', fd, cur);
    expect(readItimerspec(w, cur)).to.deep.equal({ interval: 1 * S, value: 0.5 * S });
    expect(ticks(w, fd)).to.equal(-EAGAIN);
    w.clock.advance(0.5 * S);
    w.clock.advance(2 * S);
    expect(ticks(w, fd)).to.equal(3n);
  });

  it('timerfd_gettime forwards an expired periodic timer and keeps the count for the next read', () => {
    const w = new World();
    const fd = w.call('timerfd_create', CLOCK_MONOTONIC, TFD_NONBLOCK);
    w.call('timerfd_settime', fd, 0, itimerspec(w, 100 * MS, 100 * MS), 0);
    w.clock.advance(350 * MS);
    const cur = w.alloc(32);
    w.call('timerfd_gettime', fd, cur);
    expect(readItimerspec(w, cur)).to.deep.equal({ interval: 100 * MS, value: 50 * MS });
    expect(w.fdinfo(fd)).to.contain('ticks: 3\n');
    expect(ticks(w, fd)).to.equal(3n);
  });

  it('returns the old setting from timerfd_settime and disarms with a zero value', () => {
    const w = new World();
    const fd = w.call('timerfd_create', CLOCK_MONOTONIC, 0);
    w.call('timerfd_settime', fd, 0, itimerspec(w, 250 * MS, 5 * S), 0);
    w.clock.advance(1 * S);
    const old = w.alloc(32);
    expect(w.call('timerfd_settime', fd, 0, itimerspec(w, 0, 0), old)).to.equal(0);
    expect(readItimerspec(w, old)).to.deep.equal({ interval: 250 * MS, value: 4 * S });
    expect(w.clock.armed).to.equal(0);
    expect(w.fdinfo(fd)).to.equal('clockid: 1\nticks: 0\nsettime flags: 00\nit_value: (0, 0)\nit_interval: (0, 0)\n');
  });

  it('checks settime arguments in Linux order (flags and values, then the fd)', () => {
    const w = new World();
    const fd = w.call('timerfd_create', CLOCK_MONOTONIC, 0);
    const efd = w.call('eventfd', 0);
    expect(w.call('timerfd_settime', fd, 0, itimerspec(w, 0, S - 1), 0)).to.equal(0);
    const bad = w.alloc(32);
    w.mem.writeU64(bad + 24, 1e9);
    expect(w.call('timerfd_settime', fd, 0, bad, 0)).to.equal(-EINVAL);
    w.mem.writeU64(bad + 24, 0);
    w.mem.writeU64(bad + 16, -1);
    expect(w.call('timerfd_settime', fd, 0, bad, 0)).to.equal(-EINVAL);
    expect(w.call('timerfd_settime', 99, 4, itimerspec(w, 0, S), 0)).to.equal(-EINVAL);
    expect(w.call('timerfd_settime', 99, 0, itimerspec(w, 0, S), 0)).to.equal(-EBADF);
    expect(w.call('timerfd_settime', efd, 0, itimerspec(w, 0, S), 0)).to.equal(-EINVAL);
    expect(w.call('timerfd_gettime', efd, w.alloc(32))).to.equal(-EINVAL);
    expect(w.call('timerfd_gettime', 99, w.alloc(32))).to.equal(-EBADF);
    // A bad pointer faults; the dispatcher turns that into EFAULT.
    expect(() => w.call('timerfd_gettime', fd, 8)).to.throw(MemoryFault);
  });

  it('arms realtime timers at absolute times and boottime timers relatively', () => {
    const w = new World();
    const rt = w.call('timerfd_create', CLOCK_REALTIME, TFD_NONBLOCK);
    const at = w.clock.now(CLOCK_REALTIME) + 40 * MS;
    w.call('timerfd_settime', rt, TFD_TIMER_ABSTIME, itimerspec(w, 0, at), 0);
    expect(w.fdinfo(rt)).to.match(/^clockid: 0\nticks: 0\nsettime flags: 01\nit_value: \(0, 4\d{7}\)\nit_interval: \(0, 0\)\n$/);
    expect(ticks(w, rt)).to.equal(-EAGAIN);
    w.clock.advance(40 * MS);
    expect(ticks(w, rt)).to.equal(1n);
    const bt = w.call('timerfd_create', CLOCK_BOOTTIME, TFD_NONBLOCK);
    w.call('timerfd_settime', bt, 0, itimerspec(w, 10 * MS, 10 * MS), 0);
    w.clock.advance(55 * MS);
    expect(ticks(w, bt)).to.equal(5n);
  });

  it('reports ECANCELED once after the realtime clock is set, for TFD_TIMER_CANCEL_ON_SET absolute timers', () => {
    const w = new World();
    const fd = w.call('timerfd_create', CLOCK_REALTIME, TFD_NONBLOCK);
    const other = w.call('timerfd_create', CLOCK_REALTIME, TFD_NONBLOCK);
    const at = w.clock.now(CLOCK_REALTIME) + 100 * S;
    w.call('timerfd_settime', fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, itimerspec(w, 0, at), 0);
    w.call('timerfd_settime', other, TFD_TIMER_ABSTIME, itimerspec(w, 0, at), 0);
    expect(w.fdinfo(fd)).to.contain('settime flags: 03\n');
    w.special.clockWasSet();
    expect(w.poll(fd)).to.equal(POLLIN);
    expect(w.poll(other)).to.equal(0);
    expect(ticks(w, fd)).to.equal(-ECANCELED);
    expect(ticks(w, fd)).to.equal(-EAGAIN);
    w.clock.setRealtime(at);
    expect(ticks(w, other)).to.equal(1n);
  });

  it('sets the count with TFD_IOC_SET_TICKS (0 is EINVAL) and releases its timer on close', () => {
    const w = new World();
    const fd = w.call('timerfd_create', CLOCK_MONOTONIC, TFD_NONBLOCK);
    expect(w.ioctl(fd, TFD_IOC_SET_TICKS, w.u64(0n))).to.equal(-EINVAL);
    expect(w.ioctl(fd, TFD_IOC_SET_TICKS, w.u64(7n))).to.equal(0);
    expect(ticks(w, fd)).to.equal(7n);
    expect(w.ioctl(fd, 0x5401, 0)).to.equal(-25);
    w.call('timerfd_settime', fd, 0, itimerspec(w, 0, S), 0);
    expect(w.clock.armed).to.equal(1);
    w.close(fd);
    expect(w.clock.armed).to.equal(0);
  });

  it('wakes the file\'s queue when the timer fires', () => {
    const w = new World();
    const fd = w.call('timerfd_create', CLOCK_MONOTONIC, 0);
    const f = w.file(fd);
    let woke = 0;
    f.ops.waitQueue?.(f).add(() => { woke++; });
    w.call('timerfd_settime', fd, 0, itimerspec(w, 0, 5 * MS), 0);
    w.clock.advance(5 * MS);
    expect(woke).to.equal(1);
  });
});
