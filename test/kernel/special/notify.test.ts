/**
 * The fsnotify hooks' sequences for the operations docs/special-fds.md
 * lists, checked against what inotify reported for the same operations on
 * Linux 6.18 (a native run of the same steps).
 */
import { expect } from 'chai';
import { type FsObject, layout } from '../../../kernel/special/index.js';
import { World } from './harness.js';

const { IN_ALL_EVENTS, IN_NONBLOCK } = layout;

function setup(): { w: World; inotify: number; watch: (p: string) => number; drain: () => string[] } {
  const w = new World();
  const inotify = w.call('inotify_init1', IN_NONBLOCK);
  const watch = (p: string): number => w.call('inotify_add_watch', inotify, w.str(p), IN_ALL_EVENTS);
  const drain = (): string[] => {
    const buf = w.alloc(4096);
    const out: string[] = [];
    for (let n = w.read(inotify, buf, 4096); n > 0; n = w.read(inotify, buf, 4096)) {
      for (let p = buf; p < buf + n;) {
        const len = w.mem.readU32(p + 12);
        let name = '';
        for (let i = 0; i < len && w.mem.readU8(p + 16 + i) !== 0; i++) name += String.fromCharCode(w.mem.readU8(p + 16 + i));
        out.push(`wd=${w.mem.readI32(p)} mask=${w.mem.readU32(p + 4).toString(16)} cookie?${w.mem.readU32(p + 8) !== 0 ? 1 : 0} name=${name}`);
        p += 16 + len;
      }
    }
    return out;
  };
  return { w, inotify, watch, drain };
}

describe('special/notify (fsnotify hooks)', () => {
  it('rename over an existing name, link, unlink with links left, unlink of an open file, truncate', () => {
    const { w, watch, drain } = setup();
    const hub = w.special.fsnotify;
    const t = w.t;
    w.vfs.add('/d', 'dir');
    w.vfs.add('/d/a', 'reg');
    w.vfs.add('/d/b', 'reg');
    const d = (): FsObject => w.vfs.get('/d');
    expect([watch('/d'), watch('/d/a'), watch('/d/b')]).to.deep.equal([1, 2, 3]);

    // rename a over b
    const oldB = w.vfs.get('/d/b');
    w.vfs.remove('/d/b');
    w.vfs.rename('/d/a', '/d/b');
    hub.rename(d(), 'a', d(), 'b', w.vfs.get('/d/b'), t, { obj: oldB, gone: true });
    expect(drain()).to.deep.equal([
      'wd=1 mask=40 cookie?1 name=a', 'wd=1 mask=80 cookie?1 name=b', 'wd=3 mask=4 cookie?0 name=',
      'wd=2 mask=800 cookie?0 name=', 'wd=3 mask=400 cookie?0 name=', 'wd=3 mask=8000 cookie?0 name=']);

    // link b c
    const b = w.vfs.get('/d/b');
    hub.link(d(), 'c', b, t);
    expect(drain()).to.deep.equal(['wd=2 mask=4 cookie?0 name=', 'wd=1 mask=100 cookie?0 name=c']);
    // unlink c: b remains
    hub.unlink(d(), 'c', b, t, false);
    expect(drain()).to.deep.equal(['wd=2 mask=4 cookie?0 name=', 'wd=1 mask=200 cookie?0 name=c']);

    // open b, unlink it while open, then close: the inode goes with the last close
    hub.open(b, t);
    w.vfs.remove('/d/b');
    hub.unlink(d(), 'b', b, t, false);
    expect(drain()).to.deep.equal([
      'wd=1 mask=20 cookie?0 name=b', 'wd=2 mask=20 cookie?0 name=', 'wd=2 mask=4 cookie?0 name=', 'wd=1 mask=200 cookie?0 name=b']);
    hub.close(w.vfs.unlinked(b), false, t);
    hub.inodeRemoved(b, t);
    expect(drain()).to.deep.equal([
      'wd=1 mask=10 cookie?0 name=b', 'wd=2 mask=10 cookie?0 name=', 'wd=2 mask=400 cookie?0 name=', 'wd=2 mask=8000 cookie?0 name=']);

    // creat a, then a watch on it, truncate
    const a = w.vfs.add('/d/a', 'reg');
    hub.create(d(), 'a', a, t);
    hub.open(a, t);
    hub.close(a, true, t);
    expect(drain()).to.deep.equal(['wd=1 mask=100 cookie?0 name=a', 'wd=1 mask=20 cookie?0 name=a', 'wd=1 mask=8 cookie?0 name=a']);
    expect(watch('/d/a')).to.equal(4);
    hub.change(a, { size: true, mtime: true }, t);
    expect(drain()).to.deep.equal(['wd=1 mask=2 cookie?0 name=a', 'wd=4 mask=2 cookie?0 name=']);
  });

  it('maps attribute changes to events as fsnotify_change does', () => {
    const { w, watch, drain } = setup();
    const f = w.vfs.add('/f', 'reg');
    watch('/f');
    const hub = w.special.fsnotify;
    hub.change(f, { atime: true }, w.t);
    hub.change(f, { atime: true, mtime: true }, w.t);
    hub.change(f, { uid: true, gid: true }, w.t);
    hub.change(f, { mtime: true }, w.t);
    hub.change(f, {}, w.t);
    hub.attrib(f, w.t);
    expect(drain()).to.deep.equal([
      'wd=1 mask=1 cookie?0 name=', 'wd=1 mask=4 cookie?0 name=', 'wd=1 mask=2 cookie?0 name=', 'wd=1 mask=4 cookie?0 name=']);
  });

  it('reports a child\'s event to the directory only if the directory\'s watch wants that event', () => {
    const { w, drain } = setup();
    w.vfs.add('/d', 'dir');
    const f = w.vfs.add('/d/f', 'reg');
    const inotify = w.call('inotify_init1', IN_NONBLOCK);
    expect(w.call('inotify_add_watch', inotify, w.str('/d'), layout.IN_CREATE)).to.equal(1);
    w.special.fsnotify.open(f, w.t);
    expect(w.poll(inotify)).to.equal(0);
    expect(drain()).to.deep.equal([]);
  });

  it('reports execve opens as IN_OPEN to inotify and FAN_OPEN_EXEC to fanotify', () => {
    const { w, watch, drain } = setup();
    const f = w.vfs.add('/bin', 'reg');
    watch('/bin');
    const fan = w.call('fanotify_init', layout.FAN_CLASS_NOTIF | layout.FAN_NONBLOCK, 0);
    w.call('fanotify_mark', fan, layout.FAN_MARK_ADD, layout.FAN_OPEN_EXEC, -100, w.str('/bin'));
    w.special.fsnotify.open(f, w.t, undefined, true);
    expect(drain()).to.deep.equal(['wd=1 mask=20 cookie?0 name=']);
    const buf = w.alloc(24);
    expect(w.read(fan, buf, 24)).to.equal(24);
    expect(w.mem.readU32(buf + 8)).to.equal(layout.FAN_OPEN_EXEC);
  });

  it('gives each rename its own cookie, shared by its two events', () => {
    const { w } = setup();
    const hub = w.special.fsnotify;
    w.vfs.add('/d', 'dir');
    const x = w.vfs.add('/d/x', 'reg');
    const c1 = hub.rename(w.vfs.get('/d'), 'x', w.vfs.get('/d'), 'y', x, w.t);
    const c2 = hub.rename(w.vfs.get('/d'), 'y', w.vfs.get('/d'), 'x', x, w.t);
    expect(c1).to.not.equal(0);
    expect(c2).to.not.equal(c1);
  });
});
