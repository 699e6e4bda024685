/** fcntl record locks (POSIX and OFD) and flock between guest processes. */
import { expect } from 'chai';
import { BLOCK } from '../../../kernel/wait.js';
import { E, O, type FakeTask, type Sandbox, makeWorld } from './helpers.js';

const F_GETLK = 5, F_SETLK = 6, F_SETLKW = 7, F_OFD_GETLK = 36, F_OFD_SETLK = 37;
const RD = 0, WR = 1, UN = 2;

describe('kernel/fs file locks', () => {
  let sb: Sandbox;
  let a: FakeTask;
  let b: FakeTask;
  beforeEach(() => {
    const w = makeWorld();
    sb = w.sb;
    a = w.task(100);
    b = w.task(200);
    const fd = a.open('/tmp/lockme', O.CREAT | O.RDWR);
    a.write(fd, 'x'.repeat(100));
    a.sys('close', fd);
  });
  afterEach(() => sb.cleanup());

  function flock(t: FakeTask, type: number, start: number, len: number, whence = 0): number {
    const p = t.alloc(32);
    t.mem.fill(p, 32, 0);
    t.mem.writeU16(p, type); t.mem.writeU16(p + 2, whence);
    t.mem.writeU64(p + 8, start); t.mem.writeU64(p + 16, len);
    return p;
  }
  const lk = (t: FakeTask, p: number): { type: number; start: number; len: number; pid: number } => ({
    type: t.mem.readU16(p), start: t.mem.readI64(p + 8), len: t.mem.readI64(p + 16), pid: t.mem.readI32(p + 24),
  });

  it('detects conflicts between processes and reports the holder', () => {
    const fa = a.open('/tmp/lockme', O.RDWR), fb = b.open('/tmp/lockme', O.RDWR);
    expect(a.sys('fcntl', fa, F_SETLK, flock(a, WR, 10, 20))).to.equal(0);
    expect(b.sys('fcntl', fb, F_SETLK, flock(b, RD, 25, 10))).to.equal(E.EAGAIN);
    expect(b.sys('fcntl', fb, F_SETLK, flock(b, WR, 30, 10))).to.equal(0);
    const q = flock(b, RD, 0, 0);
    expect(b.sys('fcntl', fb, F_GETLK, q)).to.equal(0);
    expect(lk(b, q)).to.deep.equal({ type: WR, start: 10, len: 20, pid: 100 });
    const q2 = flock(a, RD, 40, 5);
    expect(a.sys('fcntl', fa, F_GETLK, q2)).to.equal(0);
    expect(lk(a, q2).type).to.equal(UN);
    // Same owner: locks never conflict and are split on unlock.
    expect(a.sys('fcntl', fa, F_SETLK, flock(a, RD, 0, 0))).to.equal(E.EAGAIN);
    expect(a.sys('fcntl', fa, F_SETLK, flock(a, UN, 15, 5))).to.equal(0);
    expect(b.sys('fcntl', fb, F_SETLK, flock(b, WR, 15, 5))).to.equal(0);
    expect(b.sys('fcntl', fb, F_SETLK, flock(b, WR, 20, 5))).to.equal(E.EAGAIN);
    // Negative length counts backwards; whence SEEK_END uses the size.
    expect(b.sys('fcntl', fb, F_SETLK, flock(b, RD, 5, -5))).to.equal(0);
    expect(b.sys('fcntl', fb, F_SETLK, flock(b, RD, -200, 1, 2))).to.equal(E.EINVAL);
    expect(b.sys('fcntl', fb, F_SETLK, flock(b, 7, 0, 1))).to.equal(E.EINVAL);
    const ro = b.open('/tmp/lockme', O.RDONLY);
    expect(b.sys('fcntl', ro, F_SETLK, flock(b, WR, 90, 1))).to.equal(E.EBADF);
  });

  it('drops a process’s locks when it closes any fd of the file', () => {
    const fa = a.open('/tmp/lockme', O.RDWR), fa2 = a.open('/tmp/lockme', O.RDONLY), fb = b.open('/tmp/lockme', O.RDWR);
    expect(a.sys('fcntl', fa, F_SETLK, flock(a, WR, 0, 0))).to.equal(0);
    expect(b.sys('fcntl', fb, F_SETLK, flock(b, WR, 0, 1))).to.equal(E.EAGAIN);
    a.sys('close', fa2);
    expect(b.sys('fcntl', fb, F_SETLK, flock(b, WR, 0, 1))).to.equal(0);
    b.files.closeAll(200);
    expect(a.sys('fcntl', fa, F_SETLK, flock(a, WR, 0, 0))).to.equal(0);
  });

  it('blocks F_SETLKW until the holder unlocks and detects deadlock', () => {
    const fa = a.open('/tmp/lockme', O.RDWR), fb = b.open('/tmp/lockme', O.RDWR);
    expect(a.sys('fcntl', fa, F_SETLK, flock(a, WR, 0, 10))).to.equal(0);
    expect(b.sys('fcntl', fb, F_SETLK, flock(b, WR, 50, 10))).to.equal(0);
    b.resetWaits();
    const req = flock(b, WR, 0, 10);
    expect(b.sys('fcntl', fb, F_SETLKW, req)).to.equal(BLOCK);
    expect(b.waits.length).to.equal(1);
    // a now waits for b's range while b waits for a's: EDEADLK.
    expect(a.sys('fcntl', fa, F_SETLKW, flock(a, WR, 50, 10))).to.equal(E.EDEADLK);
    let woken = false;
    b.waits[0].add(() => { woken = true; });
    expect(a.sys('fcntl', fa, F_SETLK, flock(a, UN, 0, 10))).to.equal(0);
    expect(woken).to.equal(true);
    expect(b.sys('fcntl', fb, F_SETLKW, req)).to.equal(0);
    b.pending = true;
    expect(a.sys('fcntl', fa, F_SETLK, flock(a, WR, 0, 1))).to.equal(E.EAGAIN);
  });

  it('gives OFD locks to the open file description', () => {
    const f1 = a.open('/tmp/lockme', O.RDWR), f2 = a.open('/tmp/lockme', O.RDWR);
    expect(a.sys('fcntl', f1, F_OFD_SETLK, flock(a, WR, 0, 10))).to.equal(0);
    expect(a.sys('fcntl', f2, F_OFD_SETLK, flock(a, WR, 5, 1))).to.equal(E.EAGAIN);
    const q = flock(a, WR, 0, 1);
    expect(a.sys('fcntl', f2, F_OFD_GETLK, q)).to.equal(0);
    expect(lk(a, q)).to.deep.include({ type: WR, pid: -1 });
    const bad = flock(a, WR, 0, 1);
    a.mem.writeU32(bad + 24, 5);
    expect(a.sys('fcntl', f2, F_OFD_SETLK, bad)).to.equal(E.EINVAL);
    const d = a.sys('dup', f1);
    a.sys('close', f1);
    expect(a.sys('fcntl', f2, F_OFD_SETLK, flock(a, WR, 5, 1))).to.equal(E.EAGAIN);
    a.sys('close', d);
    expect(a.sys('fcntl', f2, F_OFD_SETLK, flock(a, WR, 5, 1))).to.equal(0);
  });

  it('implements flock() shared and exclusive locks', () => {
    const fa = a.open('/tmp/lockme'), fb = b.open('/tmp/lockme');
    expect(a.sys('flock', fa, 1)).to.equal(0);
    expect(b.sys('flock', fb, 1)).to.equal(0);
    expect(b.sys('flock', fb, 2 | 4)).to.equal(E.EAGAIN);
    b.resetWaits();
    expect(b.sys('flock', fb, 2)).to.equal(BLOCK);
    expect(a.sys('flock', fa, 8)).to.equal(0);
    expect(b.sys('flock', fb, 2)).to.equal(0);
    expect(a.sys('flock', fa, 1 | 4)).to.equal(E.EAGAIN);
    b.sys('close', fb);
    expect(a.sys('flock', fa, 2 | 4)).to.equal(0);
    expect(a.sys('flock', fa, 3)).to.equal(E.EINVAL);
  });
});
