/**
 * mknod(2)/mknodat(2) of device nodes and sockets: on tmpfs real device
 * inodes that open their driver (ENXIO without one), on hostfs empty host
 * files whose type and rdev the metadata store keeps (nodev: EACCES on
 * open), CAP_MKNOD, and the errnos of do_mknodat.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Vfs } from '../../../kernel/fs/index.js';
import { E, FakeTask, O, Sandbox, makeWorld } from './helpers.js';

const S_IFCHR = 0o020000, S_IFBLK = 0o060000, S_IFIFO = 0o010000, S_IFSOCK = 0o140000, S_IFDIR = 0o040000;
const DT_CHR = 2, DT_BLK = 6, DT_SOCK = 12;
/** new_encode_dev, written out independently of the kernel's helper. */
const dev = (maj: number, min: number): number => ((min & 0xff) | (maj << 8) | ((min & ~0xff) << 12)) >>> 0;

/** Name -> d_type of a directory, through getdents64. */
function dtypes(t: FakeTask, dir: string): Map<string, number> {
  const fd = t.open(dir, O.DIRECTORY);
  const buf = t.alloc(8192);
  const out = new Map<string, number>();
  for (;;) {
    const n = t.sys('getdents64', fd, buf, 8192);
    if (n <= 0) break;
    for (let off = 0; off < n;) {
      out.set(t.cstr(buf + off + 19), t.mem.readU8(buf + off + 18));
      off += t.mem.readU16(buf + off + 16);
    }
  }
  t.sys('close', fd);
  return out;
}

