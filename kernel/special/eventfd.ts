/**
 * eventfd (fs/eventfd.c): a 64-bit counter. write adds (blocking while the
 * sum would reach 2^64-1), read returns the counter and zeroes it, or, with
 * EFD_SEMAPHORE, returns 1 and decrements it.
 */
import { EAGAIN, EINVAL } from '../errno.js';
import { type FileOps, O_NONBLOCK, O_RDWR, type OpenFile, POLLERR, POLLIN, POLLOUT } from '../file.js';
import type { Handler } from '../syscalls/types.js';
import { WaitQueue } from '../wait.js';
import { Ida, installAnon } from './anon.js';
import { getU64, putU64 } from './guest.js';
import { EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE } from './layout.js';
import type { SpecialTask } from './types.js';

const ULLONG_MAX = 0xffff_ffff_ffff_ffffn;
const EFD_FLAGS_SET = EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE;

export class EventFd {
  readonly wq = new WaitQueue();
  constructor(public count: bigint, readonly semaphore: boolean, readonly id: number, private readonly ids: Ida) {}
  release(): void { this.ids.free(this.id); }
}

function ctx(file: OpenFile): EventFd { return file.priv as EventFd; }

export const eventfdOps: FileOps = {
  read(file, dst) {
    const c = ctx(file);
    if (dst.length < 8) return -EINVAL;
    if (c.count === 0n) return -EAGAIN;
    const v = c.semaphore ? 1n : c.count;
    c.count -= v;
    putU64(dst, 0, v);
    c.wq.wake();
    return 8;
  },
  write(file, src) {
    const c = ctx(file);
    if (src.length < 8) return -EINVAL;
    const v = getU64(src, 0);
    if (v === ULLONG_MAX) return -EINVAL;
    if (ULLONG_MAX - c.count <= v) return -EAGAIN;
    c.count += v;
    c.wq.wake();
    return 8;
  },
  poll(file) {
    const c = ctx(file);
    let ev = 0;
    if (c.count > 0n) ev |= POLLIN;
    if (c.count === ULLONG_MAX) ev |= POLLERR;
    if (ULLONG_MAX - 1n > c.count) ev |= POLLOUT;
    return ev;
  },
  waitQueue(file) { return ctx(file).wq; },
  /** noop_llseek. */
  seek(file) { return file.pos; },
  /** No FMODE_PREAD/FMODE_PWRITE: pread and pwrite are ESPIPE. */
  stream: true,
  release(file) {
    const c = ctx(file);
    c.release();
    c.wq.wake();
  },
  fdinfo(file) {
    const c = ctx(file);
    return `eventfd-count: ${c.count.toString(16).padStart(16)}\neventfd-id: ${c.id}\neventfd-semaphore: ${c.semaphore ? 1 : 0}\n`;
  },
};

export function eventfdCalls(ids: Ida): Record<'eventfd' | 'eventfd2', Handler<SpecialTask>> {
  const create = (t: SpecialTask, initval: number, flags: number): number => {
    if (flags & ~EFD_FLAGS_SET) return -EINVAL;
    const c = new EventFd(BigInt(initval >>> 0), (flags & EFD_SEMAPHORE) !== 0, ids.alloc(), ids);
    const fd = installAnon(t, '[eventfd]', eventfdOps, c, O_RDWR | (flags & (O_NONBLOCK | EFD_CLOEXEC)));
    return fd;
  };
  return {
    eventfd: (t, count) => create(t, count, 0),
    eventfd2: (t, count, flags) => create(t, count, flags | 0),
  };
}
