/** open/read/write/lseek/pread/readv/dup/fcntl/truncate... on hostfs (the root) and tmpfs (/tmp). */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { E, O, type FakeTask, type Sandbox, makeWorld } from './helpers.js';

for (const where of ['/home/user', '/tmp'] as const) {
  describe(`kernel/fs files on ${where === '/tmp' ? 'tmpfs' : 'hostfs'}`, () => {
    let sb: Sandbox;
    let t: FakeTask;
    const p = (name: string): string => `${where}/${name}`;
    beforeEach(() => {
      const w = makeWorld();
      sb = w.sb;
      t = w.task();
      for (let i = 0; i < 3; i++) t.open('/dev/null', O.RDWR);
    });
    afterEach(() => sb.cleanup());

    it('creates, writes, reads back, and reports sizes', () => {
      const fd = t.open(p('a.txt'), O.CREAT | O.RDWR, 0o640);
      expect(fd).to.equal(3);
      expect(t.write(fd, 'hello world')).to.equal(11);
      expect(t.sys('lseek', fd, 0, 0)).to.equal(0);
      expect(t.readStr(fd, 5)).to.equal('hello');
      expect(t.readStr(fd)).to.equal(' world');
      expect(t.readStr(fd)).to.equal('');
      const st = t.stat(p('a.txt'));
      expect(st).to.include({ size: 11, mode: 0o100640, nlink: 1, uid: 0, gid: 0 });
      expect(t.sys('close', fd)).to.equal(0);
      expect(t.sys('close', fd)).to.equal(E.EBADF);
      if (where !== '/tmp') expect(fs.readFileSync(path.join(sb.root, 'home/user/a.txt'), 'utf8')).to.equal('hello world');
    });

    it('follows O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY and O_NOFOLLOW rules', () => {
      expect(t.open(p('b'), O.CREAT | O.WRONLY)).to.be.at.least(0);
      expect(t.open(p('b'), O.CREAT | O.EXCL | O.WRONLY)).to.equal(E.EEXIST);
      const w = t.open(p('b'), O.WRONLY);
      t.write(w, '0123456789');
      const a = t.open(p('b'), O.WRONLY | O.APPEND);
      expect(t.write(a, 'AB')).to.equal(2);
      expect(t.sys('lseek', a, 0, 1)).to.equal(12);
      expect(t.cat(p('b'))).to.equal('0123456789AB');
      // pwrite on O_APPEND appends anyway (Linux)
      expect(t.sys('pwrite64', a, t.bytes('C'), 1, 0)).to.equal(1);
      expect(t.cat(p('b'))).to.equal('0123456789ABC');
      expect(t.open(p('b'), O.WRONLY | O.TRUNC)).to.be.at.least(0);
      expect(t.stat(p('b'))).to.include({ size: 0 });
      expect(t.open(p('b'), O.DIRECTORY)).to.equal(E.ENOTDIR);
      expect(t.open(p('b/'), 0)).to.equal(E.ENOTDIR);
      expect(t.open(p('new/'), O.CREAT | O.WRONLY)).to.equal(E.EISDIR);
      expect(t.open(where, O.WRONLY)).to.equal(E.EISDIR);
      expect(t.open(where, O.CREAT | O.RDONLY)).to.equal(E.EISDIR);
      expect(t.open(p('c'), O.CREAT | O.DIRECTORY)).to.equal(E.EINVAL);
      expect(t.sys('symlink', t.str('b'), t.str(p('lnk')))).to.equal(0);
      expect(t.open(p('lnk'), O.NOFOLLOW)).to.equal(E.ELOOP);
      expect(t.open(p('lnk'), O.NOFOLLOW | O.PATH)).to.be.at.least(0);
      expect(t.open(p('lnk'), O.CREAT | O.EXCL | O.WRONLY)).to.equal(E.EEXIST);
      // O_CREAT through a dangling symlink creates the target
      expect(t.sys('symlink', t.str('target'), t.str(p('dangling')))).to.equal(0);
      expect(t.open(p('dangling'), O.CREAT | O.WRONLY)).to.be.at.least(0);
      expect(t.stat(p('target'))).to.include({ size: 0 });
      expect(t.open(p('missing'))).to.equal(E.ENOENT);
      expect(t.open('')).to.equal(E.ENOENT);
    });

    it('reads each path from guest memory as it is now: the same buffer rewritten, same-length paths in turn', () => {
      for (const n of ['pa', 'pb']) t.sys('close', t.open(p(n), O.CREAT | O.WRONLY, n === 'pa' ? 0o600 : 0o644));
      const buf = t.str(p('pa'));
      const mode = (): number => {
        const st = t.alloc(256);
        expect(t.sys('newfstatat', -100, buf, st, 0)).to.equal(0);
        return t.mem.readU32(st + 24) & 0o7777;
      };
      expect(mode()).to.equal(0o600);
      t.mem.writeU8(buf + p('pa').length - 1, 'b'.charCodeAt(0));
      expect(mode()).to.equal(0o644);
      t.mem.writeU8(buf + p('pa').length - 1, 'c'.charCodeAt(0));
      expect(t.sys('newfstatat', -100, buf, t.alloc(256), 0)).to.equal(E.ENOENT);
      expect(t.stat(p('pa'))).to.include({ mode: 0o100600 });
      expect(t.stat(p('pb'))).to.include({ mode: 0o100644 });
    });

    it('applies the umask to created files and directories', () => {
      expect(t.sys('umask', 0o027)).to.equal(0o022);
      t.open(p('m'), O.CREAT | O.WRONLY, 0o777);
      expect((t.stat(p('m')) as { mode: number }).mode & 0o7777).to.equal(0o750);
      t.sys('mkdir', t.str(p('md')), 0o777);
      expect((t.stat(p('md')) as { mode: number }).mode).to.equal(0o40750);
    });

    it('does pread/pwrite/readv/writev/preadv2 without moving the position', () => {
      const fd = t.open(p('v'), O.CREAT | O.RDWR);
      const iov = t.alloc(48);
      const b1 = t.bytes('abc'), b2 = t.bytes('defgh');
      t.mem.writeU64(iov, b1); t.mem.writeU64(iov + 8, 3);
      t.mem.writeU64(iov + 16, b2); t.mem.writeU64(iov + 24, 5);
      expect(t.sys('writev', fd, iov, 2)).to.equal(8);
      expect(t.sys('lseek', fd, 0, 1)).to.equal(8);
      const buf = t.alloc(16);
      expect(t.sys('pread64', fd, buf, 4, 2)).to.equal(4);
      expect(t.read(buf, 4)).to.equal('cdef');
      expect(t.sys('lseek', fd, 0, 1)).to.equal(8);
      const r1 = t.alloc(2), r2 = t.alloc(10);
      t.mem.writeU64(iov, r1); t.mem.writeU64(iov + 8, 2);
      t.mem.writeU64(iov + 16, r2); t.mem.writeU64(iov + 24, 10);
      expect(t.sys('preadv', fd, iov, 2, 1)).to.equal(7);
      expect(t.read(r1, 2) + t.read(r2, 5)).to.equal('bcdefgh');
      expect(t.sys('preadv2', fd, iov, 2, -1, 0, 0)).to.equal(0);
      t.sys('lseek', fd, 0, 0);
      expect(t.sys('preadv2', fd, iov, 2, -1, 0, 0)).to.equal(8);
      expect(t.sys('lseek', fd, 0, 1)).to.equal(8);
      expect(t.sys('pwrite64', fd, t.bytes('Z'), 1, 20)).to.equal(1);
      expect(t.stat(p('v'))).to.include({ size: 21 });
      expect(t.sys('pread64', fd, buf, 4, -1)).to.equal(E.EINVAL);
      expect(t.sys('readv', fd, iov, 1025)).to.equal(E.EINVAL);
      expect(t.sys('read', fd, 0x10, 4)).to.equal(E.EFAULT);
    });

    it('seeks with SEEK_SET/CUR/END/DATA/HOLE and refuses bad whence', () => {
      const fd = t.open(p('s'), O.CREAT | O.RDWR);
      t.write(fd, 'x'.repeat(100));
      expect(t.sys('lseek', fd, -10, 2)).to.equal(90);
      expect(t.sys('lseek', fd, 5, 1)).to.equal(95);
      expect(t.sys('lseek', fd, -200, 1)).to.equal(E.EINVAL);
      expect(t.sys('lseek', fd, 0, 7)).to.equal(E.EINVAL);
      expect(t.sys('lseek', fd, 10, 3)).to.equal(10);
      expect(t.sys('lseek', fd, 10, 4)).to.equal(100);
      expect(t.sys('lseek', fd, 100, 3)).to.equal(E.ENXIO);
      expect(t.sys('lseek', fd, 1000, 0)).to.equal(1000);
      expect(t.readStr(fd)).to.equal('');
    });

    it('truncates, ftruncates and fallocates', () => {
      const fd = t.open(p('tr'), O.CREAT | O.RDWR);
      t.write(fd, 'abcdef');
      expect(t.sys('ftruncate', fd, 3)).to.equal(0);
      expect(t.cat(p('tr'))).to.equal('abc');
      expect(t.sys('truncate', t.str(p('tr')), 5)).to.equal(0);
      expect(t.cat(p('tr'))).to.equal('abc\0\0');
      expect(t.sys('truncate', t.str(where), 0)).to.equal(E.EISDIR);
      expect(t.sys('ftruncate', fd, -1)).to.equal(E.EINVAL);
      const ro = t.open(p('tr'));
      expect(t.sys('ftruncate', ro, 0)).to.equal(E.EINVAL);
      expect(t.sys('fallocate', fd, 0, 0, 100)).to.equal(0);
      expect(t.stat(p('tr'))).to.include({ size: 100 });
      expect(t.sys('fallocate', fd, 1, 0, 100)).to.equal(E.EOPNOTSUPP);
      expect(t.sys('fallocate', ro, 0, 0, 10)).to.equal(E.EBADF);
      expect(t.sys('fsync', fd)).to.equal(0);
      expect(t.sys('fdatasync', fd)).to.equal(0);
      expect(t.sys('sync')).to.equal(0);
      expect(t.sys('syncfs', fd)).to.equal(0);
    });

    it('dups and fcntls descriptors', () => {
      const fd = t.open(p('d'), O.CREAT | O.RDWR | O.CLOEXEC);
      expect(t.sys('fcntl', fd, 1)).to.equal(1);
      const d = t.sys('dup', fd);
      expect(d).to.equal(fd + 1);
      expect(t.sys('fcntl', d, 1)).to.equal(0);
      t.write(fd, 'shared');
      expect(t.sys('lseek', d, 0, 1)).to.equal(6);
      expect(t.sys('dup2', fd, 10)).to.equal(10);
      expect(t.sys('dup2', fd, fd)).to.equal(fd);
      expect(t.sys('dup2', 55, 10)).to.equal(E.EBADF);
      expect(t.sys('dup3', fd, fd, 0)).to.equal(E.EINVAL);
      expect(t.sys('dup3', fd, 11, O.CLOEXEC)).to.equal(11);
      expect(t.sys('fcntl', 11, 1)).to.equal(1);
      expect(t.sys('fcntl', fd, 0, 20)).to.equal(20);
      expect(t.sys('fcntl', fd, 1030, 20)).to.equal(21);
      expect(t.sys('fcntl', fd, 3)).to.equal(O.RDWR | 0o100000);
      expect(t.sys('fcntl', fd, 4, O.APPEND | O.NONBLOCK | O.TRUNC)).to.equal(0);
      expect(t.sys('fcntl', fd, 3)).to.equal(O.RDWR | O.APPEND | O.NONBLOCK | 0o100000);
      expect(t.sys('fcntl', fd, 2, 0)).to.equal(0);
      expect(t.sys('fcntl', fd, 1)).to.equal(0);
      expect(t.sys('fcntl', fd, 9999)).to.equal(E.EINVAL);
      expect(t.sys('fcntl', 77, 1)).to.equal(E.EBADF);
      expect(t.sys('fcntl', fd, 1032)).to.equal(E.EBADF);
      t.files.closeOnExec();
      expect(t.files.get(11)).to.equal(null);
      expect(t.files.get(fd)).not.to.equal(null);
      expect(t.sys('close_range', 3, 0xffffffff, 0)).to.equal(0);
      expect(t.files.size).to.equal(3);
    });

    it('runs out of descriptors at RLIMIT_NOFILE with EMFILE', () => {
      t.files.limit = 8;
      const fds: number[] = [];
      for (;;) { const fd = t.open('/etc/hostname'); if (fd < 0) { expect(fd).to.equal(E.EMFILE); break; } fds.push(fd); }
      expect(fds).to.deep.equal([3, 4, 5, 6, 7]);
      expect(t.sys('dup', 0)).to.equal(E.EMFILE);
      expect(t.sys('dup2', 0, 8)).to.equal(E.EBADF);
    });

    it('handles O_PATH descriptors like Linux', () => {
      const fd = t.open(p('op'), O.CREAT | O.WRONLY);
      t.write(fd, 'data');
      const pfd = t.open(p('op'), O.PATH);
      expect(t.readStr(pfd)).to.equal(E.EBADF);
      expect(t.write(pfd, 'x')).to.equal(E.EBADF);
      const buf = t.alloc(144);
      expect(t.sys('fstat', pfd, buf)).to.equal(0);
      expect(t.mem.readU64(buf + 48)).to.equal(4);
      expect(t.sys('fcntl', pfd, 3) & O.PATH).to.equal(O.PATH);
      expect(t.sys('ioctl', pfd, 0x541b, buf)).to.equal(E.EBADF);
      const st = t.alloc(144);
      expect(t.sys('newfstatat', pfd, t.str(''), st, 0x1000)).to.equal(0);
      expect(t.mem.readU64(st + 48)).to.equal(4);
    });

    it('copies with sendfile and copy_file_range', () => {
      const src = t.open(p('src'), O.CREAT | O.RDWR);
      t.write(src, 'abcdefghij');
      const dst = t.open(p('dst'), O.CREAT | O.RDWR);
      const off = t.alloc(8);
      t.mem.writeU64(off, 2);
      expect(t.sys('sendfile', dst, src, off, 5)).to.equal(5);
      expect(t.mem.readU64(off)).to.equal(7);
      expect(t.sys('lseek', src, 0, 1)).to.equal(10);
      t.sys('lseek', src, 0, 0);
      expect(t.sys('sendfile', dst, src, 0, 100)).to.equal(10);
      expect(t.cat(p('dst'))).to.equal('cdefgabcdefghij');
      const o1 = t.alloc(8), o2 = t.alloc(8);
      t.mem.writeU64(o1, 0); t.mem.writeU64(o2, 0);
      expect(t.sys('copy_file_range', src, o1, dst, o2, 3, 0)).to.equal(3);
      expect(t.cat(p('dst'))).to.equal('abcfgabcdefghij');
      expect(t.sys('copy_file_range', src, o1, dst, o2, 3, 1)).to.equal(E.EINVAL);
      expect(t.sys('copy_file_range', src, 0, src, 0, 3, 0)).to.equal(E.EINVAL);
    });

    it('reports FIONREAD, FIONBIO and FIOCLEX through ioctl', () => {
      const fd = t.open(p('io'), O.CREAT | O.RDWR);
      t.write(fd, 'abcdef');
      t.sys('lseek', fd, 2, 0);
      const n = t.alloc(4);
      expect(t.sys('ioctl', fd, 0x541b, n)).to.equal(0);
      expect(t.mem.readU32(n)).to.equal(4);
      t.mem.writeU32(n, 1);
      expect(t.sys('ioctl', fd, 0x5421, n)).to.equal(0);
      expect(t.sys('fcntl', fd, 3) & O.NONBLOCK).to.equal(O.NONBLOCK);
      expect(t.sys('ioctl', fd, 0x5451)).to.equal(0);
      expect(t.sys('fcntl', fd, 1)).to.equal(1);
      expect(t.sys('ioctl', fd, 0x5401, n)).to.equal(E.ENOTTY);
    });
  });
}