for (const where of ['/home/user', '/tmp'] as const) {
  describe(`kernel/fs mknod of device nodes on ${where === '/tmp' ? 'tmpfs' : 'hostfs'}`, () => {
    let sb: Sandbox;
    let t: FakeTask;
    const p = (name: string): string => `${where}/${name}`;
    beforeEach(() => { const w = makeWorld(); sb = w.sb; t = w.task(); });
    afterEach(() => sb.cleanup());

    it('creates character and block nodes with type, rdev, mode minus umask and the caller\'s fs ids', () => {
      expect(t.sys('mknod', t.str(p('null')), S_IFCHR | 0o666, dev(1, 3))).to.equal(0);
      expect(t.stat(p('null'))).to.deep.include({ mode: S_IFCHR | 0o644, rdev: 0x103, uid: 0, gid: 0, size: 0, nlink: 1 });
      // A 20-bit minor and a 12-bit major survive the round trip.
      expect(t.sys('mknod', t.str(p('disk')), S_IFBLK | 0o640, dev(259, 0x12345))).to.equal(0);
      expect(t.stat(p('disk'))).to.deep.include({ mode: S_IFBLK | 0o640, rdev: dev(259, 0x12345) });
      expect(t.sys('mknod', t.str(p('max')), S_IFCHR | 0o600, 0xffffffff)).to.equal(0);
      expect(t.stat(p('max'))).to.include({ rdev: 0xffffffff });
      // CAP_MKNOD goes with the effective uid; the owner is fsuid/fsgid.
      t.sys('mkdir', t.str(p('w')), 0o777);
      t.sys('chmod', t.str(p('w')), 0o777);
      t.cred = { ...t.cred, fsuid: 1000, fsgid: 50 };
      t.fs.umask = 0o077;
      const dfd = t.open(p('w'), O.DIRECTORY);
      expect(t.sys('mknodat', dfd, t.str('tty9'), S_IFCHR | 0o666, dev(4, 9))).to.equal(0);
      expect(t.stat(p('w/tty9'))).to.deep.include({ mode: S_IFCHR | 0o600, rdev: dev(4, 9), uid: 1000, gid: 50 });
      const types = dtypes(t, where);
      expect([types.get('null'), types.get('disk')]).to.deep.equal([DT_CHR, DT_BLK]);
      expect(dtypes(t, p('w')).get('tty9')).to.equal(DT_CHR);
    });

    it('takes the group of a setgid directory', () => {
      t.sys('mkdir', t.str(p('g')), 0o775);
      t.sys('chown', t.str(p('g')), 0, 77);
      t.sys('chmod', t.str(p('g')), 0o2775);
      expect(t.stat(p('g'))).to.include({ mode: S_IFDIR | 0o2775, gid: 77 });
      expect(t.sys('mknod', t.str(p('g/c')), S_IFCHR | 0o644, dev(10, 1))).to.equal(0);
      expect(t.stat(p('g/c'))).to.include({ uid: 0, gid: 77 });
    });

    it('refuses device nodes without CAP_MKNOD, but not FIFOs and sockets', () => {
      t.sys('mkdir', t.str(p('pub')), 0o777);
      t.sys('chmod', t.str(p('pub')), 0o777);
      t.cred = { ...t.cred, uid: 1000, euid: 1000, suid: 1000, fsuid: 1000, gid: 1000, egid: 1000, sgid: 1000, fsgid: 1000 };
      expect(t.sys('mknod', t.str(p('pub/c')), S_IFCHR | 0o644, dev(1, 3))).to.equal(E.EPERM);
      expect(t.sys('mknod', t.str(p('pub/b')), S_IFBLK | 0o644, dev(3, 0))).to.equal(E.EPERM);
      expect(t.stat(p('pub/c'))).to.equal(E.ENOENT);
      expect(t.sys('mknod', t.str(p('pub/f')), S_IFIFO | 0o644, 0)).to.equal(0);
      expect(t.stat(p('pub/f'))).to.include({ mode: S_IFIFO | 0o644, uid: 1000, rdev: 0 });
      expect(t.sys('mknod', t.str(p('pub/s')), S_IFSOCK | 0o755, dev(1, 3))).to.equal(0);
      expect(t.stat(p('pub/s'))).to.include({ mode: S_IFSOCK | 0o755, rdev: 0, size: 0 });
      expect(dtypes(t, p('pub')).get('s')).to.equal(DT_SOCK);
      expect(t.open(p('pub/s'))).to.equal(E.ENXIO);
      // No write access to the directory: EACCES comes first.
      expect(t.sys('mknod', t.str(`${where}/../c`), S_IFCHR | 0o644, dev(1, 3))).to.equal(E.EACCES);
    });

    it('gives EEXIST, ENOENT, ENOTDIR, EINVAL and EPERM as do_mknodat does', () => {
      expect(t.sys('mknod', t.str(p('c')), S_IFCHR | 0o644, dev(1, 3))).to.equal(0);
      expect(t.sys('mknod', t.str(p('c')), S_IFCHR | 0o644, dev(1, 3))).to.equal(E.EEXIST);
      expect(t.sys('mknod', t.str(p('c')), S_IFIFO | 0o644, 0)).to.equal(E.EEXIST);
      expect(t.sys('mknod', t.str(p('none/c')), S_IFCHR | 0o644, dev(1, 3))).to.equal(E.ENOENT);
      expect(t.sys('mknod', t.str(p('c/x')), S_IFCHR | 0o644, dev(1, 3))).to.equal(E.ENOTDIR);
      expect(t.sys('mknod', t.str(p('bad')), 0o170644, 0)).to.equal(E.EINVAL);
      expect(t.sys('mknod', t.str(p('bad')), 0o070644, 0)).to.equal(E.EINVAL);
      expect(t.sys('mknod', t.str(p('dir')), S_IFDIR | 0o755, 0)).to.equal(E.EPERM);
      // The mode is a umode_t: bits above 16 are not part of it.
      expect(t.sys('mknod', t.str(p('f')), 0x10000 | S_IFIFO | 0o644, 0)).to.equal(0);
      expect(t.stat(p('f'))).to.include({ mode: S_IFIFO | 0o644 });
      expect(t.sys('mknod', t.str(p('r')), 0o600, dev(1, 3))).to.equal(0);
      expect(t.stat(p('r'))).to.include({ mode: 0o100600, rdev: 0 });
    });

    it('chmod, chown, rename, hard links and unlink keep the node what it is', () => {
      t.sys('mknod', t.str(p('b')), S_IFBLK | 0o600, dev(8, 17));
      expect(t.sys('chmod', t.str(p('b')), 0o4660)).to.equal(0);
      expect(t.sys('chown', t.str(p('b')), 6, 7)).to.equal(0);
      expect(t.stat(p('b'))).to.deep.include({ mode: S_IFBLK | 0o660, rdev: dev(8, 17), uid: 6, gid: 7 });
      t.sys('mkdir', t.str(p('sub')), 0o755);
      expect(t.sys('rename', t.str(p('b')), t.str(p('sub/sda1')))).to.equal(0);
      expect(t.stat(p('b'))).to.equal(E.ENOENT);
      expect(t.sys('link', t.str(p('sub/sda1')), t.str(p('again')))).to.equal(0);
      const a = t.stat(p('again')), s = t.stat(p('sub/sda1'));
      expect(a).to.deep.include({ mode: S_IFBLK | 0o660, rdev: dev(8, 17), uid: 6, gid: 7, nlink: 2 });
      expect(s).to.deep.equal(a);
      expect(t.sys('unlink', t.str(p('sub/sda1')))).to.equal(0);
      expect(t.stat(p('again'))).to.deep.include({ mode: S_IFBLK | 0o660, rdev: dev(8, 17), nlink: 1 });
      expect(t.sys('unlink', t.str(p('again')))).to.equal(0);
      expect(t.stat(p('again'))).to.equal(E.ENOENT);
      expect(t.sys('rmdir', t.str(p('sub')))).to.equal(0);
    });

    it('does not open device nodes: the mount is nodev (EACCES)', () => {
      t.sys('mknod', t.str(p('null')), S_IFCHR | 0o666, dev(1, 3));
      t.sys('mknod', t.str(p('hda')), S_IFBLK | 0o666, dev(3, 0));
      expect(t.open(p('null'), O.RDWR)).to.equal(E.EACCES);
      expect(t.open(p('null'))).to.equal(E.EACCES);
      expect(t.open(p('hda'))).to.equal(E.EACCES);
      // O_PATH opens the node without its driver.
      const fd = t.open(p('null'), O.PATH);
      expect(fd).to.be.at.least(0);
      const buf = t.alloc(144);
      expect(t.sys('fstat', fd, buf)).to.equal(0);
      expect([t.mem.readU32(buf + 24), t.mem.readU64(buf + 40)]).to.deep.equal([S_IFCHR | 0o644, 0x103]);
    });
  });
}

