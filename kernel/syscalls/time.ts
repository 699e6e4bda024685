/**
 * Time syscalls: clock_gettime/getres, gettimeofday, time, nanosleep,
 * clock_nanosleep (TIMER_ABSTIME), times, getrusage. Sleeps interrupted by a
 * signal continue through restart_syscall to the same deadline, as Linux's
 * restart_block does.
 */
import { NS_PER_SEC } from '../clock.js';
import { EINVAL, EOPNOTSUPP, EPERM, ERESTARTNOHAND, ERESTART_RESTARTBLOCK } from '../errno.js';
import type { Task } from '../task.js';
import { BLOCK } from '../wait.js';
import { writeRusage } from './wait.js';
import { readTimespecRaw, writeTimespec, writeTimespecParts } from './util.js';

export const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3;
export const CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5, CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7;
export const CLOCK_REALTIME_ALARM = 8, CLOCK_BOOTTIME_ALARM = 9, CLOCK_TAI = 11;
const TIMER_ABSTIME = 1;
/** Resolution of the coarse clocks: one tick at HZ=250. */
const COARSE_NS = 4_000_000;
const USER_HZ = 100;

/** Reads a clock as seconds + nanoseconds; null for an unknown clock. */
function readClock(t: Task, id: number): { sec: number; nsec: number } | null {
  const c = t.kernel.clock;
  const split = (ns: number): { sec: number; nsec: number } => {
    const sec = Math.floor(ns / NS_PER_SEC);
    return { sec, nsec: Math.floor(ns - sec * NS_PER_SEC) };
  };
  switch (id) {
    case CLOCK_REALTIME: case CLOCK_REALTIME_ALARM: case CLOCK_TAI:
      return c.realtime();
    case CLOCK_REALTIME_COARSE: {
      const r = c.realtime();
      return { sec: r.sec, nsec: r.nsec - (r.nsec % COARSE_NS) };
    }
    case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_BOOTTIME: case CLOCK_BOOTTIME_ALARM:
      return split(c.monotonicNs());
    case CLOCK_MONOTONIC_COARSE: {
      const ns = c.monotonicNs();
      return split(ns - (ns % COARSE_NS));
    }
    case CLOCK_PROCESS_CPUTIME_ID: {
      const x = t.proc.cpuTimes();
      return split(x.utimeNs + x.stimeNs);
    }
    case CLOCK_THREAD_CPUTIME_ID:
      return split(t.utimeNs + t.stimeNs);
    default:
      return null;
  }
}

export function clockGettime(t: Task, id: number, tp: number): number {
  const v = readClock(t, id | 0);
  if (v === null) return -EINVAL;
  writeTimespecParts(t.mem, tp, v.sec, v.nsec);
  return 0;
}

export function clockGetres(t: Task, id: number, tp: number): number {
  const i = id | 0;
  if (readClock(t, i) === null) return -EINVAL;
  if (tp !== 0) writeTimespec(t.mem, tp, i === CLOCK_REALTIME_COARSE || i === CLOCK_MONOTONIC_COARSE ? COARSE_NS : 1);
  return 0;
}

export function clockSettime(t: Task, id: number): number {
  return readClock(t, id | 0) === null ? -EINVAL : -EPERM;
}

export function gettimeofday(t: Task, tv: number, tz: number): number {
  if (tv !== 0) {
    const r = t.kernel.clock.realtime();
    t.mem.writeU64(tv, r.sec);
    t.mem.writeU64(tv + 8, Math.floor(r.nsec / 1000));
  }
  if (tz !== 0) { t.mem.writeU32(tz, 0); t.mem.writeU32(tz + 4, 0); }
  return 0;
}

export function time(t: Task, tloc: number): number {
  const sec = t.kernel.clock.realtime().sec;
  if (tloc !== 0) t.mem.writeU64(tloc, sec);
  return sec;
}

interface Sleep { deadline: number }

/** One attempt of a sleep until `deadline` (monotonic ns). */
function sleepUntil(t: Task, deadline: number, rem: number, restartable: boolean): number {
  const now = t.kernel.clock.monotonicNs();
  if (now >= deadline) return 0;
  if (t.signalPending()) {
    if (!restartable) return -ERESTARTNOHAND;
    if (rem !== 0) writeTimespec(t.mem, rem, deadline - now);
    t.restartFn = (x) => sleepUntil(x, deadline, rem, true);
    return -ERESTART_RESTARTBLOCK;
  }
  t.waitDeadline(deadline);
  return BLOCK;
}

function nanosleepOn(t: Task, id: number, flags: number, req: number, rem: number): number {
  let st = t.callState as Sleep | undefined;
  const abs = (flags & TIMER_ABSTIME) !== 0;
  if (st === undefined) {
    const ts = readTimespecRaw(t.mem, req);
    if (ts.nsec < 0 || ts.nsec >= NS_PER_SEC || (!abs && ts.sec < 0)) return -EINVAL;
    const c = t.kernel.clock;
    const want = ts.sec * NS_PER_SEC + ts.nsec;
    let deadline: number;
    if (!abs) deadline = t.callStartNs + want;
    else if (id === CLOCK_REALTIME || id === CLOCK_TAI) deadline = c.monotonicNs() + (want - c.realtimeNs());
    else deadline = want;
    st = { deadline };
    t.callState = st;
  }
  return sleepUntil(t, st.deadline, abs ? 0 : rem, !abs);
}

export function nanosleep(t: Task, req: number, rem: number): number {
  return nanosleepOn(t, CLOCK_MONOTONIC, 0, req, rem);
}

/** clock_nanosleep returns the error number itself; the table passes -errno as for any call. */
export function clockNanosleep(t: Task, id: number, flags: number, req: number, rem: number): number {
  const i = id | 0;
  switch (i) {
    case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: case CLOCK_TAI:
      return nanosleepOn(t, i, flags >>> 0, req, rem);
    case CLOCK_THREAD_CPUTIME_ID:
      return -EINVAL;
    case CLOCK_PROCESS_CPUTIME_ID:
      return -EOPNOTSUPP;
    default:
      return readClock(t, i) === null ? -EINVAL : -EOPNOTSUPP;
  }
}

/** times(2): tms in clock ticks; the result is ticks since boot. */
export function times(t: Task, buf: number): number {
  const p = t.proc;
  const x = p.cpuTimes();
  const tick = NS_PER_SEC / USER_HZ;
  if (buf !== 0) {
    t.mem.writeU64(buf, Math.floor(x.utimeNs / tick));
    t.mem.writeU64(buf + 8, Math.floor(x.stimeNs / tick));
    t.mem.writeU64(buf + 16, Math.floor(p.cutimeNs / tick));
    t.mem.writeU64(buf + 24, Math.floor(p.cstimeNs / tick));
  }
  return Math.floor(t.kernel.clock.monotonicNs() / tick);
}

const RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1, RUSAGE_THREAD = 1;

export function getrusage(t: Task, who: number, usage: number): number {
  const p = t.proc;
  const maxrss = Math.floor(p.mm.totalBytes / 1024);
  switch (who | 0) {
    case RUSAGE_SELF: {
      const x = p.cpuTimes();
      writeRusage(t, usage, x.utimeNs, x.stimeNs, maxrss, p.nvcsw, p.nivcsw);
      return 0;
    }
    case RUSAGE_CHILDREN:
      writeRusage(t, usage, p.cutimeNs, p.cstimeNs, 0);
      return 0;
    case RUSAGE_THREAD:
      writeRusage(t, usage, t.utimeNs, t.stimeNs, maxrss);
      return 0;
    default:
      return -EINVAL;
  }
}

