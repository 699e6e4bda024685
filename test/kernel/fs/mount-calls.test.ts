/**
 * mount(2) beyond binds: new tmpfs mounts and their options, remounts of a
 * superblock and of one mount (read-only with writers open: EBUSY), the
 * host's read-only lock, mount flags, and umount of one's own root.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { E, O, type FakeTask, type Sandbox, makeWorld } from './helpers.js';
import { Vfs } from '../../../kernel/fs/index.js';
import { FakeTask as Task } from './helpers.js';

const MS_RDONLY = 1, MS_NOSUID = 2, MS_NOEXEC = 8, MS_REMOUNT = 32, MS_BIND = 4096;

function mount(t: FakeTask, src: string | null, target: string, type: string | null, flags: number, data: string | null = null): number {
  const p = (s: string | null): number => (s === null ? 0 : t.str(s));
  return t.sys('mount', p(src), t.str(target), p(type), flags, p(data));
}
const umount = (t: FakeTask, target: string, flags = 0): number => t.sys('umount2', t.str(target), flags);
const mountsLine = (t: FakeTask, at: string): string | undefined =>
  (t.cat('/proc/mounts') as string).split('\n').filter((l) => l.split(' ')[1] === at).pop();
const infoLine = (t: FakeTask, at: string): string | undefined =>
  (t.cat('/proc/self/mountinfo') as string).split('\n').filter((l) => l.split(' ')[4] === at).pop();

describe('kernel/fs mount(2): tmpfs, remount and flags', () => {
  let sb: Sandbox;
  let t: FakeTask;
  const D = '/home/user/mnt';
  beforeEach(() => {
    const w = makeWorld();
    sb = w.sb;
    t = w.task();
    expect(t.sys('mkdir', t.str(D), 0o755)).to.equal(0);
  });
  afterEach(() => sb.cleanup());

  it('mounts a tmpfs with size= and mode=, shows them, and enforces the size', () => {
    expect(mount(t, 'scratch', D, 'tmpfs', MS_NOSUID, 'size=64k,mode=0750,uid=5,gid=6')).to.equal(0);
    expect(mountsLine(t, D)).to.equal(`scratch ${D} tmpfs rw,nosuid,relatime,size=64k,mode=750,uid=5,gid=6 0 0`);
    expect(infoLine(t, D)).to.match(new RegExp(`^\\d+ \\d+ 0:\\d+ / ${D} rw,nosuid,relatime - tmpfs scratch rw,size=64k,mode=750,uid=5,gid=6$`));
    const st = t.stat(D) as { mode: number; uid: number; gid: number };
    expect([st.mode & 0o7777, st.uid, st.gid]).to.deep.equal([0o750, 5, 6]);
    const fd = t.open(`${D}/big`, O.CREAT | O.WRONLY);
    expect(t.write(fd, 'x'.repeat(60 * 1024))).to.equal(60 * 1024);
    expect(t.write(fd, 'x'.repeat(8 * 1024))).to.be.below(8 * 1024);
    t.sys('close', fd);
    expect(umount(t, D)).to.equal(0);
    expect(mountsLine(t, D)).to.equal(undefined);
  });

  it('rejects unknown and malformed tmpfs options with EINVAL and accepts the flag words', () => {
    expect(mount(t, 'tmpfs', D, 'tmpfs', 0, 'bogus')).to.equal(E.EINVAL);
    expect(mount(t, 'tmpfs', D, 'tmpfs', 0, 'size=12q')).to.equal(E.EINVAL);
    expect(mount(t, 'tmpfs', D, 'tmpfs', 0, 'mode=999')).to.equal(E.EINVAL);
    expect(mount(t, 'tmpfs', D, 'tmpfs', 0, 'nr_inodes=1k,huge=never,inode64,size=10%')).to.equal(0);
    expect(umount(t, D)).to.equal(0);
    expect(mount(t, 'tmpfs', D, 'tmpfs', 0, 'ro')).to.equal(0);
    expect(t.open(`${D}/f`, O.CREAT | O.WRONLY)).to.equal(E.EROFS);
    expect(infoLine(t, D)).to.match(/ rw,relatime - tmpfs tmpfs ro$/);
    expect(umount(t, D)).to.equal(0);
  });

  it('remounts read-only: EBUSY while a file is open for writing, then EROFS, then writable again', () => {
    expect(mount(t, 'tmpfs', D, 'tmpfs', 0)).to.equal(0);
    const fd = t.open(`${D}/f`, O.CREAT | O.WRONLY);
    expect(mount(t, null, D, null, MS_REMOUNT | MS_RDONLY)).to.equal(-16);
    expect(mount(t, null, D, null, MS_REMOUNT | MS_BIND | MS_RDONLY)).to.equal(-16);
    t.sys('close', fd);
    const rfd = t.open(`${D}/f`, O.RDONLY);
    expect(mount(t, null, D, null, MS_REMOUNT | MS_RDONLY), 'readers do not hold it').to.equal(0);
    t.sys('close', rfd);
    expect(t.open(`${D}/g`, O.CREAT | O.WRONLY)).to.equal(E.EROFS);
    expect(t.sys('mkdir', t.str(`${D}/d`), 0o755)).to.equal(E.EROFS);
    expect(mountsLine(t, D)).to.equal(`tmpfs ${D} tmpfs ro,relatime 0 0`);
    expect(infoLine(t, D)).to.match(/ ro,relatime - tmpfs tmpfs ro$/);
    expect(mount(t, null, `${D}/f`, null, MS_REMOUNT), 'not a mount root').to.equal(E.EINVAL);
    expect(mount(t, null, D, null, MS_REMOUNT, 'size=1k,bogus')).to.equal(E.EINVAL);
    expect(mount(t, null, D, null, MS_REMOUNT)).to.equal(0);
    expect(t.open(`${D}/g`, O.CREAT | O.WRONLY)).to.be.at.least(0);
    expect(umount(t, D)).to.equal(E.EBUSY);
  });

  it('remounts one bind mount read-only without touching the filesystem\'s other mounts', () => {
    expect(t.sys('mkdir', t.str('/home/user/src'), 0o755)).to.equal(0);
    expect(mount(t, '/home/user/src', D, null, MS_BIND)).to.equal(0);
    expect(mount(t, null, D, null, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOEXEC)).to.equal(0);
    expect(t.open(`${D}/x`, O.CREAT | O.WRONLY)).to.equal(E.EROFS);
    expect(t.open('/home/user/src/x', O.CREAT | O.WRONLY)).to.be.at.least(0);
    expect(mountsLine(t, D)).to.equal(`/dev/root ${D} hostfs ro,noexec,relatime 0 0`);
    expect(infoLine(t, D)).to.match(/ \/home\/user\/src \/home\/user\/mnt ro,noexec,relatime - hostfs \/dev\/root rw$/);
    expect(mount(t, null, D, null, MS_REMOUNT | MS_BIND)).to.equal(0);
    expect(t.open(`${D}/y`, O.CREAT | O.WRONLY)).to.be.at.least(0);
  });

  it('keeps the host\'s read-only binds locked: no remount writable, and binds of them stay read-only', () => {
    const host = path.join(sb.dir, 'ro-src');
    fs.mkdirSync(host);
    fs.writeFileSync(path.join(host, 'data'), 'ro\n');
    const vfs = new Vfs({ root: sb.root, rootMeta: null, binds: [{ host, guest: '/ro', readonly: true }] });
    const u = new Task(vfs);
    expect(mount(u, null, '/ro', null, MS_REMOUNT)).to.equal(E.EPERM);
    expect(mount(u, null, '/ro', null, MS_REMOUNT | MS_BIND)).to.equal(E.EPERM);
    expect(mount(u, '/ro', D, null, MS_BIND)).to.equal(0);
    expect(u.cat(`${D}/data`)).to.equal('ro\n');
    expect(u.open(`${D}/new`, O.CREAT | O.WRONLY)).to.equal(E.EROFS);
    expect(mount(u, null, D, null, MS_REMOUNT | MS_BIND)).to.equal(E.EPERM);
    expect(fs.readdirSync(host)).to.deep.equal(['data']);
  });

  it('"unmounts" the caller\'s root by remounting it read-only, as Linux does', () => {
    expect(umount(t, '/')).to.equal(0);
    expect(t.open('/home/user/x', O.CREAT | O.WRONLY)).to.equal(E.EROFS);
    expect(infoLine(t, '/')).to.match(/ - hostfs \/dev\/root ro$/);
    expect(mount(t, null, '/', null, MS_REMOUNT)).to.equal(0);
    expect(t.open('/home/user/x', O.CREAT | O.WRONLY)).to.be.at.least(0);
  });

  it('sees another task\'s cwd inside a mount as busy', () => {
    expect(mount(t, 'tmpfs', D, 'tmpfs', 0)).to.equal(0);
    const other = new Task(t.vfs, 200);
    expect(other.sys('chdir', other.str(D))).to.equal(0);
    t.vfs.proc = {
      tgids: () => [200],
      task: (tid: number) => (tid === 200 ? { tid: 200, threads: [200], fs: other.fs, files: other.files } : null),
    } as unknown as NonNullable<Vfs['proc']>;
    expect(umount(t, D)).to.equal(E.EBUSY);
    expect(other.sys('chdir', other.str('/'))).to.equal(0);
    expect(umount(t, D)).to.equal(0);
  });
});