describe('kernel/fs mknod on hostfs: nothing special is made on the host', () => {
  let sb: Sandbox;
  beforeEach(() => { sb = new Sandbox(); });
  afterEach(() => sb.cleanup());

  it('keeps an empty host file and records type and rdev, persisted for the next instance', () => {
    const meta = sb.root + '.meta.json';
    let vfs = new Vfs({ root: sb.root, rootMeta: meta });
    let t = new FakeTask(vfs);
    expect(t.sys('mknod', t.str('/etc/console'), S_IFCHR | 0o600, dev(5, 1))).to.equal(0);
    expect(t.sys('mknod', t.str('/etc/sda'), S_IFBLK | 0o640, dev(8, 0x10203))).to.equal(0);
    t.sys('chown', t.str('/etc/sda'), 0, 6);
    expect(t.sys('mknod', t.str('/etc/sock'), S_IFSOCK | 0o644, 0)).to.equal(0);
    for (const name of ['console', 'sda', 'sock']) {
      const st = fs.lstatSync(path.join(sb.root, 'etc', name));
      expect(st.isFile(), name).to.equal(true);
      expect(st.size).to.equal(0);
      expect(Number(st.rdev)).to.equal(0);
    }
    vfs.flush();
    const saved = JSON.parse(fs.readFileSync(meta, 'utf8')) as { version: number; entries: Array<{ path: string; mode?: number; rdev?: number }> };
    expect(saved.version).to.equal(1);
    expect(saved.entries.find((e) => e.path === 'etc/sda')).to.deep.include({ mode: S_IFBLK | 0o640, rdev: dev(8, 0x10203) });
    expect(saved.entries.find((e) => e.path === 'etc/sock')).to.not.have.property('rdev');
    // A new kernel (a new hostfs instance over the same directory) sees the same nodes.
    vfs = new Vfs({ root: sb.root, rootMeta: meta });
    t = new FakeTask(vfs);
    expect(t.stat('/etc/console')).to.deep.include({ mode: S_IFCHR | 0o600, rdev: dev(5, 1), size: 0 });
    expect(t.stat('/etc/sda')).to.deep.include({ mode: S_IFBLK | 0o640, rdev: dev(8, 0x10203), gid: 6 });
    expect(t.stat('/etc/sock')).to.deep.include({ mode: S_IFSOCK | 0o644, rdev: 0 });
    expect(t.open('/etc/console', O.RDWR)).to.equal(E.EACCES);
    // The host file is a placeholder: data written to it by the host does not show as a size.
    fs.writeFileSync(path.join(sb.root, 'etc/console'), 'host bytes');
    expect(t.stat('/etc/console')).to.include({ size: 0 });
  });

  it('reads a metadata file written before rdev existed', () => {
    const meta = sb.root + '.meta.json';
    fs.writeFileSync(path.join(sb.root, 'etc/fifo'), '');
    const st = fs.lstatSync(path.join(sb.root, 'etc/fifo'), { bigint: true });
    const rec: Record<string, unknown> = { ino: Number(st.ino), path: 'etc/fifo', mode: S_IFIFO | 0o640, uid: 3 };
    if (st.birthtimeNs > 0n) rec.btime = st.birthtimeNs.toString();
    fs.writeFileSync(meta, JSON.stringify({ version: 1, entries: [rec] }));
    const t = new FakeTask(new Vfs({ root: sb.root, rootMeta: meta }));
    expect(t.stat('/etc/fifo')).to.deep.include({ mode: S_IFIFO | 0o640, uid: 3, rdev: 0 });
  });

  it('refuses mknod on a read-only bind with EROFS (EEXIST first)', () => {
    const ro = path.join(sb.dir, 'ro');
    fs.mkdirSync(ro);
    fs.writeFileSync(path.join(ro, 'there'), '');
    const t = new FakeTask(new Vfs({ root: sb.root, rootMeta: null, binds: [{ host: ro, guest: '/mnt', readonly: true }] }));
    expect(t.sys('mknod', t.str('/mnt/c'), S_IFCHR | 0o644, dev(1, 3))).to.equal(E.EROFS);
    expect(t.sys('mknod', t.str('/mnt/f'), S_IFIFO | 0o644, 0)).to.equal(E.EROFS);
    expect(t.sys('mknod', t.str('/mnt/there'), S_IFCHR | 0o644, dev(1, 3))).to.equal(E.EEXIST);
    expect(fs.readdirSync(ro)).to.deep.equal(['there']);
  });
});

