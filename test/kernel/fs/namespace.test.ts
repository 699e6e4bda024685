/** Path resolution errnos and the namespace calls (mkdir, unlink, rename, link, symlink, getdents, chdir...). */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { E, O, type FakeTask, type Sandbox, makeWorld } from './helpers.js';
import { rootCred } from '../../../kernel/fs/index.js';

for (const where of ['/home/user', '/tmp'] as const) {
  describe(`kernel/fs namespace on ${where === '/tmp' ? 'tmpfs' : 'hostfs'}`, () => {
    let sb: Sandbox;
    let t: FakeTask;
    const p = (name: string): string => `${where}/${name}`;
    beforeEach(() => { const w = makeWorld(); sb = w.sb; t = w.task(); });
    afterEach(() => sb.cleanup());

    it('gives Linux errnos for bad paths', () => {
      t.open(p('file'), O.CREAT | O.WRONLY);
      expect(t.stat(p('file/x'))).to.equal(E.ENOTDIR);
      expect(t.stat(p('nope/x'))).to.equal(E.ENOENT);
      expect(t.stat(p('file/'))).to.equal(E.ENOTDIR);
      expect(t.stat(p('a'.repeat(256)))).to.equal(E.ENAMETOOLONG);
      expect(t.stat(p('a'.repeat(255)))).to.equal(E.ENOENT);
      expect(t.stat('/' + 'x/'.repeat(2100))).to.equal(E.ENAMETOOLONG);
      expect(t.stat('')).to.equal(E.ENOENT);
      expect(t.sys('newfstatat', -100, 0, t.alloc(144), 0)).to.equal(E.EFAULT);
      expect(t.sys('newfstatat', 55, t.str('rel'), t.alloc(144), 0)).to.equal(E.EBADF);
      const ffd = t.open(p('file'));
      expect(t.sys('newfstatat', ffd, t.str('rel'), t.alloc(144), 0)).to.equal(E.ENOTDIR);
      expect(t.sys('newfstatat', ffd, t.str('/etc/hostname'), t.alloc(144), 0)).to.equal(0);
      expect(t.sys('newfstatat', -100, t.str(p('file')), t.alloc(144), 0x8000)).to.equal(E.EINVAL);
      expect(t.stat(`${where}/./../${path.basename(where)}/file`)).to.include({ size: 0 });
    });

    it('cuts paths at any run of slashes, as Linux does', () => {
      t.sys('mkdir', t.str(p('d')), 0o755);
      t.open(p('d/f'), O.CREAT | O.WRONLY);
      const ino = (path: string): number => { const st = t.stat(path); return typeof st === 'number' ? st : st.ino; };
      const file = ino(p('d/f')), dir = ino(p('d'));
      expect(file).to.be.above(0);
      expect(ino(`//${where.slice(1)}///d//f`)).to.equal(file);
      expect(ino(`${where}/d/./f`)).to.equal(file);
      expect(ino(`${where}/d//..//d/f`)).to.equal(file);
      expect(ino(`${where}//d//`)).to.equal(dir);
      expect(ino('///')).to.equal(ino('/'));
      expect(t.stat(`${where}/d/f//`)).to.equal(E.ENOTDIR);
      expect(t.stat(`${where}/d/f/.`)).to.equal(E.ENOTDIR);
      expect(t.open(`${where}//d//new//`, O.CREAT | O.WRONLY)).to.equal(E.EISDIR);
    });

    it('checks search permission for unprivileged tasks', () => {
      t.sys('mkdir', t.str(p('locked')), 0o700);
      t.open(p('locked/f'), O.CREAT | O.WRONLY, 0o644);
      t.sys('mkdir', t.str(p('pub')), 0o755);
      t.open(p('pub/ro'), O.CREAT | O.WRONLY, 0o644);
      t.cred = { ...t.cred, uid: 1000, euid: 1000, fsuid: 1000, gid: 1000, egid: 1000, fsgid: 1000 };
      expect(t.stat(p('locked/f'))).to.equal(E.EACCES);
      expect(t.open(p('pub/ro'), O.WRONLY)).to.equal(E.EACCES);
      expect(t.open(p('pub/ro'))).to.be.at.least(0);
      expect(t.open(p('pub/new'), O.CREAT | O.WRONLY)).to.equal(E.EACCES);
      expect(t.sys('unlink', t.str(p('pub/ro')))).to.equal(E.EACCES);
      expect(t.sys('chmod', t.str(p('pub/ro')), 0o777)).to.equal(E.EPERM);
      expect(t.sys('chown', t.str(p('pub/ro')), 1000, 1000)).to.equal(E.EPERM);
      expect(t.sys('access', t.str(p('pub/ro')), 2)).to.equal(E.EACCES);
      expect(t.sys('access', t.str(p('pub/ro')), 4)).to.equal(0);
      expect(t.sys('chroot', t.str(p('pub')))).to.equal(E.EPERM);
      // The walk sees a directory's mode as it is now (tmpfs answers from the node itself).
      const user = t.cred;
      t.cred = rootCred();
      expect(t.sys('chmod', t.str(p('locked')), 0o711)).to.equal(0);
      t.cred = user;
      expect(t.stat(p('locked/f'))).to.include({ mode: 0o100644 });
      t.cred = rootCred();
      expect(t.sys('chown', t.str(p('locked')), 1000, 1000)).to.equal(0);
      expect(t.sys('chmod', t.str(p('locked')), 0o100)).to.equal(0);
      t.cred = user;
      expect(t.stat(p('locked/f'))).to.include({ mode: 0o100644 });
      t.cred = { ...user, fsuid: 1001 };
      expect(t.stat(p('locked/f'))).to.equal(E.EACCES);
    });

    it('makes and removes directories with Linux errnos', () => {
      expect(t.sys('mkdir', t.str(p('d')), 0o755)).to.equal(0);
      expect(t.sys('mkdir', t.str(p('d')), 0o755)).to.equal(E.EEXIST);
      expect(t.sys('mkdir', t.str(p('d2/')), 0o755)).to.equal(0);
      expect(t.sys('mkdir', t.str(p('x/y')), 0o755)).to.equal(E.ENOENT);
      expect(t.sys('mkdir', t.str('/'), 0o755)).to.equal(E.EEXIST);
      expect(t.sys('mkdir', t.str(p('.')), 0o755)).to.equal(E.EEXIST);
      t.open(p('d/f'), O.CREAT | O.WRONLY);
      expect(t.sys('rmdir', t.str(p('d')))).to.equal(E.ENOTEMPTY);
      expect(t.sys('rmdir', t.str(p('d/f')))).to.equal(E.ENOTDIR);
      expect(t.sys('rmdir', t.str(p('d/.')))).to.equal(E.EINVAL);
      expect(t.sys('rmdir', t.str(p('d/..')))).to.equal(E.ENOTEMPTY);
      expect(t.sys('rmdir', t.str('/tmp'))).to.equal(E.EBUSY);
      expect(t.sys('unlink', t.str(p('d')))).to.equal(E.EISDIR);
      expect(t.sys('unlink', t.str(p('d/f/')))).to.equal(E.ENOTDIR);
      expect(t.sys('unlink', t.str(p('d/f')))).to.equal(0);
      expect(t.sys('unlink', t.str(p('d/f')))).to.equal(E.ENOENT);
      expect(t.sys('rmdir', t.str(p('d/')))).to.equal(0);
      expect(t.sys('unlinkat', -100, t.str(p('d2')), 0x200)).to.equal(0);
      expect(t.sys('unlinkat', -100, t.str(p('d2')), 0x1)).to.equal(E.EINVAL);
      expect(t.stat(p('d'))).to.equal(E.ENOENT);
      expect(t.sys('mknod', t.str(p('dev')), 0o20644, 0x103)).to.equal(0);
      expect(t.stat(p('dev'))).to.include({ mode: 0o20644, rdev: 0x103 });
      expect(t.sys('mknod', t.str(p('dir')), 0o40755, 0)).to.equal(E.EPERM);
      expect(t.sys('mknod', t.str(p('plain')), 0o644, 0)).to.equal(0);
      expect(t.stat(p('plain'))).to.include({ mode: 0o100644 });
      expect(t.sys('mknod', t.str(p('fifo')), 0o10644, 0)).to.equal(0);
      expect(t.stat(p('fifo'))).to.include({ mode: 0o10644, size: 0 });
    });

    it('renames with replace, NOREPLACE and EXCHANGE', () => {
      t.sys('mkdir', t.str(p('a')), 0o755);
      t.sys('mkdir', t.str(p('b')), 0o755);
      const f1 = t.open(p('a/one'), O.CREAT | O.WRONLY); t.write(f1, '1');
      const f2 = t.open(p('b/two'), O.CREAT | O.WRONLY); t.write(f2, '22');
      expect(t.sys('rename', t.str(p('a/one')), t.str(p('b/two')))).to.equal(0);
      expect(t.cat(p('b/two'))).to.equal('1');
      expect(t.stat(p('a/one'))).to.equal(E.ENOENT);
      t.open(p('a/x'), O.CREAT | O.WRONLY);
      expect(t.sys('renameat2', -100, t.str(p('a/x')), -100, t.str(p('b/two')), 1)).to.equal(E.EEXIST);
      expect(t.sys('renameat2', -100, t.str(p('a/x')), -100, t.str(p('b/two')), 2)).to.equal(0);
      expect(t.cat(p('a/x'))).to.equal('1');
      expect(t.cat(p('b/two'))).to.equal('');
      expect(t.sys('renameat2', -100, t.str(p('a/x')), -100, t.str(p('b/none')), 2)).to.equal(E.ENOENT);
      expect(t.sys('renameat2', -100, t.str(p('a/x')), -100, t.str(p('b/two')), 3)).to.equal(E.EINVAL);
      expect(t.sys('rename', t.str(p('a')), t.str(p('a/sub')))).to.equal(E.EINVAL);
      expect(t.sys('rename', t.str(p('a')), t.str(p('b')))).to.equal(E.ENOTEMPTY);
      expect(t.sys('rename', t.str(p('a/x')), t.str(p('b')))).to.equal(E.EISDIR);
      expect(t.sys('rename', t.str(p('b')), t.str(p('a/x')))).to.equal(E.ENOTDIR);
      expect(t.sys('rename', t.str(p('a/x/')), t.str(p('a/y')))).to.equal(E.ENOTDIR);
      expect(t.sys('rename', t.str(p('nope')), t.str(p('a/y')))).to.equal(E.ENOENT);
      expect(t.sys('rename', t.str(p('.')), t.str(p('a/y')))).to.equal(E.EBUSY);
      expect(t.sys('rename', t.str(p('a/x')), t.str('/etc/x'))).to.equal(where === '/tmp' ? E.EXDEV : 0);
      // A directory renamed under the cwd: getcwd follows it.
      t.sys('mkdir', t.str(p('c')), 0o755);
      t.sys('mkdir', t.str(p('c/deep')), 0o755);
      t.sys('chdir', t.str(p('c/deep')));
      expect(t.sys('rename', t.str(p('c')), t.str(p('renamed')))).to.equal(0);
      expect(t.getcwd()).to.equal(p('renamed/deep'));
      expect(t.open('here', O.CREAT | O.WRONLY)).to.be.at.least(0);
      expect(t.stat(p('renamed/deep/here'))).to.include({ size: 0 });
      // Exchanging two directories swaps their contents.
      t.sys('mkdir', t.str(p('e1')), 0o755); t.open(p('e1/in1'), O.CREAT | O.WRONLY);
      t.sys('mkdir', t.str(p('e2')), 0o755); t.open(p('e2/in2'), O.CREAT | O.WRONLY);
      expect(t.sys('renameat2', -100, t.str(p('e1')), -100, t.str(p('e2')), 2)).to.equal(0);
      expect(t.ls(p('e1'))).to.deep.equal(['.', '..', 'in2']);
      expect(t.ls(p('e2'))).to.deep.equal(['.', '..', 'in1']);
    });

    it('hard-links and symlinks', () => {
      const fd = t.open(p('orig'), O.CREAT | O.WRONLY); t.write(fd, 'data');
      expect(t.sys('link', t.str(p('orig')), t.str(p('hard')))).to.equal(0);
      expect(t.stat(p('orig'))).to.include({ nlink: 2 });
      expect((t.stat(p('hard')) as { ino: number }).ino).to.equal((t.stat(p('orig')) as { ino: number }).ino);
      expect(t.sys('link', t.str(p('orig')), t.str(p('hard')))).to.equal(E.EEXIST);
      expect(t.sys('link', t.str(where), t.str(p('dirlink')))).to.equal(E.EPERM);
      expect(t.sys('link', t.str(p('orig')), t.str(where === '/tmp' ? '/home/x' : '/tmp/x'))).to.equal(E.EXDEV);
      expect(t.sys('symlink', t.str('orig'), t.str(p('sym')))).to.equal(0);
      expect(t.sys('symlink', t.str(''), t.str(p('empty')))).to.equal(E.ENOENT);
      expect(t.sys('symlink', t.str('x'), t.str(p('sym')))).to.equal(E.EEXIST);
      expect(t.sys('symlink', t.str('x'), t.str(p('new/')))).to.equal(E.ENOENT);
      expect(t.readlink(p('sym'))).to.equal('orig');
      expect(t.readlink(p('orig'))).to.equal(E.EINVAL);
      const buf = t.alloc(8);
      expect(t.sys('readlink', t.str(p('sym')), buf, 2)).to.equal(2);
      expect(t.read(buf, 2)).to.equal('or');
      expect(t.sys('readlink', t.str(p('sym')), buf, 0)).to.equal(E.EINVAL);
      expect(t.stat(p('sym'), 0x100)).to.include({ mode: 0o120777, size: 4 });
      expect(t.stat(p('sym'))).to.include({ size: 4, nlink: 2 });
      // linkat with AT_SYMLINK_FOLLOW links the target, without it the link itself
      expect(t.sys('linkat', -100, t.str(p('sym')), -100, t.str(p('l2')), 0x400)).to.equal(0);
      expect(t.stat(p('l2'), 0x100)).to.include({ mode: 0o100644 });
      expect(t.sys('linkat', -100, t.str(p('sym')), -100, t.str(p('l3')), 0)).to.equal(0);
      expect(t.stat(p('l3'), 0x100)).to.include({ mode: 0o120777 });
      expect(t.sys('unlink', t.str(p('orig')))).to.equal(0);
      expect(t.cat(p('hard'))).to.equal('data');
      // An open file survives unlink.
      expect(t.sys('unlink', t.str(p('hard')))).to.equal(0);
      expect(t.sys('unlink', t.str(p('l2')))).to.equal(0);
      const st = t.alloc(144);
      expect(t.sys('fstat', fd, st)).to.equal(0);
      expect(t.mem.readU64(st + 16)).to.equal(0);
      expect(t.write(fd, 'more')).to.equal(4);
    });

    it('lists directories with getdents64 and getdents, resuming and rewinding', () => {
      for (let i = 0; i < 50; i++) t.open(p(`f${String(i).padStart(2, '0')}`), O.CREAT | O.WRONLY);
      t.sys('mkdir', t.str(p('sub')), 0o755);
      const fd = t.open(where, O.DIRECTORY);
      // A small buffer forces several calls.
      const buf = t.alloc(256);
      const names: string[] = [];
      let types = '';
      for (;;) {
        const n = t.sys('getdents64', fd, buf, 256);
        if (n === 0) break;
        expect(n).to.be.greaterThan(0);
        for (let off = 0; off < n;) {
          const reclen = t.mem.readU16(buf + off + 16);
          expect(reclen % 8).to.equal(0);
          const name = t.cstr(buf + off + 19);
          names.push(name);
          if (name === 'sub') types += t.mem.readU8(buf + off + 18);
          if (name === 'f00') types += t.mem.readU8(buf + off + 18);
          off += reclen;
        }
      }
      expect(names.sort()).to.deep.equal(['.', '..', ...Array.from({ length: 50 }, (_, i) => `f${String(i).padStart(2, '0')}`), 'sub'].sort());
      expect(types.split('').sort().join('')).to.equal('48');
      expect(t.sys('getdents64', fd, buf, 10)).to.equal(0);
      expect(t.sys('lseek', fd, 0, 0)).to.equal(0);
      expect(t.sys('getdents64', fd, buf, 10)).to.equal(E.EINVAL);
      // Old getdents: name at 18, type in the last byte.
      const n = t.sys('getdents', fd, buf, 256);
      expect(n).to.be.greaterThan(0);
      const reclen = t.mem.readU16(buf + 16);
      expect(t.cstr(buf + 18)).to.equal('.');
      expect(t.mem.readU8(buf + reclen - 1)).to.equal(4);
      const ffd = t.open(p('f00'));
      expect(t.sys('getdents64', ffd, buf, 256)).to.equal(E.ENOTDIR);
      expect(t.readStr(fd)).to.equal(E.EISDIR);
    });

    it('tracks the cwd with chdir, fchdir and getcwd, and chroots', () => {
      t.sys('mkdir', t.str(p('w')), 0o755);
      expect(t.sys('chdir', t.str(p('w')))).to.equal(0);
      expect(t.getcwd()).to.equal(p('w'));
      expect(t.open('rel', O.CREAT | O.WRONLY)).to.be.at.least(0);
      expect(t.stat(p('w/rel'))).to.include({ size: 0 });
      const buf = t.alloc(4);
      expect(t.sys('getcwd', buf, 4)).to.equal(E.ERANGE);
      expect(t.sys('chdir', t.str(p('w/rel')))).to.equal(E.ENOTDIR);
      const d = t.open('/etc', O.PATH);
      expect(t.sys('fchdir', d)).to.equal(0);
      expect(t.getcwd()).to.equal('/etc');
      expect(t.sys('chroot', t.str(p('w')))).to.equal(0);
      expect(t.cat('/rel')).to.equal('');
      expect(t.cat('/../../etc/hostname')).to.equal(E.ENOENT);
      // cwd still outside the new root, as after chroot(2) without chdir.
      expect(t.getcwd()).to.equal('(unreachable)/etc');
      expect(t.sys('chdir', t.str('/'))).to.equal(0);
      expect(t.getcwd()).to.equal('/');
      t.sys('mkdir', t.str('/gone'), 0o755);
      t.sys('chdir', t.str('/gone'));
      t.sys('rmdir', t.str('/gone'));
      expect(t.getcwd()).to.equal(E.ENOENT);
    });

    it('changes modes, owners and times', () => {
      t.open(p('m'), O.CREAT | O.WRONLY, 0o644);
      expect(t.sys('chmod', t.str(p('m')), 0o4751)).to.equal(0);
      expect(t.stat(p('m'))).to.include({ mode: 0o104751 });
      expect(t.sys('chown', t.str(p('m')), 1234, 99)).to.equal(0);
      expect(t.stat(p('m'))).to.include({ uid: 1234, gid: 99, mode: 0o100751 });
      expect(t.sys('chown', t.str(p('m')), -1, 5)).to.equal(0);
      expect(t.stat(p('m'))).to.include({ uid: 1234, gid: 5 });
      t.sys('symlink', t.str('m'), t.str(p('ml')));
      expect(t.sys('lchown', t.str(p('ml')), 7, 7)).to.equal(0);
      expect(t.stat(p('ml'), 0x100)).to.include({ uid: 7, gid: 7 });
      expect(t.stat(p('m'))).to.include({ uid: 1234 });
      expect(t.sys('fchmodat2', -100, t.str(p('ml')), 0o600, 0x100)).to.equal(E.EOPNOTSUPP);
      const ts = t.alloc(32);
      t.mem.writeU64(ts, 1000); t.mem.writeU64(ts + 8, 5);
      t.mem.writeU64(ts + 16, 2000); t.mem.writeU64(ts + 24, 0x3ffffffe);
      expect(t.sys('utimensat', -100, t.str(p('m')), ts, 0)).to.equal(0);
      const st = t.alloc(144);
      t.sys('stat', t.str(p('m')), st);
      expect(t.mem.readU64(st + 72)).to.equal(1000);
      expect(t.mem.readU64(st + 88)).to.not.equal(2000);
      t.mem.writeU64(ts + 24, 1e9);
      expect(t.sys('utimensat', -100, t.str(p('m')), ts, 0)).to.equal(E.EINVAL);
      const tv = t.alloc(32);
      t.mem.writeU64(tv, 3000); t.mem.writeU64(tv + 8, 0); t.mem.writeU64(tv + 16, 4000); t.mem.writeU64(tv + 24, 500000);
      expect(t.sys('utimes', t.str(p('m')), tv)).to.equal(0);
      t.sys('stat', t.str(p('m')), st);
      expect(t.mem.readU64(st + 88)).to.equal(4000);
      expect(t.mem.readU64(st + 96)).to.be.closeTo(500000000, 1000);
      const fd = t.open(p('m'));
      expect(t.sys('utimensat', fd, 0, 0, 0)).to.equal(0);
      expect(t.sys('fchmod', fd, 0o600)).to.equal(0);
      expect(t.sys('fchown', fd, 0, 0)).to.equal(0);
      expect(t.stat(p('m'))).to.include({ mode: 0o100600, uid: 0, gid: 0 });
      expect(t.sys('faccessat', -100, t.str(p('m')), 8)).to.equal(E.EINVAL);
      expect(t.sys('access', t.str(p('m')), 1)).to.equal(E.EACCES);
      expect(t.sys('access', t.str('/bin/prog'), 1)).to.equal(0);
    });
  });
}

