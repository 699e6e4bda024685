/**
 * timerfd (fs/timerfd.c): a timer on one clock whose expirations are counted
 * and read as a u64. Like Linux, the timer callback only counts one
 * expiration; periodic timers are forwarded (counting the overruns) when the
 * count is read or the timer queried, so a slow reader loses nothing.
 */
import { EAGAIN, EBADF, ECANCELED, EINVAL, ENOTTY, EPERM } from '../errno.js';
import { type FileOps, O_NONBLOCK, O_RDWR, type OpenFile, POLLIN } from '../file.js';
import type { Handler } from '../syscalls/types.js';
import { WaitQueue } from '../wait.js';
import { installAnon, privOf } from './anon.js';
import { nsToTimespec, putU64, readTimespec, timespecToNs, timespecValid, writeTimespec } from './guest.js';
import {
  CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM, CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_REALTIME_ALARM, ITIMERSPEC,
  TFD_CLOEXEC, TFD_IOC_SET_TICKS, TFD_NONBLOCK, TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET,
} from './layout.js';
import type { Clock, SpecialTask } from './types.js';

const TFD_CREATE_FLAGS = TFD_CLOEXEC | TFD_NONBLOCK;
const TFD_SETTIME_FLAGS = TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET;

/** The clock a timer really runs on: the alarm clocks behave as their base clock here (nothing suspends). */
function baseClock(clockid: number): number {
  if (clockid === CLOCK_REALTIME_ALARM) return CLOCK_REALTIME;
  if (clockid === CLOCK_BOOTTIME_ALARM) return CLOCK_BOOTTIME;
  return clockid;
}

export class TimerFd {
  readonly wq = new WaitQueue();
  ticks = 0;
  /** The callback ran and the periodic timer has not been forwarded since. */
  expired = false;
  /** Absolute expiry on the timer's clock (0 when never armed). */
  expires = 0;
  interval = 0;
  settimeFlags = 0;
  /** TFD_TIMER_CANCEL_ON_SET is in force, and the clock was set since (Linux's moffs == KTIME_MAX). */
  mightCancel = false;
  canceled = false;
  private cancelTimer: (() => void) | null = null;

  constructor(readonly clockid: number, private readonly clock: Clock, private readonly live: Set<TimerFd>) {
    live.add(this);
  }

  private get base(): number { return baseClock(this.clockid); }

  private arm(): void {
    this.disarm();
    if (this.expires <= this.clock.now(this.base)) {
      // Already due: count it now (hrtimer would fire at once), so a read right after settime sees it.
      this.fire();
      return;
    }
    this.cancelTimer = this.clock.setTimer(this.base, this.expires, () => { this.cancelTimer = null; this.fire(); });
  }

  private disarm(): void {
    if (this.cancelTimer !== null) { this.cancelTimer(); this.cancelTimer = null; }
  }

  private fire(): void {
    this.expired = true;
    this.ticks++;
    this.wq.wake();
  }

  /** hrtimer_forward_now + restart for an expired periodic timer: the overruns since the first expiration. */
  private forward(): number {
    const now = this.clock.now(this.base);
    const delta = now - this.expires;
    if (delta < 0) return 0;
    const orun = Math.floor(delta / this.interval) + 1;
    this.expires += orun * this.interval;
    this.arm();
    return orun;
  }

  /** timerfd_get_remaining: time to the expiry, 0 once past or when disarmed. */
  remaining(): number {
    const r = this.expires - this.clock.now(this.base);
    return r > 0 ? r : 0;
  }

  /** Forwards an expired periodic timer (timerfd_gettime, and read). */
  catchUp(): void {
    if (this.expired && this.interval > 0) {
      this.expired = false;
      this.ticks += this.forward() - 1;
    }
  }

  settime(flags: number, value: number, interval: number): void {
    this.disarm();
    this.mightCancel = (this.base === CLOCK_REALTIME) &&
      (flags & TFD_TIMER_ABSTIME) !== 0 && (flags & TFD_TIMER_CANCEL_ON_SET) !== 0;
    this.canceled = false;
    this.expired = false;
    this.ticks = 0;
    this.interval = interval;
    this.expires = 0;
    if (value !== 0) {
      this.expires = (flags & TFD_TIMER_ABSTIME) !== 0 ? value : this.clock.now(this.base) + value;
      this.arm();
    }
    this.settimeFlags = flags & TFD_SETTIME_FLAGS;
  }

  /** The realtime clock was set (settimeofday, clock_settime): cancel-on-set timers report ECANCELED. */
  clockWasSet(): void {
    if (!this.mightCancel || this.canceled) return;
    this.canceled = true;
    this.ticks++;
    this.wq.wake();
  }

  release(): void { this.disarm(); this.live.delete(this); this.wq.wake(); }
}