describe('kernel/fs mknod on devtmpfs: nodes open their driver', () => {
  let sb: Sandbox;
  let t: FakeTask;
  beforeEach(() => { const w = makeWorld(); sb = w.sb; t = w.task(); });
  afterEach(() => sb.cleanup());

  it('a node made as 1:3 reads and writes like /dev/null, 1:5 like /dev/zero, 1:7 like /dev/full', () => {
    expect(t.sys('mknod', t.str('/dev/mynull'), S_IFCHR | 0o666, dev(1, 3))).to.equal(0);
    expect(t.stat('/dev/mynull')).to.deep.include({ mode: S_IFCHR | 0o644, rdev: 0x103 });
    const n = t.open('/dev/mynull', O.RDWR);
    expect(n).to.be.at.least(0);
    expect(t.write(n, 'gone')).to.equal(4);
    expect(t.readStr(n)).to.equal('');
    t.sys('mknod', t.str('/dev/myzero'), S_IFCHR | 0o666, dev(1, 5));
    const z = t.open('/dev/myzero');
    expect(t.readStr(z, 3)).to.equal('\0\0\0');
    t.sys('mknod', t.str('/dev/myfull'), S_IFCHR | 0o666, dev(1, 7));
    const f = t.open('/dev/myfull', O.WRONLY);
    expect(t.write(f, 'x')).to.equal(E.ENOSPC);
    t.sys('mknod', t.str('/dev/myurandom'), S_IFCHR | 0o666, dev(1, 9));
    expect((t.readStr(t.open('/dev/myurandom'), 16) as string).length).to.equal(16);
  });

  it('a device number with no driver is ENXIO, and so is every block device', () => {
    t.sys('mknod', t.str('/dev/mem'), S_IFCHR | 0o640, dev(1, 1));
    t.sys('mknod', t.str('/dev/fb0'), S_IFCHR | 0o640, dev(29, 0));
    t.sys('mknod', t.str('/dev/hda'), S_IFBLK | 0o640, dev(3, 0));
    expect(t.open('/dev/mem')).to.equal(E.ENXIO);
    expect(t.open('/dev/fb0', O.RDWR)).to.equal(E.ENXIO);
    expect(t.open('/dev/hda')).to.equal(E.ENXIO);
    // Permissions are checked before the driver is looked up.
    t.cred = { ...t.cred, uid: 1000, euid: 1000, fsuid: 1000, gid: 1000, egid: 1000, fsgid: 1000 };
    expect(t.open('/dev/fb0')).to.equal(E.EACCES);
  });

  it('/tmp is mounted nodev: the same node there does not open', () => {
    t.sys('mknod', t.str('/tmp/null'), S_IFCHR | 0o666, dev(1, 3));
    expect(t.open('/tmp/null', O.RDWR)).to.equal(E.EACCES);
    expect(t.sys('rename', t.str('/tmp/null'), t.str('/dev/null2'))).to.equal(E.EXDEV);
  });
});
