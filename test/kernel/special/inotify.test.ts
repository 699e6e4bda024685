import { expect } from 'chai';
import { EAGAIN, EBADF, EEXIST, EINVAL, EMFILE, ENOENT, ENOSPC, ENOTDIR, ENOTTY } from '../../../kernel/errno.js';
import { O_NONBLOCK, O_RDONLY, POLLIN, POLLRDNORM } from '../../../kernel/file.js';
import { INOTIFY_LIMITS, layout } from '../../../kernel/special/index.js';
import { fixture, line, section } from './fixtures.js';
import { FakeTask, World } from './harness.js';

const {
  FIONREAD, IN_ACCESS, IN_ALL_EVENTS, IN_ATTRIB, IN_CLOEXEC, IN_CLOSE_NOWRITE, IN_CLOSE_WRITE, IN_CREATE, IN_DELETE,
  IN_DELETE_SELF, IN_EXCL_UNLINK, IN_IGNORED, IN_ISDIR, IN_MASK_ADD, IN_MASK_CREATE, IN_MODIFY, IN_MOVE_SELF,
  IN_MOVED_FROM, IN_MOVED_TO, IN_NONBLOCK, IN_ONESHOT, IN_ONLYDIR, IN_OPEN, IN_Q_OVERFLOW, IN_UNMOUNT,
} = layout;

const NAMES: [number, string][] = [
  [IN_ACCESS, 'ACCESS'], [IN_MODIFY, 'MODIFY'], [IN_ATTRIB, 'ATTRIB'], [IN_CLOSE_WRITE, 'CLOSE_WRITE'],
  [IN_CLOSE_NOWRITE, 'CLOSE_NOWRITE'], [IN_OPEN, 'OPEN'], [IN_MOVED_FROM, 'MOVED_FROM'], [IN_MOVED_TO, 'MOVED_TO'],
  [IN_CREATE, 'CREATE'], [IN_DELETE, 'DELETE'], [IN_DELETE_SELF, 'DELETE_SELF'], [IN_MOVE_SELF, 'MOVE_SELF'],
  [IN_UNMOUNT, 'UNMOUNT'], [IN_Q_OVERFLOW, 'Q_OVERFLOW'], [IN_IGNORED, 'IGNORED'], [IN_ISDIR, 'ISDIR'],
];
function maskName(m: number): string {
  const parts: string[] = [];
  for (const [bit, name] of NAMES) if (m & bit) { parts.push(name); m &= ~bit; }
  if (m) parts.push(`0x${(m >>> 0).toString(16)}`);
  return parts.join('|');
}

/** Decodes events as fd_inotify.c's drain() prints them. */
class Reader {
  wdDir = -1;
  wdFile = -1;
  private lastCookie = 0;
  constructor(readonly w: World, readonly fd: number) {}
  private wdName(wd: number): string { return wd === this.wdDir ? 'dir' : wd === this.wdFile ? 'file' : `wd${wd}`; }
  events(): { wd: number; mask: number; cookie: number; len: number; name: string }[] {
    const buf = this.w.alloc(65536);
    const out = [];
    for (;;) {
      const n = this.w.read(this.fd, buf, 65536);
      if (n < 0) { expect(n).to.equal(-EAGAIN); break; }
      for (let p = buf; p < buf + n;) {
        const len = this.w.mem.readU32(p + 12);
        let name = '';
        for (let i = 0; i < len && this.w.mem.readU8(p + 16 + i) !== 0; i++) name += String.fromCharCode(this.w.mem.readU8(p + 16 + i));
        out.push({ wd: this.w.mem.readI32(p), mask: this.w.mem.readU32(p + 4), cookie: this.w.mem.readU32(p + 8), len, name });
        p += 16 + len;
      }
    }
    return out;
  }
  drain(label: string): string[] {
    const avail = this.w.alloc(4);
    expect(this.w.ioctl(this.fd, FIONREAD, avail)).to.equal(0);
    const lines = [`${label}: FIONREAD=${this.w.mem.readI32(avail)}`];
    for (const e of this.events()) {
      let cookie = '';
      if (e.cookie !== 0) { cookie = e.cookie === this.lastCookie ? ' cookie=same' : ' cookie=new'; this.lastCookie = e.cookie; }
      lines.push(`  ${this.wdName(e.wd)} ${maskName(e.mask)} len=${e.len}${e.len ? ' name=' : ''}${e.name}${cookie}`);
    }
    return lines;
  }
}

function addWatch(w: World, fd: number, path: string, mask: number): number {
  return w.call('inotify_add_watch', fd, w.str(path), mask >>> 0);
}