function ctx(file: OpenFile): TimerFd { return file.priv as TimerFd; }

export const timerfdOps: FileOps = {
  read(file, dst) {
    const c = ctx(file);
    if (dst.length < 8) return -EINVAL;
    if (c.canceled) {
      // Userspace must set the timer again; the count is dropped.
      c.canceled = false;
      c.ticks = 0;
      c.expired = false;
      return -ECANCELED;
    }
    if (c.ticks === 0) return -EAGAIN;
    c.catchUp();
    putU64(dst, 0, BigInt(c.ticks));
    c.ticks = 0;
    c.expired = false;
    return 8;
  },
  poll(file) { return ctx(file).ticks > 0 ? POLLIN : 0; },
  waitQueue(file) { return ctx(file).wq; },
  /** noop_llseek. */
  seek(file) { return file.pos; },
  /** No FMODE_PREAD/FMODE_PWRITE: pread and pwrite are ESPIPE. */
  stream: true,
  ioctl(file, task, cmd, arg) {
    if (cmd !== TFD_IOC_SET_TICKS) return -ENOTTY;
    const t = task as SpecialTask;
    const ticks = t.mem.readU64(arg);
    if (ticks === 0) return -EINVAL;
    const c = ctx(file);
    if (c.canceled) return -ECANCELED;
    c.ticks = ticks;
    c.wq.wake();
    return 0;
  },
  release(file) { ctx(file).release(); },
  fdinfo(file) {
    const c = ctx(file);
    const v = nsToTimespec(c.remaining());
    const i = nsToTimespec(c.interval);
    return `clockid: ${c.clockid}\nticks: ${c.ticks}\nsettime flags: 0${c.settimeFlags.toString(8)}\n` +
      `it_value: (${v.sec}, ${v.nsec})\nit_interval: (${i.sec}, ${i.nsec})\n`;
  },
};

/** The timerfd syscalls over one clock; `all` lists live timers for clockWasSet. */
export function timerfdCalls(clock: Clock, all: Set<TimerFd>): Record<'timerfd_create' | 'timerfd_settime' | 'timerfd_gettime', Handler<SpecialTask>> {
  const writeItimerspec = (t: SpecialTask, addr: number, c: TimerFd): void => {
    writeTimespec(t.mem, addr + ITIMERSPEC.it_interval, nsToTimespec(c.interval));
    writeTimespec(t.mem, addr + ITIMERSPEC.it_value, nsToTimespec(c.remaining()));
  };
  const lookup = (t: SpecialTask, fd: number): TimerFd | number => {
    const f = t.files.get(fd);
    if (f === null) return -EBADF;
    return privOf(f, timerfdOps, TimerFd) ?? -EINVAL;
  };
  return {
    timerfd_create(t, clockid, flags) {
      clockid |= 0; flags |= 0;
      if ((flags & ~TFD_CREATE_FLAGS) || (clockid !== CLOCK_MONOTONIC && clockid !== CLOCK_REALTIME &&
        clockid !== CLOCK_REALTIME_ALARM && clockid !== CLOCK_BOOTTIME && clockid !== CLOCK_BOOTTIME_ALARM)) return -EINVAL;
      // CAP_WAKE_ALARM.
      if ((clockid === CLOCK_REALTIME_ALARM || clockid === CLOCK_BOOTTIME_ALARM) && t.cred.euid !== 0) return -EPERM;
      const c = new TimerFd(clockid, clock, all);
      return installAnon(t, '[timerfd]', timerfdOps, c, O_RDWR | (flags & (O_NONBLOCK | TFD_CLOEXEC)));
    },
    timerfd_settime(t, fd, flags, newp, oldp) {
      const iv = readTimespec(t.mem, newp + ITIMERSPEC.it_interval);
      const val = readTimespec(t.mem, newp + ITIMERSPEC.it_value);
      flags |= 0;
      if ((flags & ~TFD_SETTIME_FLAGS) || !timespecValid(iv) || !timespecValid(val)) return -EINVAL;
      const c = lookup(t, fd | 0);
      if (typeof c === 'number') return c;
      c.catchUp();
      const oldInterval = c.interval;
      const oldValue = c.remaining();
      c.settime(flags, timespecToNs(val), timespecToNs(iv));
      if (oldp !== 0) {
        writeTimespec(t.mem, oldp + ITIMERSPEC.it_interval, nsToTimespec(oldInterval));
        writeTimespec(t.mem, oldp + ITIMERSPEC.it_value, nsToTimespec(oldValue));
      }
      return 0;
    },
    timerfd_gettime(t, fd, curr) {
      const c = lookup(t, fd | 0);
      if (typeof c === 'number') return c;
      c.catchUp();
      writeItimerspec(t, curr, c);
      return 0;
    },
  };
}
