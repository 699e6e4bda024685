import { expect } from 'chai';
import { MemoryFault } from '../../../cpu/memory.js';
import { EBADF, EEXIST, EFAULT, EINTR, EINVAL, ELOOP, ENOENT, EPERM } from '../../../kernel/errno.js';
import { O_RDWR, POLLIN } from '../../../kernel/file.js';
import { layout } from '../../../kernel/special/index.js';
import { BLOCK, World, bytes } from './harness.js';

const {
  EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLLET, EPOLLEXCLUSIVE, EPOLLIN, EPOLLONESHOT,
  EPOLLOUT, EPOLLRDHUP, EPOLLWAKEUP, EPOLL_EVENT,
} = layout;
const MS = 1e6;

class Ep {
  readonly events: number;
  constructor(readonly w: World, readonly fd: number) { this.events = w.alloc(16 * EPOLL_EVENT.size); }
  ctl(op: number, fd: number, events: number, data: bigint | number = 0): number {
    const a = this.w.alloc(EPOLL_EVENT.size);
    this.w.mem.writeU32(a, events >>> 0);
    this.w.mem.dv.setBigUint64(a + 4, BigInt(data), true);
    return this.w.call('epoll_ctl', this.fd, op, fd, a);
  }
  add(fd: number, events: number, data: bigint | number = 0): number { return this.ctl(EPOLL_CTL_ADD, fd, events, data); }
  mod(fd: number, events: number, data: bigint | number = 0): number { return this.ctl(EPOLL_CTL_MOD, fd, events, data); }
  del(fd: number): number { return this.w.call('epoll_ctl', this.fd, EPOLL_CTL_DEL, fd, 0); }
  /** epoll_wait with a zero timeout: [events, data] pairs, or the error. */
  wait(max = 16, timeout = 0): [number, number][] | number {
    const n = this.w.call('epoll_wait', this.fd, this.events, max, timeout);
    if (n < 0) return n;
    const out: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      const at = this.events + i * EPOLL_EVENT.size;
      out.push([this.w.mem.readU32(at), Number(this.w.mem.dv.getBigUint64(at + 4, true))]);
    }
    return out;
  }
}

function epoll(w: World, flags = 0): Ep { return new Ep(w, w.call('epoll_create1', flags)); }
function eventfd(w: World, n: number): number { return w.call('eventfd2', n, 0); }
function send(w: World, fd: number, s: string): number { const a = w.alloc(s.length); w.mem.writeBytes(a, bytes(s)); return w.write(fd, a, s.length); }
function drain(w: World, fd: number): number { return w.read(fd, w.alloc(256), 256); }

