import { expect } from 'chai';
import { EAGAIN, EINVAL, EMFILE } from '../../../kernel/errno.js';
import { O_CLOEXEC, O_NONBLOCK, O_RDWR, POLLERR, POLLIN, POLLOUT } from '../../../kernel/file.js';
import { layout } from '../../../kernel/special/index.js';
import { World } from './harness.js';

const { EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE } = layout;
const MAX = 0xffff_ffff_ffff_ffffn;

describe('special/eventfd', () => {
  it('creates an anon_inode:[eventfd] O_RDWR file, with NONBLOCK and CLOEXEC as asked', () => {
    const w = new World();
    const fd = w.call('eventfd2', 0, EFD_NONBLOCK | EFD_CLOEXEC);
    expect(fd).to.equal(0);
    const f = w.file(fd);
    expect(f.path).to.equal('anon_inode:[eventfd]');
    expect(f.flags & (O_RDWR | O_NONBLOCK | O_CLOEXEC)).to.equal(O_RDWR | O_NONBLOCK);
    expect(w.t.files.getCloexec(fd)).to.equal(true);
    const plain = w.call('eventfd', 5);
    expect(w.file(plain).flags).to.equal(O_RDWR);
    expect(w.t.files.getCloexec(plain)).to.equal(false);
  });

  it('refuses unknown flags with EINVAL and a full fd table with EMFILE', () => {
    const w = new World();
    expect(w.call('eventfd2', 0, 0x10)).to.equal(-EINVAL);
    w.t.files.limit = 0;
    expect(w.call('eventfd2', 0, 0)).to.equal(-EMFILE);
  });

  it('adds writes to the counter; a read returns it and zeroes it (fd_eventfd: 5 + 7 = 12)', () => {
    const w = new World();
    const fd = w.call('eventfd2', 0, EFD_NONBLOCK);
    const buf = w.alloc(16);
    expect(w.read(fd, buf, 8)).to.equal(-EAGAIN);
    expect(w.poll(fd)).to.equal(POLLOUT);
    expect(w.write(fd, w.u64(5n), 8)).to.equal(8);
    expect(w.write(fd, w.u64(7n), 8)).to.equal(8);
    expect(w.poll(fd)).to.equal(POLLIN | POLLOUT);
    expect(w.read(fd, buf, 16)).to.equal(8);
    expect(w.readU64(buf)).to.equal(12n);
    expect(w.read(fd, buf, 8)).to.equal(-EAGAIN);
  });

  it('needs 8-byte buffers and refuses to add 0xffffffffffffffff', () => {
    const w = new World();
    const fd = w.call('eventfd2', 1, EFD_NONBLOCK);
    const buf = w.alloc(8);
    expect(w.read(fd, buf, 4)).to.equal(-EINVAL);
    expect(w.write(fd, buf, 4)).to.equal(-EINVAL);
    expect(w.write(fd, w.u64(MAX), 8)).to.equal(-EINVAL);
  });

  it('saturates at 0xfffffffffffffffe: further writes would block (EAGAIN), writing 0 still succeeds', () => {
    const w = new World();
    const fd = w.call('eventfd2', 0, EFD_NONBLOCK);
    expect(w.write(fd, w.u64(MAX - 1n), 8)).to.equal(8);
    expect(w.poll(fd)).to.equal(POLLIN);
    expect(w.write(fd, w.u64(1n), 8)).to.equal(-EAGAIN);
    expect(w.write(fd, w.u64(0n), 8)).to.equal(8);
    expect(w.fdinfo(fd)).to.equal('eventfd-count: fffffffffffffffe\neventfd-id: 0\neventfd-semaphore: 0\n');
    const buf = w.alloc(8);
    expect(w.read(fd, buf, 8)).to.equal(8);
    expect(w.readU64(buf)).to.equal(MAX - 1n);
    expect(w.poll(fd) & POLLERR).to.equal(0);
  });

  it('in semaphore mode reads return 1 and decrement (fd_eventfd: 1, 1, 1, EAGAIN)', () => {
    const w = new World();
    const fd = w.call('eventfd2', 3, EFD_SEMAPHORE | EFD_NONBLOCK);
    const buf = w.alloc(8);
    const got: (number | bigint)[] = [];
    for (let i = 0; i < 4; i++) {
      const r = w.read(fd, buf, 8);
      got.push(r < 0 ? r : w.readU64(buf));
    }
    expect(got).to.deep.equal([1n, 1n, 1n, -EAGAIN]);
    expect(w.fdinfo(fd)).to.match(/^eventfd-count:\s+0\neventfd-id: \d+\neventfd-semaphore: 1\n$/);
  });

  it('wakes readers when written and writers when read', () => {
    const w = new World();
    const fd = w.call('eventfd2', 0, 0);
    const f = w.file(fd);
    const q = f.ops.waitQueue?.(f);
    let wakes = 0;
    q?.add(() => { wakes++; });
    w.write(fd, w.u64(1n), 8);
    expect(wakes).to.equal(1);
    q?.add(() => { wakes++; });
    w.read(fd, w.alloc(8), 8);
    expect(wakes).to.equal(2);
  });

  it('prints the counter in fdinfo as "%16llx" and allocates the lowest free eventfd-id', () => {
    const w = new World();
    const a = w.call('eventfd2', 12, 0);
    const b = w.call('eventfd2', 0x123456789, 0);
    expect(w.fdinfo(a)).to.equal('eventfd-count:                c\neventfd-id: 0\neventfd-semaphore: 0\n');
    expect(w.fdinfo(b)).to.contain('eventfd-count:         23456789\neventfd-id: 1\n');
    w.close(a);
    const c = w.call('eventfd2', 0, EFD_SEMAPHORE);
    expect(w.fdinfo(c)).to.contain('eventfd-id: 0\neventfd-semaphore: 1\n');
  });

  it('seeks nowhere (noop_llseek returns the position)', () => {
    const w = new World();
    const fd = w.call('eventfd', 0);
    const f = w.file(fd);
    expect(f.ops.seek?.(f, 100, 0)).to.equal(0);
  });
});