describe('kernel/fs read-only mounts and the root', () => {
  it('gives EROFS on a read-only bind mount and EROFS/EEXIST in Linux order', () => {
    const w = makeWorld();
    const src = path.join(w.sb.dir, 'ro');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'f'), 'ro data');
    const vfs = new (w.vfs.constructor as new (o: object) => typeof w.vfs)({ root: w.sb.root, rootMeta: null, binds: [{ host: src, guest: '/ro', readonly: true }] });
    const t = new (w.task().constructor as new (v: typeof vfs) => FakeTask)(vfs);
    try {
      expect(t.cat('/ro/f')).to.equal('ro data');
      expect(t.open('/ro/f', O.WRONLY)).to.equal(E.EROFS);
      expect(t.open('/ro/new', O.CREAT | O.WRONLY)).to.equal(E.EROFS);
      expect(t.sys('mkdir', t.str('/ro/f'), 0o755)).to.equal(E.EEXIST);
      expect(t.sys('mkdir', t.str('/ro/d'), 0o755)).to.equal(E.EROFS);
      expect(t.sys('unlink', t.str('/ro/f'))).to.equal(E.EROFS);
      expect(t.sys('unlink', t.str('/ro/none'))).to.equal(E.EROFS);
      expect(t.sys('chmod', t.str('/ro/f'), 0o777)).to.equal(E.EROFS);
      expect(t.sys('access', t.str('/ro/f'), 2)).to.equal(E.EROFS);
      expect(t.sys('rename', t.str('/ro/f'), t.str('/etc/f'))).to.equal(E.EXDEV);
      const sfs = t.alloc(120);
      expect(t.sys('statfs', t.str('/ro'), sfs)).to.equal(0);
      expect(t.mem.readU64(sfs + 80) & 1).to.equal(1);
      expect(fs.readFileSync(path.join(src, 'f'), 'utf8')).to.equal('ro data');
      expect(t.ls('/')).to.include.members(['ro', 'proc', 'dev', 'tmp', 'etc']);
    } finally { w.sb.cleanup(); }
  });

  it('opens executables for exec with the right checks', () => {
    const w = makeWorld();
    const t = w.task();
    try {
      const r = w.vfs.openExec(t, '/bin/prog');
      expect(typeof r).to.equal('object');
      if (typeof r === 'number') throw new Error('openExec failed');
      expect(Buffer.from(r.bytes).toString('latin1')).to.equal('\x7fELF-not-really\n');
      expect(r.guestPath).to.equal('/bin/prog');
      expect(r.identity.size).to.equal(16);
      expect(w.vfs.openExec(t, '/etc/hostname')).to.equal(E.EACCES);
      expect(w.vfs.openExec(t, '/etc')).to.equal(E.EACCES);
      expect(w.vfs.openExec(t, '/nope')).to.equal(E.ENOENT);
      expect(w.vfs.openExec(t, '/proc/self/status')).to.equal(E.EACCES);
      t.sys('symlink', t.str('/bin/prog'), t.str('/tmp/p'));
      const viaLink = w.vfs.openExec(t, '/tmp/p');
      expect(typeof viaLink === 'object' && viaLink.guestPath).to.equal('/bin/prog');
      t.sys('chdir', t.str('/bin'));
      const rel = w.vfs.openExec(t, 'prog');
      expect(typeof rel === 'object' && rel.guestPath).to.equal('/bin/prog');
    } finally { w.sb.cleanup(); }
  });
});