describe('special/epoll', () => {
  it('creates instances as epoll_create and epoll_create1 do', () => {
    const w = new World();
    expect(w.call('epoll_create', 0)).to.equal(-EINVAL);
    expect(w.call('epoll_create', -1)).to.equal(-EINVAL);
    expect(w.call('epoll_create1', 1)).to.equal(-EINVAL);
    const fd = w.call('epoll_create1', EPOLL_CLOEXEC);
    expect(w.file(fd).path).to.equal('anon_inode:[eventpoll]');
    expect(w.file(fd).flags).to.equal(O_RDWR);
    expect(w.t.files.getCloexec(fd)).to.equal(true);
    expect(w.call('epoll_create', 1)).to.be.at.least(0);
  });

  it('reports a level-triggered item while it stays ready (fd_epoll: LT)', () => {
    const w = new World();
    const ep = epoll(w);
    const [r, wr] = w.pipe();
    expect(ep.add(r, EPOLLIN, 1)).to.equal(0);
    expect(ep.wait()).to.deep.equal([]);
    send(w, wr, 'abc');
    expect(ep.wait()).to.deep.equal([[EPOLLIN, 1]]);
    expect(ep.wait()).to.deep.equal([[EPOLLIN, 1]]);
    drain(w, r);
    expect(ep.wait()).to.deep.equal([]);
  });

  it('reports an edge-triggered item once per wake-up (fd_epoll: ET)', () => {
    const w = new World();
    const ep = epoll(w);
    const [r, wr] = w.pipe();
    ep.add(r, EPOLLIN | EPOLLET, 2);
    send(w, wr, 'x');
    expect(ep.wait()).to.deep.equal([[EPOLLIN, 2]]);
    expect(ep.wait()).to.deep.equal([]);
    send(w, wr, 'y');
    expect(ep.wait()).to.deep.equal([[EPOLLIN, 2]]);
  });

  it('disables a one-shot item after one report until EPOLL_CTL_MOD (fd_epoll: oneshot)', () => {
    const w = new World();
    const ep = epoll(w);
    const [r, wr] = w.pipe();
    ep.add(r, EPOLLIN | EPOLLONESHOT, 3);
    send(w, wr, 'z');
    expect(ep.wait()).to.deep.equal([[EPOLLIN, 3]]);
    expect(ep.wait()).to.deep.equal([]);
    send(w, wr, 'z');
    expect(ep.wait()).to.deep.equal([]);
    expect(w.fdinfo(ep.fd)).to.equal(`tfd: ${String(r).padStart(8)} events: 40000000 data:                3  pos:0 ino:40e sdev:10\n`);
    expect(ep.mod(r, EPOLLIN | EPOLLONESHOT, 4)).to.equal(0);
    expect(ep.wait()).to.deep.equal([[EPOLLIN, 4]]);
  });

  it('reports EPOLLOUT, and EPOLLHUP (not EPOLLRDHUP) when a pipe\'s writers are gone', () => {
    const w = new World();
    const ep = epoll(w);
    const [r, wr] = w.pipe();
    ep.add(wr, EPOLLOUT, 5);
    expect(ep.wait()).to.deep.equal([[EPOLLOUT, 5]]);
    ep.del(wr);
    ep.add(r, EPOLLIN | EPOLLRDHUP, 1);
    w.close(wr);
    expect(ep.wait()).to.deep.equal([[0x10, 1]]);
  });

  it('goes round robin among level-triggered items (fd_epoll: max 2)', () => {
    const w = new World();
    const ep = epoll(w);
    const e = [eventfd(w, 1), eventfd(w, 1), eventfd(w, 1)];
    e.forEach((fd, i) => ep.add(fd, EPOLLIN, 11 + i));
    const data = (r: ReturnType<Ep['wait']>): number[] => (typeof r === 'number' ? [r] : r.map((x) => x[1]));
    expect(data(ep.wait(2))).to.deep.equal([11, 12]);
    expect(data(ep.wait(2))).to.deep.equal([13, 11]);
    expect(data(ep.wait(2))).to.deep.equal([12, 13]);
    expect(data(ep.wait(8))).to.deep.equal([11, 12, 13]);
  });

  it('returns the errors of epoll_ctl in Linux order', () => {
    const w = new World();
    const ep = epoll(w);
    const e1 = eventfd(w, 0), e2 = eventfd(w, 0);
    const [r] = w.pipe();
    ep.add(e1, EPOLLIN);
    expect(ep.add(e1, EPOLLIN)).to.equal(-EEXIST);
    expect(ep.mod(e2, EPOLLIN)).to.equal(-ENOENT);
    expect(ep.del(e2)).to.equal(-ENOENT);
    expect(ep.add(99, EPOLLIN)).to.equal(-EBADF);
    expect(new Ep(w, 99).add(e1, EPOLLIN)).to.equal(-EBADF);
    expect(new Ep(w, e1).add(e2, EPOLLIN)).to.equal(-EINVAL);
    expect(ep.add(ep.fd, EPOLLIN)).to.equal(-EINVAL);
    expect(ep.ctl(9, e1, 0)).to.equal(-EINVAL);
    expect(() => w.call('epoll_ctl', ep.fd, EPOLL_CTL_ADD, e2, 8)).to.throw(MemoryFault);
    expect(w.call('epoll_ctl', ep.fd, EPOLL_CTL_DEL, e1, 8)).to.equal(0);
    expect(ep.add(w.plainFile(), EPOLLIN)).to.equal(-EPERM);
    expect(ep.add(r, EPOLLIN | EPOLLEXCLUSIVE, 20)).to.equal(0);
    expect(ep.mod(r, EPOLLIN | EPOLLEXCLUSIVE)).to.equal(-EINVAL);
    expect(ep.mod(r, EPOLLIN)).to.equal(-EINVAL);
    expect(ep.add(e2, EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT)).to.equal(-EINVAL);
    expect(ep.del(r)).to.equal(0);
    expect(w.call('epoll_wait', ep.fd, ep.events, 0, 0)).to.equal(-EINVAL);
    expect(w.call('epoll_wait', 99, ep.events, 1, 0)).to.equal(-EBADF);
    expect(w.call('epoll_wait', e1, ep.events, 1, 0)).to.equal(-EINVAL);
  });

  it('keeps EPOLLWAKEUP only for privileged callers and always adds EPOLLERR|EPOLLHUP', () => {
    const w = new World();
    const ep = epoll(w);
    const e1 = eventfd(w, 0), e2 = eventfd(w, 0);
    ep.add(e1, EPOLLIN | EPOLLWAKEUP, 1);
    w.t.cred.euid = 1000;
    ep.add(e2, EPOLLIN | EPOLLWAKEUP, 2);
    expect(w.fdinfo(ep.fd)).to.match(new RegExp(`tfd: +${e1} events: 20000019 .*\ntfd: +${e2} events: +19 `));
  });

  it('writes a faulting event array as EFAULT and keeps the event for the next call', () => {
    const w = new World();
    const ep = epoll(w);
    const e1 = eventfd(w, 1);
    ep.add(e1, EPOLLIN, 9);
    expect(w.call('epoll_wait', ep.fd, 8, 1, 0)).to.equal(-EFAULT);
    expect(ep.wait()).to.deep.equal([[EPOLLIN, 9]]);
  });

  it('keeps an item while any fd refers to the file description, and drops it with the last', () => {
    const w = new World();
    const ep = epoll(w);
    const e1 = eventfd(w, 1);
    const dup = w.t.files.dup(e1);
    expect(ep.add(e1, EPOLLIN, 31)).to.equal(0);
    w.close(e1);
    expect(ep.wait()).to.deep.equal([[EPOLLIN, 31]]);
    expect(ep.del(e1)).to.equal(-EBADF);
    w.close(dup);
    expect(ep.wait()).to.deep.equal([]);
    const again = eventfd(w, 1);
    expect(again).to.equal(e1);
    expect(ep.add(again, EPOLLIN, 32)).to.equal(0);
    expect(ep.wait()).to.deep.equal([[EPOLLIN, 32]]);
    expect(w.fdinfo(ep.fd).split('\n').length).to.equal(2);
  });

  it('nests: an epoll is readable when an inner item is ready; loops and deep chains are ELOOP', () => {
    const w = new World();
    const ep = epoll(w), outer = epoll(w);
    const e2 = eventfd(w, 1);
    ep.add(e2, EPOLLIN, 12);
    expect(outer.add(ep.fd, EPOLLIN, 40)).to.equal(0);
    expect(outer.wait()).to.deep.equal([[EPOLLIN, 40]]);
    expect(w.poll(ep.fd)).to.equal(POLLIN | 0x40);
    expect(ep.add(outer.fd, EPOLLIN)).to.equal(-ELOOP);
    expect(epoll(w).add(outer.fd, EPOLLIN | EPOLLEXCLUSIVE)).to.equal(-EINVAL);
    drain(w, e2);
    expect(outer.wait()).to.deep.equal([]);
    expect(w.poll(ep.fd)).to.equal(0);
    const chain = Array.from({ length: 7 }, () => epoll(w));
    const results = chain.slice(0, 6).map((c, i) => c.add(chain[i + 1].fd, EPOLLIN, i));
    results.push(chain[6].add(chain[0].fd, EPOLLIN));
    expect(results).to.deep.equal([0, 0, 0, 0, -ELOOP, 0, -ELOOP]);
  });

  it('wakes an enclosing epoll when an inner item becomes ready, and forgets a closed inner epoll', () => {
    const w = new World();
    const inner = epoll(w), outer = epoll(w);
    const e = eventfd(w, 0);
    inner.add(e, EPOLLIN, 1);
    outer.add(inner.fd, EPOLLIN | EPOLLET, 2);
    expect(outer.wait()).to.deep.equal([]);
    w.write(e, w.u64(1n), 8);
    expect(outer.wait()).to.deep.equal([[EPOLLIN, 2]]);
    expect(outer.wait()).to.deep.equal([]);
    w.close(inner.fd);
    expect(w.fdinfo(outer.fd)).to.equal('');
  });

  it('blocks on an empty instance and is woken when an item becomes ready', () => {
    const w = new World();
    const ep = epoll(w);
    const [r, wr] = w.pipe();
    ep.add(r, EPOLLIN, 7);
    expect(w.call('epoll_wait', ep.fd, ep.events, 4, -1)).to.equal(BLOCK);
    expect(w.t.waitingOn.length).to.equal(1);
    expect(w.t.deadline).to.equal(null);
    send(w, wr, 'go');
    expect(w.t.woken).to.equal(1);
    w.t.resetWait();
    expect(w.call('epoll_wait', ep.fd, ep.events, 4, -1)).to.equal(1);
    expect(w.mem.readU32(ep.events)).to.equal(EPOLLIN);
  });

  it('returns EINTR when a signal is pending and nothing is ready (never restarted)', () => {
    const w = new World();
    const ep = epoll(w);
    w.t.pendingSignal = true;
    expect(w.call('epoll_wait', ep.fd, ep.events, 4, -1)).to.equal(-EINTR);
    const e = eventfd(w, 1);
    ep.add(e, EPOLLIN, 1);
    expect(w.call('epoll_wait', ep.fd, ep.events, 4, -1)).to.equal(1);
  });

  it('keeps the timeout\'s deadline across retries and returns 0 once it passes', () => {
    const w = new World();
    const ep = epoll(w);
    const start = w.clock.now(1);
    expect(w.call('epoll_wait', ep.fd, ep.events, 4, 50)).to.equal(BLOCK);
    expect(w.t.deadline).to.equal(start + 50 * MS);
    w.clock.advance(20 * MS);
    w.t.resetWait();
    expect(w.call('epoll_wait', ep.fd, ep.events, 4, 50)).to.equal(BLOCK);
    expect(w.t.deadline).to.equal(start + 50 * MS);
    w.clock.advance(30 * MS);
    w.t.resetWait();
    expect(w.call('epoll_wait', ep.fd, ep.events, 4, 50)).to.equal(0);
    // A new call starts a new timeout.
    expect(w.call('epoll_wait', ep.fd, ep.events, 4, 50)).to.equal(BLOCK);
    expect(w.t.deadline).to.equal(start + 100 * MS);
  });

  it('epoll_pwait swaps in the signal mask; epoll_pwait2 takes a timespec', () => {
    const w = new World();
    const ep = epoll(w);
    const m = w.alloc(8);
    w.mem.writeU32(m, 1 << 9);
    expect(w.call('epoll_pwait', ep.fd, ep.events, 2, 0, m, 8)).to.equal(0);
    expect(w.t.tempMask).to.deep.equal({ lo: 1 << 9, hi: 0 });
    expect(w.call('epoll_pwait', ep.fd, ep.events, 2, 0, m, 4)).to.equal(-EINVAL);
    const ts = w.alloc(16);
    expect(w.call('epoll_pwait2', ep.fd, ep.events, 2, ts, 0, 8)).to.equal(0);
    w.mem.writeU64(ts + 8, 1e9);
    expect(w.call('epoll_pwait2', ep.fd, ep.events, 2, ts, 0, 8)).to.equal(-EINVAL);
    w.mem.writeU64(ts + 8, 20 * MS);
    const start = w.clock.now(1);
    expect(w.call('epoll_pwait2', ep.fd, ep.events, 2, ts, 0, 8)).to.equal(BLOCK);
    expect(w.t.deadline).to.equal(start + 20 * MS);
    w.t.resetWait();
    expect(w.call('epoll_pwait2', ep.fd, ep.events, 2, 0, 0, 8)).to.equal(BLOCK);
    expect(w.t.deadline).to.equal(null);
  });

  it('prints one fdinfo line per item as ep_show_fdinfo does', () => {
    const w = new World();
    const ep = epoll(w);
    const e = eventfd(w, 0);
    ep.add(e, EPOLLIN | EPOLLET, 0x1122334455667788n);
    ep.add(w.call('timerfd_create', 1, 0), EPOLLOUT | EPOLLONESHOT, 7);
    expect(w.fdinfo(ep.fd)).to.equal(
      `tfd: ${String(e).padStart(8)} events: 80000019 data: 1122334455667788  pos:0 ino:40e sdev:10\n` +
      `tfd: ${String(e + 1).padStart(8)} events: 4000001c data:                7  pos:0 ino:40e sdev:10\n`);
  });
});
