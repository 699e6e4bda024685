/** The VFS reports guest operations to the fsnotify hub: inotify (kernel/special) sees them as Linux reports them. */
import { expect } from 'chai';
import { makeSpecial } from '../../../kernel/special/index.js';
import { WaitQueue } from '../../../kernel/wait.js';
import { E, O, type FakeTask, type Sandbox, makeWorld } from './helpers.js';

const IN = { ACCESS: 1, MODIFY: 2, ATTRIB: 4, CLOSE_WRITE: 8, CLOSE_NOWRITE: 0x10, OPEN: 0x20, MOVED_FROM: 0x40, MOVED_TO: 0x80, CREATE: 0x100, DELETE: 0x200, DELETE_SELF: 0x400, IGNORED: 0x8000, ISDIR: 0x40000000, ALL: 0xfff };

describe('kernel/fs fsnotify hooks', () => {
  let sb: Sandbox;
  let t: FakeTask;
  let calls: ReturnType<typeof makeSpecial>['calls'];
  beforeEach(() => {
    const w = makeWorld();
    sb = w.sb;
    t = w.task();
    const special = makeSpecial({
      clock: { now: () => 0, setTimer: () => () => undefined },
      signals: { pending: () => ({ lo: 0, hi: 0 }), dequeue: () => null, queue: () => new WaitQueue() },
      vfs: w.vfs,
    });
    calls = special.calls;
    w.vfs.setNotify(special.fsnotify);
  });
  afterEach(() => sb.cleanup());

  function events(fd: number): Array<[number, number, string]> {
    const buf = t.alloc(4096);
    const n = t.sys('read', fd, buf, 4096);
    const out: Array<[number, number, string]> = [];
    if (n < 0) return out;
    for (let off = 0; off < n;) {
      const mask = t.mem.readU32(buf + off + 4);
      const cookie = t.mem.readU32(buf + off + 8);
      const len = t.mem.readU32(buf + off + 12);
      out.push([mask, cookie, len > 0 ? t.cstr(buf + off + 16) : '']);
      off += 16 + len;
    }
    return out;
  }
  const inotify = (name: 'inotify_init1' | 'inotify_add_watch', ...a: number[]): number => {
    const x = [...a, 0, 0, 0, 0, 0, 0];
    return calls[name](t, x[0], x[1], x[2], x[3], x[4], x[5]);
  };

  it('reports create, modify, close, attrib, moves and deletes in a watched directory', () => {
    const ifd = inotify('inotify_init1', O.NONBLOCK);
    expect(ifd).to.be.at.least(0);
    t.sys('mkdir', t.str('/tmp/w'), 0o755);
    for (const dir of ['/tmp/w', '/home/user']) {
      expect(inotify('inotify_add_watch', ifd, t.str(dir), IN.ALL)).to.be.at.least(1);
      const fd = t.open(`${dir}/a`, O.CREAT | O.WRONLY);
      t.write(fd, 'x');
      t.sys('close', fd);
      t.cat(`${dir}/a`);
      t.sys('chmod', t.str(`${dir}/a`), 0o600);
      t.sys('rename', t.str(`${dir}/a`), t.str(`${dir}/b`));
      t.sys('mkdir', t.str(`${dir}/d`), 0o755);
      t.sys('unlink', t.str(`${dir}/b`));
      t.sys('rmdir', t.str(`${dir}/d`));
      const ev = events(ifd);
      const cookie = ev.find((e) => e[0] === IN.MOVED_FROM)?.[1] ?? -1;
      expect(cookie).to.be.greaterThan(0);
      expect(ev).to.deep.equal([
        [IN.CREATE, 0, 'a'], [IN.OPEN, 0, 'a'], [IN.MODIFY, 0, 'a'], [IN.CLOSE_WRITE, 0, 'a'],
        [IN.OPEN, 0, 'a'], [IN.ACCESS, 0, 'a'], [IN.CLOSE_NOWRITE, 0, 'a'], [IN.ATTRIB, 0, 'a'],
        [IN.MOVED_FROM, cookie, 'a'], [IN.MOVED_TO, cookie, 'b'],
        [IN.CREATE | IN.ISDIR, 0, 'd'], [IN.DELETE, 0, 'b'], [IN.DELETE | IN.ISDIR, 0, 'd'],
      ]);
    }
    expect(events(ifd)).to.deep.equal([]);
    expect(t.sys('read', ifd, t.alloc(64), 64)).to.equal(E.EAGAIN);
  });

  it('reports to a watch on the file itself, ending with DELETE_SELF and IGNORED', () => {
    const ifd = inotify('inotify_init1', O.NONBLOCK);
    const fd = t.open('/tmp/f', O.CREAT | O.RDWR);
    t.sys('close', fd);
    const wd = inotify('inotify_add_watch', ifd, t.str('/tmp/f'), IN.ALL);
    expect(wd).to.be.at.least(1);
    t.sys('truncate', t.str('/tmp/f'), 10);
    t.sys('unlink', t.str('/tmp/f'));
    expect(events(ifd)).to.deep.equal([[IN.MODIFY, 0, ''], [IN.ATTRIB, 0, ''], [IN.DELETE_SELF, 0, ''], [IN.IGNORED, 0, '']]);
    expect(inotify('inotify_add_watch', ifd, t.str('/tmp/none'), IN.ALL)).to.equal(E.ENOENT);
    expect(inotify('inotify_add_watch', ifd, t.str('/etc/hostname'), IN.ALL | 0x01000000)).to.equal(E.ENOTDIR);
  });
});