describe('special/inotify', () => {
  it('creates an anon_inode:inotify O_RDONLY file; IN_NONBLOCK and IN_CLOEXEC; bad flags are EINVAL', () => {
    const w = new World();
    expect(w.call('inotify_init1', 1)).to.equal(-EINVAL);
    const fd = w.call('inotify_init1', IN_NONBLOCK | IN_CLOEXEC);
    expect(w.file(fd).path).to.equal('anon_inode:inotify');
    expect(w.file(fd).flags).to.equal(O_RDONLY | O_NONBLOCK);
    expect(w.t.files.getCloexec(fd)).to.equal(true);
    expect(w.read(fd, w.alloc(16), 16)).to.equal(-EAGAIN);
    expect(w.call('inotify_init')).to.be.at.least(0);
  });

  it('replays fd_inotify through the VFS hooks and reads what Linux reported', () => {
    const native = fixture('fd_inotify');
    const w = new World();
    const hub = w.special.fsnotify;
    const t = w.t;
    w.vfs.add('/tmp', 'dir');
    w.vfs.add('/tmp/d', 'dir');
    const dir = (): ReturnType<typeof w.vfs.get> => w.vfs.get('/tmp/d');
    const fd = w.call('inotify_init1', IN_NONBLOCK | IN_CLOEXEC);
    const r = new Reader(w, fd);
    r.wdDir = addWatch(w, fd, '/tmp/d', IN_ALL_EVENTS);
    expect(`add_watch dir = ${r.wdDir}`).to.equal(line(native, 'add_watch dir'));

    // open(O_CREAT|O_EXCL), write, write, close.
    const a = w.vfs.add('/tmp/d/a', 'reg');
    hub.create(dir(), 'a', a, t);
    hub.open(a, t);
    hub.modify(a, t);
    hub.modify(a, t);
    hub.close(a, true, t);
    expect(r.drain('create+write+close')).to.deep.equal(section(native, 'create+write+close'));

    r.wdFile = addWatch(w, fd, '/tmp/d/a', IN_ALL_EVENTS);
    expect(`add_watch file = ${r.wdFile}`).to.equal(line(native, 'add_watch file ='));
    expect(addWatch(w, fd, '/tmp/d/a', IN_MODIFY)).to.equal(r.wdFile);
    expect(addWatch(w, fd, '/tmp/d/a', IN_ALL_EVENTS | IN_MASK_CREATE)).to.equal(-EEXIST);
    expect(addWatch(w, fd, '/tmp/d/a', IN_ALL_EVENTS | IN_MASK_ADD)).to.equal(r.wdFile);
    expect(addWatch(w, fd, '/tmp/d/a', IN_OPEN | IN_MASK_ADD | IN_MASK_CREATE)).to.equal(-EINVAL);
    // open(O_RDONLY), read (data), read (EOF: no event), close, chmod.
    hub.open(a, t);
    hub.access(a, t);
    hub.close(a, false, t);
    hub.change(a, { mode: true }, t);
    expect(r.drain('open+read+close+chmod')).to.deep.equal(section(native, 'open+read+close+chmod'));

    const sub = w.vfs.add('/tmp/d/sub', 'dir');
    hub.create(dir(), 'sub', sub, t);
    w.vfs.rename('/tmp/d/a', '/tmp/d/b');
    hub.rename(dir(), 'a', dir(), 'b', w.vfs.get('/tmp/d/b'), t);
    expect(r.drain('mkdir+rename')).to.deep.equal(section(native, 'mkdir+rename'));

    const b = w.vfs.get('/tmp/d/b');
    w.vfs.remove('/tmp/d/b');
    hub.unlink(dir(), 'b', b, t, true);
    w.vfs.remove('/tmp/d/sub');
    hub.rmdir(dir(), 'sub', sub, t, true);
    expect(r.drain('unlink+rmdir')).to.deep.equal(section(native, 'unlink+rmdir'));

    // opendir, two getdents calls, closedir.
    hub.open(dir(), t);
    hub.access(dir(), t);
    hub.access(dir(), t);
    hub.close(dir(), false, t);
    expect(r.drain('readdir')).to.deep.equal(section(native, 'readdir:'));

    const long = w.vfs.add('/tmp/d/name-longer-than-sixteen', 'reg');
    hub.create(dir(), long.name as string, long, t);
    hub.open(long, t);
    hub.close(long, true, t);
    expect(`read 16 bytes with a named event = ${w.read(fd, w.alloc(16), 16) === -EINVAL ? '-1 EINVAL' : '?'}`)
      .to.equal(line(native, 'read 16 bytes'));
    expect(r.drain('after short read')).to.deep.equal(section(native, 'after short read'));

    const one = addWatch(w, fd, '/tmp/d/name-longer-than-sixteen', IN_OPEN | IN_ONESHOT);
    expect(one).to.be.greaterThan(r.wdFile);
    r.wdFile = one;
    for (let i = 0; i < 2; i++) { hub.open(long, t); hub.close(long, false, t); }
    expect(r.drain('oneshot')).to.deep.equal(section(native, 'oneshot:'));

    r.wdFile = addWatch(w, fd, '/tmp/d/name-longer-than-sixteen', IN_CLOSE_WRITE | IN_CLOSE_NOWRITE);
    expect(w.fdinfo(fd).split('\n').filter((l) => l).map((l) => `fdinfo: ${l.slice(0, l.indexOf(' ino:'))}`))
      .to.deep.equal(native.filter((l) => l.startsWith('fdinfo: inotify wd:')));
    expect(w.call('inotify_rm_watch', fd, r.wdFile)).to.equal(0);
    expect(w.call('inotify_rm_watch', fd, r.wdFile)).to.equal(-EINVAL);
    expect(r.drain('rm_watch')).to.deep.equal(section(native, 'rm_watch:'));
    w.vfs.remove('/tmp/d/name-longer-than-sixteen');
    hub.unlink(dir(), long.name as string, long, t, true);
    expect(r.drain('unlink')).to.deep.equal(section(native, 'unlink:'));

    // The overflow: two files written alternately, 8200 times each.
    const f = w.vfs.add('/tmp/d/f', 'reg');
    hub.create(dir(), 'f', f, t); hub.open(f, t); hub.close(f, true, t);
    expect(r.drain('errors')).to.deep.equal(section(native, 'errors:'));
    const g = w.vfs.add('/tmp/d/g', 'reg');
    hub.open(f, t);
    hub.create(dir(), 'g', g, t); hub.open(g, t);
    expect(r.drain('overflow setup')).to.deep.equal(section(native, 'overflow setup'));
    for (let i = 0; i < 8200; i++) { hub.modify(f, t); hub.modify(g, t); }
    const evs = r.events();
    expect(`overflow: events=${evs.length} overflow_events=${evs.filter((e) => e.mask & IN_Q_OVERFLOW).length} last_wd=${evs[evs.length - 1].wd}`)
      .to.equal(line(native, 'overflow:'));
    hub.close(f, true, t);
    hub.close(g, true, t);
    w.vfs.remove('/tmp/d/g');
    hub.unlink(dir(), 'g', g, t, true);
    w.vfs.remove('/tmp/d/f');
    hub.unlink(dir(), 'f', f, t, true);
    const d = dir();
    w.vfs.remove('/tmp/d');
    hub.rmdir(w.vfs.get('/tmp'), 'd', d, t, true);
    expect(r.drain('cleanup')).to.deep.equal(section(native, 'cleanup:'));
  });

  it('checks add_watch arguments in Linux order', () => {
    const w = new World();
    w.vfs.add('/d', 'dir');
    w.vfs.add('/d/f', 'reg');
    w.vfs.unreadable.add('/d/secret');
    w.vfs.add('/d/secret', 'reg');
    const fd = w.call('inotify_init1', 0);
    const efd = w.call('eventfd', 0);
    expect(addWatch(w, fd, '/d', 0)).to.equal(-EINVAL);
    expect(addWatch(w, 99, '/d', IN_OPEN)).to.equal(-EBADF);
    expect(addWatch(w, efd, '/d', IN_OPEN)).to.equal(-EINVAL);
    expect(addWatch(w, fd, '/missing', IN_OPEN)).to.equal(-ENOENT);
    expect(addWatch(w, fd, '', IN_OPEN)).to.equal(-ENOENT);
    expect(addWatch(w, fd, '/d/f', IN_OPEN | IN_ONLYDIR)).to.equal(-ENOTDIR);
    expect(addWatch(w, fd, '/d/secret', IN_OPEN)).to.equal(-13);
    expect(w.call('inotify_rm_watch', efd, 1)).to.equal(-EINVAL);
    expect(w.call('inotify_rm_watch', 99, 1)).to.equal(-EBADF);
    expect(w.ioctl(fd, 0x1234, 0)).to.equal(-ENOTTY);
    // A mask of only flags is a watch with no events.
    expect(addWatch(w, fd, '/d', IN_ONLYDIR)).to.equal(1);
  });

  it('prints watches newest first in fdinfo, with the user mask and the file handle', () => {
    const w = new World();
    w.vfs.add('/d', 'dir');
    const f = w.vfs.add('/d/f', 'reg');
    const fd = w.call('inotify_init1', 0);
    addWatch(w, fd, '/d', IN_CREATE | IN_DELETE);
    addWatch(w, fd, '/d/f', IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK);
    const ino = f.ino.toString(16);
    const fh = (n: number): string => Buffer.from([n & 0xff, (n >> 8) & 0xff, 0, 0, 0, 0, 0, 0]).toString('hex');
    expect(w.fdinfo(fd)).to.equal(
      `inotify wd:2 ino:${ino} sdev:21 mask:84000fff ignored_mask:0 fhandle-bytes:8 fhandle-type:1 f_handle:${fh(f.ino)}\n` +
      `inotify wd:1 ino:${(f.ino - 1).toString(16)} sdev:21 mask:300 ignored_mask:0 fhandle-bytes:8 fhandle-type:1 f_handle:${fh(f.ino - 1)}\n`);
  });

  it('allocates watch descriptors cyclically and reuses none right away', () => {
    const w = new World();
    for (const p of ['/a', '/b', '/c']) w.vfs.add(p, 'dir');
    const fd = w.call('inotify_init1', 0);
    expect(addWatch(w, fd, '/a', IN_OPEN)).to.equal(1);
    expect(addWatch(w, fd, '/b', IN_OPEN)).to.equal(2);
    w.call('inotify_rm_watch', fd, 1);
    expect(addWatch(w, fd, '/a', IN_OPEN)).to.equal(3);
    expect(w.ioctl(fd, 0x40044900, 0)).to.equal(-EINVAL);
    expect(w.ioctl(fd, 0x40044900, 10)).to.equal(0);
    expect(addWatch(w, fd, '/c', IN_OPEN)).to.equal(10);
  });

  it('skips events on unlinked children with IN_EXCL_UNLINK', () => {
    const w = new World();
    w.vfs.add('/d', 'dir');
    const f = w.vfs.add('/d/f', 'reg');
    const fd = w.call('inotify_init1', IN_NONBLOCK);
    addWatch(w, fd, '/d', IN_MODIFY | IN_EXCL_UNLINK);
    w.special.fsnotify.modify(w.vfs.unlinked(f), w.t);
    expect(w.poll(fd)).to.equal(0);
    w.special.fsnotify.modify(f, w.t);
    expect(w.poll(fd)).to.equal(POLLIN | POLLRDNORM);
  });

  it('reports IN_UNMOUNT then IN_IGNORED for watches on an unmounted filesystem', () => {
    const w = new World();
    w.vfs.add('/d', 'dir');
    const fd = w.call('inotify_init1', IN_NONBLOCK);
    const r = new Reader(w, fd);
    r.wdDir = addWatch(w, fd, '/d', IN_CREATE);
    w.special.fsnotify.unmount(w.vfs.sb);
    expect(r.drain('umount')).to.deep.equal(['umount: FIONREAD=32', '  dir UNMOUNT len=0', '  dir IGNORED len=0']);
  });

  it('wakes its readers, and stops queueing once closed', () => {
    const w = new World();
    const d = w.vfs.add('/d', 'dir');
    const fd = w.call('inotify_init1', 0);
    addWatch(w, fd, '/d', IN_OPEN);
    const f = w.file(fd);
    let woke = 0;
    f.ops.waitQueue?.(f).add(() => { woke++; });
    w.special.fsnotify.open(d, w.t);
    expect(woke).to.equal(1);
    w.close(fd);
    expect(() => w.special.fsnotify.open(d, w.t)).not.to.throw();
  });

  it('limits instances and watches per user (EMFILE, ENOSPC)', () => {
    const w = new World();
    w.vfs.add('/d', 'dir');
    w.t.files.limit = 1000;
    const saved = { ...INOTIFY_LIMITS };
    try {
      INOTIFY_LIMITS.maxUserInstances = 2;
      INOTIFY_LIMITS.maxUserWatches = 1;
      const a = w.call('inotify_init1', 0);
      w.call('inotify_init1', 0);
      expect(w.call('inotify_init1', 0)).to.equal(-EMFILE);
      const other = new FakeTask(w.mem, 200, 200);
      other.cred.uid = 1000;
      expect(w.callAs(other, 'inotify_init1', 0)).to.be.at.least(0);
      w.close(a);
      const c = w.call('inotify_init1', 0);
      expect(c).to.be.at.least(0);
      w.vfs.add('/e', 'dir');
      expect(addWatch(w, c, '/d', IN_OPEN)).to.equal(1);
      expect(addWatch(w, c, '/e', IN_OPEN)).to.equal(-ENOSPC);
    } finally {
      Object.assign(INOTIFY_LIMITS, saved);
    }
  });

  it('does not merge events that differ only by name, and sizes names to 16-byte multiples', () => {
    const w = new World();
    w.vfs.add('/d', 'dir');
    const fd = w.call('inotify_init1', IN_NONBLOCK);
    addWatch(w, fd, '/d', IN_MODIFY);
    const names = ['x', 'abcdefghijklmno', 'abcdefghijklmnop'];
    for (const n of names) w.special.fsnotify.modify(w.vfs.add(`/d/${n}`, 'reg'), w.t);
    const evs = new Reader(w, fd).events();
    expect(evs.map((e) => [e.name, e.len])).to.deep.equal([['x', 16], ['abcdefghijklmno', 16], ['abcdefghijklmnop', 32]]);
  });
});
