import { expect } from 'chai';
import { MemoryFault } from '../../../cpu/memory.js';
import { EAGAIN, EBADF, EINVAL } from '../../../kernel/errno.js';
import { O_NONBLOCK, O_RDWR, POLLIN } from '../../../kernel/file.js';
import { encodeSiginfo, layout } from '../../../kernel/special/index.js';
import { FakeTask, World } from './harness.js';

const { SFD_CLOEXEC, SFD_NONBLOCK, SIGNALFD_SIGINFO: S } = layout;
const SIGINT = 2, SIGKILL = 9, SIGUSR1 = 10, SIGUSR2 = 12, SIGTERM = 15, SIGSTOP = 19, SIGCHLD = 17, SIGSEGV = 11;
const SI_USER = 0, SI_QUEUE = -1, SI_TIMER = -2, SI_TKILL = -6;

function mask(w: World, ...sigs: number[]): number {
  const a = w.alloc(8);
  let lo = 0, hi = 0;
  for (const s of sigs) if (s <= 32) lo |= 1 << (s - 1); else hi |= 1 << (s - 33);
  w.mem.writeU32(a, lo >>> 0);
  w.mem.writeU32(a + 4, hi >>> 0);
  return a;
}

describe('special/signalfd', () => {
  it('creates an anon_inode:[signalfd] file and drops SIGKILL and SIGSTOP from the mask (fdinfo sigmask)', () => {
    const w = new World();
    const fd = w.call('signalfd4', -1, mask(w, SIGUSR1, SIGUSR2, SIGKILL, SIGSTOP), 8, SFD_NONBLOCK | SFD_CLOEXEC);
    expect(fd).to.be.at.least(0);
    expect(w.file(fd).path).to.equal('anon_inode:[signalfd]');
    expect(w.file(fd).flags).to.equal(O_RDWR | O_NONBLOCK);
    expect(w.t.files.getCloexec(fd)).to.equal(true);
    expect(w.fdinfo(fd)).to.equal('sigmask:\t0000000000000a00\n');
    const rt = w.call('signalfd', -1, mask(w, SIGINT, SIGUSR1, 40), 8);
    expect(w.fdinfo(rt)).to.equal('sigmask:\t0000008000000202\n');
  });

  it('checks sizemask, then the mask pointer, then flags, then the fd', () => {
    const w = new World();
    const efd = w.call('eventfd', 0);
    expect(w.call('signalfd4', -1, mask(w, SIGUSR1), 4, 0)).to.equal(-EINVAL);
    expect(w.call('signalfd4', -1, 8, 4, 0)).to.equal(-EINVAL);
    expect(() => w.call('signalfd4', -1, 8, 8, 0)).to.throw(MemoryFault);
    expect(w.call('signalfd4', -1, mask(w, SIGUSR1), 8, 1)).to.equal(-EINVAL);
    expect(w.call('signalfd4', 99, mask(w, SIGUSR1), 8, 0)).to.equal(-EBADF);
    expect(w.call('signalfd4', -2, mask(w, SIGUSR1), 8, 0)).to.equal(-EBADF);
    expect(w.call('signalfd4', efd, mask(w, SIGUSR1), 8, 0)).to.equal(-EINVAL);
  });

  it('reads pending signals of its set as 128-byte records, lowest number first, several per read', () => {
    const w = new World();
    const fd = w.call('signalfd4', -1, mask(w, SIGUSR1, SIGUSR2), 8, SFD_NONBLOCK);
    const buf = w.alloc(4 * S.size);
    expect(w.read(fd, buf, S.size)).to.equal(-EAGAIN);
    expect(w.poll(fd)).to.equal(0);
    w.signals.send(w.t, { signo: SIGUSR2, code: SI_USER, pid: 100, uid: 0 });
    w.signals.send(w.t, { signo: SIGUSR1, code: SI_TKILL, pid: 100, uid: 0 });
    w.signals.send(w.t, { signo: SIGTERM, code: SI_USER, pid: 100, uid: 0 });
    expect(w.poll(fd)).to.equal(POLLIN);
    expect(w.read(fd, buf, 100)).to.equal(-EINVAL);
    expect(w.read(fd, buf, 4 * S.size)).to.equal(2 * S.size);
    expect(w.mem.readU32(buf + S.ssi_signo)).to.equal(SIGUSR1);
    expect(w.mem.readI32(buf + S.ssi_code)).to.equal(SI_TKILL);
    expect(w.mem.readU32(buf + S.ssi_pid)).to.equal(100);
    expect(w.mem.readU32(buf + S.size + S.ssi_signo)).to.equal(SIGUSR2);
    expect(w.mem.readI32(buf + S.size + S.ssi_code)).to.equal(SI_USER);
    expect(w.poll(fd)).to.equal(0);
    // SIGTERM is not in the set: still pending.
    expect(w.signals.pending(w.t).lo).to.equal(1 << (SIGTERM - 1));
  });

  it('updates the mask of an existing signalfd and wakes its pollers', () => {
    const w = new World();
    const fd = w.call('signalfd4', -1, mask(w, SIGUSR1), 8, SFD_NONBLOCK);
    w.signals.send(w.t, { signo: SIGTERM, code: SI_USER });
    let woke = 0;
    w.signals.queue(w.t).add(() => { woke++; });
    expect(w.poll(fd)).to.equal(0);
    expect(w.call('signalfd4', fd, mask(w, SIGTERM, 36), 8, 0)).to.equal(fd);
    expect(woke).to.equal(1);
    expect(w.fdinfo(fd)).to.equal('sigmask:\t0000000800004000\n');
    expect(w.poll(fd)).to.equal(POLLIN);
    // The update does not change the file's flags.
    expect(w.file(fd).flags & O_NONBLOCK).to.equal(O_NONBLOCK);
  });

  it('fills the union per siginfo layout: sigqueue (int and ptr), timers, SIGCHLD, faults', () => {
    const q = encodeSiginfo({ signo: 36, code: SI_QUEUE, pid: 7, uid: 1000, value: 1234 });
    const dv = (b: Uint8Array): DataView => new DataView(b.buffer);
    expect(q.length).to.equal(128);
    expect(dv(q).getInt32(S.ssi_code, true)).to.equal(SI_QUEUE);
    expect(dv(q).getUint32(S.ssi_pid, true)).to.equal(7);
    expect(dv(q).getUint32(S.ssi_uid, true)).to.equal(1000);
    expect(dv(q).getInt32(S.ssi_int, true)).to.equal(1234);
    expect(dv(q).getBigUint64(S.ssi_ptr, true)).to.equal(1234n);
    const t = encodeSiginfo({ signo: 34, code: SI_TIMER, timerId: 3, overrun: 2, value: 0x1_0000_0005 });
    expect(dv(t).getUint32(S.ssi_tid, true)).to.equal(3);
    expect(dv(t).getUint32(S.ssi_overrun, true)).to.equal(2);
    expect(dv(t).getBigUint64(S.ssi_ptr, true)).to.equal(0x1_0000_0005n);
    expect(dv(t).getInt32(S.ssi_int, true)).to.equal(5);
    expect(dv(t).getUint32(S.ssi_pid, true)).to.equal(0);
    const c = encodeSiginfo({ signo: SIGCHLD, code: 1, pid: 42, uid: 5, status: 3, utime: 10, stime: 20 });
    expect(dv(c).getUint32(S.ssi_pid, true)).to.equal(42);
    expect(dv(c).getInt32(S.ssi_status, true)).to.equal(3);
    expect(dv(c).getBigUint64(S.ssi_utime, true)).to.equal(10n);
    expect(dv(c).getBigUint64(S.ssi_stime, true)).to.equal(20n);
    const f = encodeSiginfo({ signo: SIGSEGV, code: 1, addr: 0xdead0000, pid: 99 });
    expect(dv(f).getBigUint64(S.ssi_addr, true)).to.equal(0xdead0000n);
    expect(dv(f).getUint32(S.ssi_pid, true)).to.equal(0);
    const k = encodeSiginfo({ signo: SIGUSR1, code: SI_USER, pid: 1, uid: 2, value: 77 });
    expect(dv(k).getBigUint64(S.ssi_ptr, true)).to.equal(0n);
    const s = encodeSiginfo({ signo: 31, code: 1, syscall: 59, callAddr: 0x401000, arch: 0xc000003e });
    expect(dv(s).getInt32(S.ssi_syscall, true)).to.equal(59);
    expect(dv(s).getBigUint64(S.ssi_call_addr, true)).to.equal(0x401000n);
    expect(dv(s).getUint32(S.ssi_arch, true)).to.equal(0xc000003e);
  });

  it('reads the reading task\'s signals when the generic read passes it, else the creator\'s', () => {
    const w = new World();
    const fd = w.call('signalfd4', -1, mask(w, SIGUSR1), 8, SFD_NONBLOCK);
    const other = new FakeTask(w.mem, 200, 200);
    other.files.install(w.file(fd).get(), false);
    w.signals.send(other, { signo: SIGUSR1, code: SI_USER, pid: 1 });
    const buf = w.alloc(S.size);
    expect(w.read(0, buf, S.size, other)).to.equal(-EAGAIN);
    expect(w.read(0, buf, S.size, other, true)).to.equal(S.size);
  });

  it('waits on the signal queue of its task', () => {
    const w = new World();
    const fd = w.call('signalfd4', -1, mask(w, SIGUSR1), 8, 0);
    const f = w.file(fd);
    expect(f.ops.waitQueue?.(f)).to.equal(w.signals.queue(w.t));
  });
});
