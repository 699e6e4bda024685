/** Pipes, FIFOs, and poll/select/ppoll/pselect6 over them. */
import { expect } from 'chai';
import { BLOCK } from '../../../kernel/wait.js';
import { E, O, type FakeTask, type Sandbox, makeWorld } from './helpers.js';

describe('kernel/fs pipes and polling', () => {
  let sb: Sandbox;
  let t: FakeTask;
  let make: (pid?: number) => FakeTask;
  beforeEach(() => { const w = makeWorld(); sb = w.sb; make = w.task; t = w.task(); });
  afterEach(() => sb.cleanup());

  function pipe(flags = 0): [number, number] {
    const fds = t.alloc(8);
    expect(t.sys('pipe2', fds, flags)).to.equal(0);
    return [t.mem.readI32(fds), t.mem.readI32(fds + 4)];
  }

  it('moves bytes, blocks when empty, and gives EOF when writers close', () => {
    const [r, w] = pipe();
    expect(t.sys('fcntl', r, 3)).to.equal(0);
    expect(t.sys('fcntl', w, 3)).to.equal(1);
    expect(t.cat(`/proc/self/fdinfo/${w}`) as string).to.match(/^pos:\t0\nflags:\t01\nmnt_id:\t\d+\nino:\t\d+\n$/);
    expect(t.write(w, 'hello')).to.equal(5);
    expect(t.readStr(r, 3)).to.equal('hel');
    expect(t.readStr(r)).to.equal('lo');
    t.resetWaits();
    expect(t.readStr(r)).to.equal(BLOCK);
    expect(t.waits.length).to.equal(1);
    let woken = false;
    t.waits[0].add(() => { woken = true; });
    t.write(w, 'x');
    expect(woken).to.equal(true);
    expect(t.readStr(r)).to.equal('x');
    t.pending = true;
    expect(t.readStr(r)).to.equal(E.ERESTARTSYS);
    t.pending = false;
    expect(t.sys('close', w)).to.equal(0);
    expect(t.readStr(r)).to.equal('');
    const st = t.alloc(144);
    expect(t.sys('fstat', r, st)).to.equal(0);
    expect(t.mem.readU32(st + 24)).to.equal(0o10600);
    expect(t.readlink(`/proc/self/fd/${r}`)).to.match(/^pipe:\[\d+\]$/);
    expect(t.sys('lseek', r, 0, 0)).to.equal(E.ESPIPE);
    expect(t.sys('pread64', r, st, 1, 0)).to.equal(E.ESPIPE);
  });

  it('raises SIGPIPE and EPIPE for a write with no reader', () => {
    const [r, w] = pipe();
    t.sys('close', r);
    expect(t.write(w, 'x')).to.equal(E.EPIPE);
    expect(t.signals).to.deep.equal([13]);
    expect(t.write(w, '')).to.equal(0);
  });

  it('fills to 64 KiB, keeps PIPE_BUF writes atomic, and honours O_NONBLOCK', () => {
    const [r, w] = pipe(O.NONBLOCK);
    const chunk = 'a'.repeat(62000);
    expect(t.write(w, chunk)).to.equal(62000);
    expect(t.write(w, 'b'.repeat(4000))).to.equal(E.EAGAIN);   // atomic: does not fit whole
    expect(t.write(w, 'c'.repeat(10000))).to.equal(3536);      // larger than PIPE_BUF: partial
    expect(t.write(w, 'd')).to.equal(E.EAGAIN);
    expect(t.sys('fcntl', w, 1032)).to.equal(65536);
    const n = t.alloc(4);
    expect(t.sys('ioctl', r, 0x541b, n)).to.equal(0);
    expect(t.mem.readU32(n)).to.equal(65536);
    expect((t.readStr(r, 70000) as string).length).to.equal(65536);
    expect(t.readStr(r)).to.equal(E.EAGAIN);
    expect(t.sys('fcntl', w, 1031, 100000)).to.equal(131072);
    expect(t.sys('fcntl', w, 1032)).to.equal(131072);
    expect(t.sys('fcntl', w, 1031, 1 << 21)).to.equal(131072 * 16);
    t.cred = { ...t.cred, euid: 1000 };
    expect(t.sys('fcntl', w, 1031, 1 << 21)).to.equal(E.EPERM);
  });

  it('blocks a full blocking pipe writer until a reader makes room', () => {
    const [r, w] = pipe();
    expect(t.write(w, 'z'.repeat(65536))).to.equal(65536);
    t.resetWaits();
    expect(t.write(w, 'y')).to.equal(BLOCK);
    t.readStr(r, 10);
    expect(t.write(w, 'y')).to.equal(1);
  });

  it('opens FIFOs with Linux blocking rules', () => {
    expect(t.sys('mknod', t.str('/tmp/f'), 0o10600, 0)).to.equal(0);
    expect(t.open('/tmp/f', O.WRONLY | O.NONBLOCK)).to.equal(E.ENXIO);
    const rd = t.open('/tmp/f', O.RDONLY | O.NONBLOCK);
    expect(rd).to.be.at.least(0);
    expect(t.readStr(rd)).to.equal('');
    const w = t.open('/tmp/f', O.WRONLY | O.NONBLOCK);
    expect(w).to.be.at.least(0);
    t.write(w, 'via fifo');
    expect(t.readStr(rd)).to.equal('via fifo');
    t.sys('close', w); t.sys('close', rd);
    // A blocking reader waits for a writer; the writer does not wait because the reader counts already.
    const reader = make(200);
    t.resetWaits();
    expect(reader.open('/tmp/f', O.RDONLY)).to.equal(BLOCK);
    expect(reader.open('/tmp/f', O.RDONLY)).to.equal(BLOCK);
    const wfd = t.open('/tmp/f', O.WRONLY);
    expect(wfd).to.be.at.least(0);
    const rfd = reader.open('/tmp/f', O.RDONLY);
    expect(rfd).to.be.at.least(0);
    t.write(wfd, 'hi');
    expect(reader.readStr(rfd)).to.equal('hi');
    t.sys('close', wfd);
    expect(reader.readStr(rfd)).to.equal('');
    // An interrupted blocking open gives up its place.
    const w2 = make(300);
    expect(w2.open('/tmp/f', O.WRONLY)).to.equal(0);  // the reader is still open
    reader.sys('close', rfd);
    w2.sys('close', 0);
    const w3 = make(301);
    expect(w3.open('/tmp/f', O.WRONLY)).to.equal(BLOCK);
    w3.pending = true;
    expect(w3.open('/tmp/f', O.WRONLY)).to.equal(E.ERESTARTSYS);
    expect(t.open('/tmp/f', O.WRONLY | O.NONBLOCK)).to.equal(E.ENXIO);
    const rw = t.open('/tmp/f', O.RDWR);
    expect(rw).to.be.at.least(0);
    // FIFOs on the host root are in-kernel pipes too.
    expect(t.sys('mknod', t.str('/home/user/hf'), 0o10644, 0)).to.equal(0);
    const hr = t.open('/home/user/hf', O.RDWR);
    t.write(hr, 'host fifo');
    expect(t.readStr(hr)).to.equal('host fifo');
  });

  it('polls pipes, regular files and bad fds', () => {
    const [r, w] = pipe();
    const file = t.open('/etc/hostname');
    const pfd = t.alloc(32);
    const set = (i: number, fd: number, ev: number): void => { t.mem.writeU32(pfd + 8 * i, fd); t.mem.writeU16(pfd + 8 * i + 4, ev); };
    const rev = (i: number): number => t.mem.readU16(pfd + 8 * i + 6);
    set(0, r, 1); set(1, w, 4); set(2, file, 1); set(3, 99, 1);
    expect(t.sys('poll', pfd, 4, 0)).to.equal(3);
    expect([rev(0), rev(1), rev(2), rev(3)]).to.deep.equal([0, 4, 1, 0x20]);
    set(0, r, 1);
    t.resetWaits();
    expect(t.sys('poll', pfd, 1, -1)).to.equal(BLOCK);
    expect(t.waits.length).to.equal(1);
    expect(t.deadline).to.equal(Infinity);
    expect(t.sys('poll', pfd, 1, 0)).to.equal(0);
    t.write(w, 'x');
    expect(t.sys('poll', pfd, 1, -1)).to.equal(1);
    expect(rev(0)).to.equal(1);
    t.sys('close', w);
    t.readStr(r);
    expect(t.sys('poll', pfd, 1, 1000)).to.equal(1);
    expect(rev(0)).to.equal(0x10);
    set(0, -1, 1);
    expect(t.sys('poll', pfd, 1, 0)).to.equal(0);
    expect(t.sys('poll', pfd, 100000, 0)).to.equal(E.EINVAL);
  });

  it('keeps the first deadline across retries and reports a timeout and EINTR', () => {
    const [r] = pipe();
    const pfd = t.alloc(8);
    t.mem.writeU32(pfd, r); t.mem.writeU16(pfd + 4, 1);
    t.resetWaits();
    expect(t.sys('poll', pfd, 1, 50)).to.equal(BLOCK);
    const first = t.deadline;
    expect(first).to.be.lessThan(Infinity);
    t.resetWaits();
    expect(t.sys('poll', pfd, 1, 50)).to.equal(BLOCK);
    expect(t.deadline).to.equal(first);
    t.pending = true;
    expect(t.sys('poll', pfd, 1, 50)).to.equal(E.EINTR);
    t.pending = false;
    t.resetWaits();
    expect(t.sys('poll', pfd, 1, 50)).to.equal(BLOCK);
    expect(t.deadline).to.be.at.least(first);
    // ppoll with a zero timeout returns at once; its mask is installed.
    const ts = t.alloc(16);
    t.mem.writeU64(ts, 0); t.mem.writeU64(ts + 8, 0);
    const mask = t.alloc(8);
    t.mem.writeU32(mask, 0x1234); t.mem.writeU32(mask + 4, 0);
    expect(t.sys('ppoll', pfd, 1, ts, mask, 8)).to.equal(0);
    expect(t.masks).to.deep.equal([[0x1234, 0]]);
    expect(t.sys('ppoll', pfd, 1, ts, mask, 4)).to.equal(E.EINVAL);
    t.mem.writeU64(ts + 8, 2e9);
    expect(t.sys('ppoll', pfd, 1, ts, 0, 8)).to.equal(E.EINVAL);
  });

  it('a retried ppoll writes back the time left from its first attempt', () => {
    const [r, w] = pipe();
    const pfd = t.alloc(8), ts = t.alloc(16);
    t.mem.writeU32(pfd, r); t.mem.writeU16(pfd + 4, 1);
    t.mem.writeU64(ts, 5); t.mem.writeU64(ts + 8, 0);
    t.resetWaits();
    expect(t.sys('ppoll', pfd, 1, ts, 0, 8)).to.equal(BLOCK);
    const until = performance.now() + 20;
    while (performance.now() < until) { /* the deadline's clock moves on */ }
    t.write(w, 'x');
    expect(t.sys('ppoll', pfd, 1, ts, 0, 8)).to.equal(1);
    const left = t.mem.readU64(ts) * 1e9 + t.mem.readU64(ts + 8);
    expect(left).to.be.lessThan(5e9 - 15e6).and.greaterThan(4e9);
  });

  it('selects and pselects with fd sets', () => {
    const [r, w] = pipe();
    const rs = t.alloc(8), ws = t.alloc(8), tv = t.alloc(16);
    const setBits = (p: number, ...fds: number[]): void => { t.mem.writeU64(p, 0); for (const fd of fds) t.mem.writeU8(p + (fd >> 3), t.mem.readU8(p + (fd >> 3)) | (1 << (fd & 7))); };
    setBits(rs, r); setBits(ws, w);
    t.mem.writeU64(tv, 0); t.mem.writeU64(tv + 8, 0);
    expect(t.sys('select', w + 1, rs, ws, 0, tv)).to.equal(1);
    expect(t.mem.readU8(rs)).to.equal(0);
    expect(t.mem.readU8(ws)).to.equal(1 << w);
    t.write(w, 'data');
    setBits(rs, r); setBits(ws, w);
    expect(t.sys('select', w + 1, rs, ws, 0, tv)).to.equal(2);
    setBits(rs, 50);
    expect(t.sys('select', 51, rs, 0, 0, tv)).to.equal(E.EBADF);
    setBits(rs, r);
    expect(t.sys('select', -1, rs, 0, 0, tv)).to.equal(E.EINVAL);
    t.mem.writeU64(tv, 1); t.mem.writeU64(tv + 8, 5);
    t.readStr(r);
    setBits(rs, r);
    t.resetWaits();
    expect(t.sys('select', r + 1, rs, 0, 0, tv)).to.equal(BLOCK);
    expect(t.deadline).to.be.lessThan(Infinity);
    const ts = t.alloc(16), sig = t.alloc(16), mask = t.alloc(8);
    t.mem.writeU64(ts, 0); t.mem.writeU64(ts + 8, 0);
    t.mem.writeU64(sig, mask); t.mem.writeU64(sig + 8, 8);
    setBits(ws, w);
    expect(t.sys('pselect6', w + 1, 0, ws, 0, ts, sig)).to.equal(1);
    expect(t.masks.length).to.equal(1);
  });
  it('select\'s result sets written into a page that holds decoded code tell the CPU, which drops that code', () => {
    const [r, w] = pipe();
    const rs = t.alloc(8), ws = t.alloc(8), tv = t.alloc(16);
    t.mem.writeU64(tv, 0); t.mem.writeU64(tv + 8, 0);
    t.mem.writeU64(rs, 0); t.mem.writeU64(ws, 0);
    t.mem.writeU8(rs + (r >> 3), 1 << (r & 7));
    t.mem.writeU8(ws + (w >> 3), 1 << (w & 7));
    const written: number[] = [];
    const before = t.mem.onCodeWrite;
    t.mem.onCodeWrite = (page) => { written.push(page); };
    try {
      // Nothing watched yet: no page is reported.
      expect(t.sys('select', w + 1, rs, ws, 0, tv)).to.equal(1);
      expect(written).to.deep.equal([]);
      // The page of the write set holds code the CPU decoded (CodeCache sets codePages), and an exec placed it.
      const page = ws >>> 12;
      t.mem.codePages[page] = 1;
      t.mem.placed[page] = 1234;
      t.mem.writeU8(rs + (r >> 3), 1 << (r & 7));
      written.length = 0;
      // No timeout (it would be written back too): the write set is ready, so select returns at once.
      expect(t.sys('select', w + 1, rs, ws, 0, 0)).to.equal(1);
      expect(written).to.include(page);
      expect(t.mem.placed[page]).to.equal(0);
      expect(t.mem.readU8(ws + (w >> 3))).to.equal(1 << (w & 7));
    } finally {
      t.mem.onCodeWrite = before;
    }
  });

  it('a zero timeout is neither timed nor written back (select, pselect6, ppoll), as Linux leaves it', () => {
    const [, w] = pipe();
    const ws = t.alloc(8), pfd = t.alloc(8), page = t.alloc(8192);
    // The timeouts sit on a page that holds decoded code: any write there reaches onCodeWrite.
    const tv = ((page + 4095) & ~4095) + 64;
    const written: number[] = [];
    const before = t.mem.onCodeWrite;
    t.mem.onCodeWrite = (p) => { written.push(p); };
    try {
      t.mem.writeU64(tv, 0); t.mem.writeU64(tv + 8, 0);
      t.mem.codePages[tv >>> 12] = 1;
      t.mem.writeU64(ws, 0); t.mem.writeU8(ws + (w >> 3), 1 << (w & 7));
      expect(t.sys('select', w + 1, 0, ws, 0, tv)).to.equal(1);
      t.mem.writeU8(ws + (w >> 3), 1 << (w & 7));
      expect(t.sys('pselect6', w + 1, 0, ws, 0, tv, 0)).to.equal(1);
      t.mem.writeU32(pfd, w); t.mem.writeU16(pfd + 4, 4);
      expect(t.sys('ppoll', pfd, 1, tv, 0, 8)).to.equal(1);
      expect(written).to.deep.equal([]);
      // A nonzero timeout that a ready descriptor cuts short is written back (the time left).
      t.mem.writeU64(tv, 5);
      t.mem.writeU8(ws + (w >> 3), 1 << (w & 7));
      expect(t.sys('select', w + 1, 0, ws, 0, tv)).to.equal(1);
      expect(written).to.include(tv >>> 12);
      expect(t.mem.readU64(tv)).to.be.at.most(5);
    } finally {
      t.mem.codePages[tv >>> 12] = 0;
      t.mem.onCodeWrite = before;
    }
  });

  it('a retried select keeps its first deadline, and reports the time left from it when a descriptor gets ready', () => {
    const [r, w] = pipe();
    const rs = t.alloc(8), tv = t.alloc(16);
    const arm = (): void => { t.mem.writeU64(rs, 0); t.mem.writeU8(rs + (r >> 3), 1 << (r & 7)); };
    arm();
    t.mem.writeU64(tv, 5); t.mem.writeU64(tv + 8, 0);
    t.resetWaits();
    expect(t.sys('select', r + 1, rs, 0, 0, tv)).to.equal(BLOCK);
    const first = t.deadline;
    expect(first).to.be.lessThan(Infinity);
    t.resetWaits();
    arm();
    expect(t.sys('select', r + 1, rs, 0, 0, tv)).to.equal(BLOCK);
    expect(t.deadline).to.equal(first);
    // 20 ms later the pipe is readable: the time left counts from the first attempt.
    const until = performance.now() + 20;
    while (performance.now() < until) { /* the deadline's clock moves on */ }
    t.write(w, 'x');
    arm();
    expect(t.sys('select', r + 1, rs, 0, 0, tv)).to.equal(1);
    expect(t.mem.readU8(rs + (r >> 3))).to.equal(1 << (r & 7));
    const left = t.mem.readU64(tv) * 1e6 + t.mem.readU64(tv + 8);
    expect(left).to.be.lessThan(5e6 - 15000).and.greaterThan(4e6);
    // The call completed: the same arguments again start a new deadline.
    t.readStr(r);
    arm();
    t.mem.writeU64(tv, 5); t.mem.writeU64(tv + 8, 0);
    t.resetWaits();
    expect(t.sys('select', r + 1, rs, 0, 0, tv)).to.equal(BLOCK);
    expect(t.deadline).to.be.greaterThan(first);
  });

  it('selects over descriptors past the first bytes and words, each set on its own', () => {
    // Pipe ends at high numbers (dup2): bits in several bytes and two 64-bit words, read, write and except sets.
    const [r0, w0] = pipe();
    const rd = [9, 63, 64], wr = [8, 70];
    for (const fd of rd) expect(t.sys('dup2', r0, fd)).to.equal(fd);
    for (const fd of wr) expect(t.sys('dup2', w0, fd)).to.equal(fd);
    const rs = t.alloc(16), ws = t.alloc(16), es = t.alloc(16), tv = t.alloc(16);
    t.mem.writeU64(tv, 0); t.mem.writeU64(tv + 8, 0);
    const fill = (p: number, fds: number[]): void => {
      t.mem.writeU64(p, 0); t.mem.writeU64(p + 8, 0);
      for (const fd of fds) t.mem.writeU8(p + (fd >> 3), t.mem.readU8(p + (fd >> 3)) | (1 << (fd & 7)));
    };
    const bits = (p: number): number[] => {
      const out: number[] = [];
      for (let fd = 0; fd < 128; fd++) if ((t.mem.readU8(p + (fd >> 3)) & (1 << (fd & 7))) !== 0) out.push(fd);
      return out;
    };
    // Empty pipe: no read end is ready, both write ends are, nothing exceptional.
    fill(rs, rd); fill(ws, wr); fill(es, [...rd, ...wr]);
    expect(t.sys('select', 71, rs, ws, es, tv)).to.equal(2);
    expect(bits(rs)).to.deep.equal([]);
    expect(bits(ws)).to.deep.equal(wr);
    expect(bits(es)).to.deep.equal([]);
    // With data every read end is ready too; a descriptor in two sets counts twice.
    t.write(w0, 'x');
    fill(rs, rd); fill(ws, [...wr, 9]); fill(es, []);
    expect(t.sys('select', 71, rs, ws, es, tv)).to.equal(5);
    expect(bits(rs)).to.deep.equal(rd);
    expect(bits(ws)).to.deep.equal([8, 70]);
    // nfds cuts the sets: fd 70 is past it, so only 8 and the read ends below 65 are looked at.
    fill(rs, rd); fill(ws, wr);
    expect(t.sys('select', 65, rs, ws, 0, tv)).to.equal(4);
    expect(bits(rs)).to.deep.equal(rd);
    expect(bits(ws)).to.deep.equal([8]);
    // A closed descriptor anywhere in a set is EBADF.
    expect(t.sys('close', 63)).to.equal(0);
    fill(rs, rd);
    expect(t.sys('select', 71, rs, 0, 0, tv)).to.equal(E.EBADF);
  });
});
