import { expect } from 'chai';
import { EAGAIN, EBADF, EINVAL, EMFILE, ENOENT, ENOTDIR, EPERM } from '../../../kernel/errno.js';
import { O_CLOEXEC, O_LARGEFILE, O_NONBLOCK, O_RDONLY, O_RDWR } from '../../../kernel/file.js';
import { FANOTIFY_LIMITS, layout, type SpecialTask } from '../../../kernel/special/index.js';
import { fixture, line, section } from './fixtures.js';
import { FakeTask, ListenerFile, World } from './harness.js';

const {
  AT_FDCWD, FAN_ACCESS, FAN_ACCESS_PERM, FAN_ALLOW, FAN_AUDIT, FAN_CLASS_CONTENT, FAN_CLASS_NOTIF, FAN_CLASS_PRE_CONTENT,
  FAN_CLOEXEC, FAN_CLOSE_NOWRITE, FAN_CLOSE_WRITE, FAN_CREATE, FAN_DENY, FAN_EVENT_ON_CHILD, FAN_MARK_ADD,
  FAN_MARK_FLUSH, FAN_MARK_IGNORED_MASK, FAN_MARK_IGNORED_SURV_MODIFY, FAN_MARK_MOUNT, FAN_MARK_ONLYDIR,
  FAN_MARK_REMOVE, FAN_MODIFY, FAN_NONBLOCK, FAN_ONDIR, FAN_OPEN, FAN_OPEN_PERM, FAN_Q_OVERFLOW, FAN_REPORT_FID,
  FAN_REPORT_TID, FANOTIFY_EVENT_METADATA: M, FIONREAD,
} = layout;
const FAN_CLOSE = FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE;

const NAMES: [number, string][] = [
  [FAN_ACCESS, 'ACCESS'], [FAN_MODIFY, 'MODIFY'], [FAN_CLOSE_WRITE, 'CLOSE_WRITE'], [FAN_CLOSE_NOWRITE, 'CLOSE_NOWRITE'],
  [FAN_OPEN, 'OPEN'], [FAN_OPEN_PERM, 'OPEN_PERM'], [FAN_ACCESS_PERM, 'ACCESS_PERM'], [FAN_Q_OVERFLOW, 'Q_OVERFLOW'],
  [FAN_ONDIR, 'ONDIR'],
];
function maskName(m: number): string {
  const parts: string[] = [];
  for (const [bit, name] of NAMES) if (m & bit) { parts.push(name); m &= ~bit; }
  if (m) parts.push(`0x${(m >>> 0).toString(16)}`);
  return parts.join('|');
}

interface Meta { len: number; vers: number; mlen: number; mask: number; fd: number; pid: number }

class Listener {
  constructor(readonly w: World, readonly fd: number, readonly fileNode: string) {}
  decode(addr: number, n: number): Meta[] {
    const out: Meta[] = [];
    for (let p = addr; p < addr + n; p += M.size) {
      out.push({
        len: this.w.mem.readU32(p + M.event_len), vers: this.w.mem.readU8(p + M.vers), mlen: this.w.mem.readU16(p + M.metadata_len),
        mask: this.w.mem.readU32(p + M.mask), fd: this.w.mem.readI32(p + M.fd), pid: this.w.mem.readI32(p + M.pid),
      });
    }
    return out;
  }
  /** As fd_fanotify.c's show_event(). */
  show(m: Meta): string {
    let what = 'nofd';
    if (m.fd >= 0) {
      const f = this.w.file(m.fd);
      const obj = f.priv instanceof ListenerFile ? f.priv.obj : null;
      what = obj === null ? 'fd=unusable' : obj.node === this.fileNode ? 'fd=the file' : obj.kind === 'dir' ? 'fd=a directory' : 'fd=another file';
    }
    return `  event_len=${m.len} vers=${m.vers} metadata_len=${m.mlen} mask=${maskName(m.mask)} ${what} pid_is_self=${m.pid === this.w.t.pid ? 1 : 0}`;
  }
  drain(label: string): string[] {
    const avail = this.w.alloc(4);
    expect(this.w.ioctl(this.fd, FIONREAD, avail)).to.equal(0);
    const lines = [`${label}: FIONREAD=${this.w.mem.readI32(avail)}`];
    const buf = this.w.alloc(4096);
    for (;;) {
      const n = this.w.read(this.fd, buf, 4096);
      if (n < 0) { expect(n).to.equal(-EAGAIN); break; }
      for (const m of this.decode(buf, n)) {
        lines.push(this.show(m));
        if (m.fd >= 0) this.w.close(m.fd);
      }
    }
    return lines;
  }
  /** The mflags/mask/ignored_mask part of each inode mark line, as show_marks() prints it. */
  marks(): string[] {
    return this.w.fdinfo(this.fd).split('\n').filter((l) => l.startsWith('fanotify ino:'))
      .map((l) => `fdinfo mark: ${l.slice(l.indexOf('mflags:'), l.indexOf(' f_handle:'))}`);
  }
  respond(fd: number, response: number, len = 8): number {
    const a = this.w.alloc(16);
    this.w.mem.writeU32(a, fd >>> 0);
    this.w.mem.writeU32(a + 4, response >>> 0);
    return this.w.write(this.fd, a, len);
  }
}

function mark(w: World, fan: number, flags: number, mask: number, path: string | null, dirfd = AT_FDCWD): number {
  return w.call('fanotify_mark', fan, flags, mask, dirfd, path === null ? 0 : w.str(path));
}
const show = (label: string, r: number): string => `${label} = ${r < 0 ? `-1 ${({ [-EINVAL]: 'EINVAL', [-EBADF]: 'EBADF', [-ENOENT]: 'ENOENT', [-ENOTDIR]: 'ENOTDIR', [-EPERM]: 'EPERM' } as Record<number, string>)[r] ?? r}` : r}`;

describe('special/fanotify', () => {
  it('replays fd_fanotify through the VFS hooks and reads what Linux reported', () => {
    const native = fixture('fd_fanotify');
    const w = new World();
    const hub = w.special.fsnotify;
    const t = w.t;
    w.vfs.add('/tmp', 'dir');
    const dir = w.vfs.add('/tmp/d', 'dir');
    const fan = w.call('fanotify_init', FAN_CLASS_CONTENT | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY);
    expect(w.file(fan).path).to.equal('anon_inode:[fanotify]');
    expect(w.file(fan).flags).to.equal(O_RDWR | O_NONBLOCK);
    expect(w.t.files.getCloexec(fan)).to.equal(true);
    expect(`fdinfo: ${w.fdinfo(fan).split('\n')[0]}`).to.equal(line(native, 'fdinfo: fanotify flags:'));
    expect(show('fanotify_init bad flags', w.call('fanotify_init', 0x80000000, O_RDONLY))).to.equal(line(native, 'fanotify_init bad flags'));
    expect(show('fanotify_init bad event_f_flags', w.call('fanotify_init', 0, 3))).to.equal(line(native, 'fanotify_init bad event_f_flags'));
    expect(show('fanotify_init both classes', w.call('fanotify_init', FAN_CLASS_CONTENT | FAN_CLASS_PRE_CONTENT, O_RDONLY)))
      .to.equal(line(native, 'fanotify_init both classes'));
    expect(w.read(fan, w.alloc(64), 64)).to.equal(-EAGAIN);

    const all = FAN_OPEN | FAN_ACCESS | FAN_MODIFY | FAN_CLOSE | FAN_EVENT_ON_CHILD | FAN_ONDIR;
    expect(mark(w, fan, FAN_MARK_ADD, all, '/tmp/d')).to.equal(0);
    const l = new Listener(w, fan, '');
    const native1 = native.filter((x) => x.startsWith('fdinfo mark:'));
    expect(l.marks()).to.deep.equal(native1.slice(0, 1));

    const file = w.vfs.add('/tmp/d/data', 'reg');
    const lf = new Listener(w, fan, String(file.node));
    hub.create(dir, 'data', file, t);
    hub.open(file, t);
    hub.modify(file, t);
    hub.close(file, true, t);
    expect(lf.drain('create+write+close (merged)')).to.deep.equal(section(native, 'create+write+close (merged)'));
    hub.open(file, t);
    hub.access(file, t);
    expect(lf.drain('open+read')).to.deep.equal(section(native, 'open+read:'));
    hub.close(file, false, t);
    expect(lf.drain('close')).to.deep.equal(section(native, 'close:'));
    hub.open(dir, t);
    hub.close(dir, false, t);
    expect(lf.drain('open+close of the directory')).to.deep.equal(section(native, 'open+close of the directory'));

    expect(mark(w, fan, FAN_MARK_ADD, FAN_OPEN_PERM, '/tmp/d/data')).to.equal(0);
    expect(mark(w, fan, FAN_MARK_REMOVE, all, '/tmp/d')).to.equal(0);
    expect(show('unmark dir again', mark(w, fan, FAN_MARK_REMOVE, FAN_OPEN, '/tmp/d'))).to.equal(line(native, 'unmark dir again'));

    // Another thread of the process opens the file and waits for the answer.
    const opener = new FakeTask(w.mem, t.pid, t.pid + 1);
    for (const [response, label] of [[FAN_DENY, 'deny'], [FAN_ALLOW, 'allow']] as const) {
      const first = hub.permission('open', file, opener);
      expect(first).to.have.property('queue');
      const buf = w.alloc(M.size);
      const n = w.read(fan, buf, M.size);
      const [m] = lf.decode(buf, n);
      const again = hub.permission('open', file, opener);
      const got = [`${label}: read = ${n}`, lf.show(m), `${label}: opener still waiting = ${typeof again === 'object' ? 1 : 0}`];
      let woke = 0;
      if (typeof again === 'object') again.queue.add(() => { woke++; });
      got.push(`write response = ${lf.respond(m.fd, response)}`);
      got.push(show('write the same response again', lf.respond(m.fd, response)));
      expect(woke).to.equal(1);
      const result = hub.permission('open', file, opener);
      got.push(`${label}: open in the other thread = ${result === 'allow' ? 'ok' : result === 'deny' ? 'EPERM' : 'still waiting'}`);
      if (result === 'allow') { hub.open(file, opener); hub.close(file, false, opener); }
      w.close(m.fd);
      const from = native.indexOf(`${label}: read = 24`);
      expect(got).to.deep.equal(native.slice(from, from + got.length));
    }
    expect(lf.drain('after answers')).to.deep.equal(section(native, 'after answers'));

    expect(show('write 4 bytes', lf.respond(3, FAN_ALLOW, 4))).to.equal(line(native, 'write 4 bytes'));
    expect(show('response for an unknown fd', lf.respond(3, FAN_ALLOW))).to.equal(line(native, 'response for an unknown fd'));
    expect(show('response 3', lf.respond(3, 3))).to.equal(line(native, 'response 3'));
    expect(show('response fd -5', lf.respond(-5, FAN_ALLOW))).to.equal(line(native, 'response fd -5'));
    expect(show('FAN_AUDIT without FAN_ENABLE_AUDIT', lf.respond(3, FAN_ALLOW | FAN_AUDIT))).to.equal(line(native, 'FAN_AUDIT without'));

    const efd = w.call('eventfd', 0);
    const checks: [string, number][] = [
      ['mark FAN_CREATE (needs FID)', mark(w, fan, FAN_MARK_ADD, FAN_CREATE, '/tmp/d')],
      ['mark mask 0', mark(w, fan, FAN_MARK_ADD, 0, '/tmp/d')],
      ['mark ADD|REMOVE', mark(w, fan, FAN_MARK_ADD | FAN_MARK_REMOVE, FAN_OPEN, '/tmp/d')],
      ['mark upper mask bits', mark(w, fan, FAN_MARK_ADD, 2 ** 40, '/tmp/d')],
      ['mark bad fd', mark(w, 999, FAN_MARK_ADD, FAN_OPEN, '/tmp/d')],
      ['mark on an eventfd', mark(w, efd, FAN_MARK_ADD, FAN_OPEN, '/tmp/d')],
      ['mark missing path', mark(w, fan, FAN_MARK_ADD, FAN_OPEN, '/tmp/fd_fanotify-missing')],
      ['mark ONLYDIR on a file', mark(w, fan, FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_OPEN, '/tmp/d/data')],
    ];
    const notif = w.call('fanotify_init', FAN_CLASS_NOTIF, O_RDONLY);
    const dirfd = w.t.files.install(w.vfs.open('/tmp/d', O_RDONLY), false);
    checks.push(['perm event on a FAN_CLASS_NOTIF group', mark(w, notif, FAN_MARK_ADD, FAN_OPEN_PERM, '/tmp/d/data')]);
    checks.push(['mark by dirfd, NULL path', mark(w, notif, FAN_MARK_ADD, FAN_OPEN, null, dirfd)]);
    checks.push(['flush inode marks', mark(w, notif, FAN_MARK_FLUSH, 0, null)]);
    checks.push(['remove after flush', mark(w, notif, FAN_MARK_REMOVE, FAN_OPEN, '/tmp/d')]);
    checks.push(['ignored mark', mark(w, fan, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORED_SURV_MODIFY, FAN_OPEN, '/tmp/d')]);
    for (const [label, r] of checks) expect(show(label, r)).to.equal(line(native, label));
    expect(l.marks()).to.deep.equal(native1.slice(1));
    w.vfs.remove('/tmp/d/data');
    hub.unlink(dir, 'data', file, t, true);
    hub.rmdir(w.vfs.get('/tmp'), 'd', dir, t, true);
    expect(lf.drain('cleanup')).to.deep.equal(section(native, 'cleanup'));
  });

  it('needs CAP_SYS_ADMIN and refuses what it does not implement', () => {
    const w = new World();
    w.t.cred.euid = 1000;
    expect(w.call('fanotify_init', FAN_CLASS_NOTIF, O_RDONLY)).to.equal(-EPERM);
    w.t.cred.euid = 0;
    expect(w.call('fanotify_init', FAN_REPORT_FID, O_RDONLY)).to.equal(-EINVAL);
    expect(w.call('fanotify_init', FAN_CLASS_NOTIF, O_RDONLY | 0o40000000)).to.equal(-EINVAL);
    const fd = w.call('fanotify_init', FAN_CLASS_NOTIF | FAN_REPORT_TID, O_RDWR | O_CLOEXEC);
    expect(w.fdinfo(fd)).to.equal(`fanotify flags:100 event-flags:${(O_RDWR | O_CLOEXEC | O_LARGEFILE).toString(16)}\n`);
  });

  it('opens event fds with the group\'s event_f_flags in the reader\'s table, silenced', () => {
    const w = new World();
    const d = w.vfs.add('/d', 'dir');
    const f = w.vfs.add('/d/f', 'reg');
    const fan = w.call('fanotify_init', FAN_CLASS_NOTIF | FAN_NONBLOCK, O_RDWR | O_CLOEXEC | O_NONBLOCK);
    mark(w, fan, FAN_MARK_ADD, FAN_OPEN | FAN_EVENT_ON_CHILD, '/d');
    w.special.fsnotify.open(f, w.t);
    const buf = w.alloc(48);
    const other = new FakeTask(w.mem, 300, 300);
    other.files.install(w.file(fan).get(), false);
    expect(w.read(0, buf, 48, other, true)).to.equal(M.size);
    const efd = w.mem.readI32(buf + M.fd);
    expect(efd).to.equal(1);
    const ev = other.files.get(efd);
    expect(ev?.flags).to.equal(O_RDWR | O_NONBLOCK | O_LARGEFILE);
    expect(other.files.getCloexec(efd)).to.equal(true);
    expect(w.special.fsnotify.isSilent(ev as NonNullable<typeof ev>)).to.equal(true);
    // Operations on a silenced file make no events.
    w.special.fsnotify.open(f, other, ev as NonNullable<typeof ev>);
    expect(w.read(0, buf, 48, other, true)).to.equal(-EAGAIN);
    expect(d.kind).to.equal('dir');
  });

  it('reports events on directories only with FAN_ONDIR, and children only with FAN_EVENT_ON_CHILD', () => {
    const w = new World();
    const d = w.vfs.add('/d', 'dir');
    const f = w.vfs.add('/d/f', 'reg');
    const sub = w.vfs.add('/d/sub', 'dir');
    const fan = w.call('fanotify_init', FAN_CLASS_NOTIF | FAN_NONBLOCK, O_RDONLY);
    mark(w, fan, FAN_MARK_ADD, FAN_OPEN, '/d');
    const hub = w.special.fsnotify;
    hub.open(f, w.t);
    hub.open(d, w.t);
    hub.open(sub, w.t);
    expect(w.poll(fan)).to.equal(0);
    mark(w, fan, FAN_MARK_ADD, FAN_ONDIR, '/d');
    hub.open(d, w.t);
    hub.open(sub, w.t);
    const l = new Listener(w, fan, String(d.node));
    expect(l.drain('x')).to.deep.equal(['x: FIONREAD=24', '  event_len=24 vers=3 metadata_len=24 mask=OPEN fd=the file pid_is_self=1']);
    mark(w, fan, FAN_MARK_ADD, FAN_EVENT_ON_CHILD, '/d');
    hub.open(f, w.t);
    hub.open(sub, w.t);
    expect(l.drain('y')).to.deep.equal(['y: FIONREAD=48',
      '  event_len=24 vers=3 metadata_len=24 mask=OPEN fd=another file pid_is_self=1',
      '  event_len=24 vers=3 metadata_len=24 mask=OPEN fd=a directory pid_is_self=1']);
  });

  it('clears a legacy ignore mask on modification unless it survives modify', () => {
    const w = new World();
    const f = w.vfs.add('/f', 'reg');
    const g = w.vfs.add('/g', 'reg');
    const fan = w.call('fanotify_init', FAN_CLASS_NOTIF | FAN_NONBLOCK, O_RDONLY);
    mark(w, fan, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN | FAN_MODIFY, '/f');
    mark(w, fan, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK, FAN_OPEN | FAN_MODIFY, '/f');
    mark(w, fan, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORED_SURV_MODIFY, FAN_OPEN | FAN_MODIFY, '/g');
    const hub = w.special.fsnotify;
    hub.open(f, w.t);
    hub.open(g, w.t);
    expect(w.poll(fan)).to.equal(0);
    // The modification clears f's ignore mask first (send_to_group), so it is itself reported.
    hub.modify(f, w.t);
    hub.modify(g, w.t);
    hub.open(f, w.t);
    hub.open(g, w.t);
    const l = new Listener(w, fan, String(f.node));
    expect(l.drain('z')).to.deep.equal(['z: FIONREAD=24', '  event_len=24 vers=3 metadata_len=24 mask=MODIFY|OPEN fd=the file pid_is_self=1']);
    expect(w.fdinfo(fan)).to.match(/\nfanotify mnt_id:2a mflags:0 mask:22 ignored_mask:0\n/);
  });

  it('reports the tid with FAN_REPORT_TID, and the pid otherwise', () => {
    const w = new World();
    const f = w.vfs.add('/f', 'reg');
    const thread = new FakeTask(w.mem, 100, 105);
    for (const [flags, want] of [[0, 100], [FAN_REPORT_TID, 105]] as const) {
      const fan = w.call('fanotify_init', FAN_CLASS_NOTIF | FAN_NONBLOCK | flags, O_RDONLY);
      mark(w, fan, FAN_MARK_ADD, FAN_OPEN, '/f');
      w.special.fsnotify.open(f, thread);
      const buf = w.alloc(24);
      expect(w.read(fan, buf, 24)).to.equal(24);
      expect(w.mem.readI32(buf + M.pid)).to.equal(want);
      w.close(fan);
    }
  });

  it('allows every pending permission event when the group is closed', () => {
    const w = new World();
    const f = w.vfs.add('/f', 'reg');
    const fan = w.call('fanotify_init', FAN_CLASS_CONTENT | FAN_NONBLOCK, O_RDONLY);
    mark(w, fan, FAN_MARK_ADD, FAN_OPEN_PERM | FAN_ACCESS_PERM, '/f');
    const a = new FakeTask(w.mem, 200, 200), b = new FakeTask(w.mem, 201, 201);
    const hub = w.special.fsnotify;
    expect(hub.permission('open', f, a)).to.have.property('queue');
    expect(hub.permission('access', f, b)).to.have.property('queue');
    const buf = w.alloc(24);
    expect(w.read(fan, buf, 24)).to.equal(24);   // a's event is read, b's still queued
    w.close(fan);
    expect(hub.permission('open', f, a)).to.equal('allow');
    expect(hub.permission('access', f, b)).to.equal('allow');
  });

  it('asks every interested group in priority order, and a deny from any one is final', () => {
    const w = new World();
    const f = w.vfs.add('/f', 'reg');
    const low = w.call('fanotify_init', FAN_CLASS_CONTENT | FAN_NONBLOCK, O_RDONLY);
    const high = w.call('fanotify_init', FAN_CLASS_PRE_CONTENT | FAN_NONBLOCK, O_RDONLY);
    mark(w, low, FAN_MARK_ADD, FAN_OPEN_PERM, '/f');
    mark(w, high, FAN_MARK_ADD, FAN_OPEN_PERM, '/f');
    const a = new FakeTask(w.mem, 200, 200);
    const hub = w.special.fsnotify;
    const answer = (fan: number, response: number): void => {
      const buf = w.alloc(24);
      expect(w.read(fan, buf, 24)).to.equal(24);
      new Listener(w, fan, '').respond(w.mem.readI32(buf + M.fd), response);
    };
    expect(hub.permission('open', f, a)).to.have.property('queue');
    expect(w.poll(low)).to.equal(0);
    answer(high, FAN_ALLOW);
    expect(hub.permission('open', f, a)).to.have.property('queue');
    answer(low, FAN_DENY);
    expect(hub.permission('open', f, a)).to.equal('deny');
    // The next access starts over.
    expect(hub.permission('open', f, a)).to.have.property('queue');
  });

  it('drops a queued permission event when its task goes away', () => {
    const w = new World();
    const f = w.vfs.add('/f', 'reg');
    const fan = w.call('fanotify_init', FAN_CLASS_CONTENT | FAN_NONBLOCK, O_RDONLY);
    mark(w, fan, FAN_MARK_ADD, FAN_OPEN_PERM, '/f');
    const a: SpecialTask = new FakeTask(w.mem, 200, 200);
    w.special.fsnotify.permission('open', f, a);
    expect(w.poll(fan)).to.not.equal(0);
    w.special.fsnotify.forgetTask(a);
    expect(w.poll(fan)).to.equal(0);
  });

  it('merges unread events on the same object by the same process, but not permission events', () => {
    const w = new World();
    const f = w.vfs.add('/f', 'reg');
    const g = w.vfs.add('/g', 'reg');
    const fan = w.call('fanotify_init', FAN_CLASS_NOTIF | FAN_NONBLOCK, O_RDONLY);
    mark(w, fan, FAN_MARK_ADD, FAN_OPEN | FAN_CLOSE, '/f');
    mark(w, fan, FAN_MARK_ADD, FAN_OPEN, '/g');
    const hub = w.special.fsnotify;
    hub.open(f, w.t);
    hub.open(g, w.t);
    hub.close(f, false, w.t);
    hub.open(f, new FakeTask(w.mem, 300, 300));
    const l = new Listener(w, fan, String(f.node));
    expect(l.drain('m').map((x) => x.replace(/ pid_is_self=\d/, ''))).to.deep.equal(['m: FIONREAD=72',
      '  event_len=24 vers=3 metadata_len=24 mask=CLOSE_NOWRITE|OPEN fd=the file',
      '  event_len=24 vers=3 metadata_len=24 mask=OPEN fd=another file',
      '  event_len=24 vers=3 metadata_len=24 mask=OPEN fd=the file']);
  });

  it('ends a full queue with one FAN_Q_OVERFLOW event without an fd', () => {
    const w = new World();
    const saved = FANOTIFY_LIMITS.maxQueuedEvents;
    try {
      FANOTIFY_LIMITS.maxQueuedEvents = 2;
      const fan = w.call('fanotify_init', FAN_CLASS_NOTIF | FAN_NONBLOCK, O_RDONLY);
      const objs = ['/a', '/b', '/c', '/d'].map((p) => w.vfs.add(p, 'reg'));
      for (const p of ['/a', '/b', '/c', '/d']) mark(w, fan, FAN_MARK_ADD, FAN_OPEN, p);
      for (const o of objs) w.special.fsnotify.open(o, w.t);
      const buf = w.alloc(96);
      expect(w.read(fan, buf, 96)).to.equal(72);
      expect(w.mem.readU32(buf + 48 + M.mask)).to.equal(FAN_Q_OVERFLOW);
      expect(w.mem.readI32(buf + 48 + M.fd)).to.equal(-1);
      expect(w.mem.readI32(buf + 48 + M.pid)).to.equal(0);
    } finally {
      FANOTIFY_LIMITS.maxQueuedEvents = saved;
    }
  });

  it('returns what was read before a short buffer, and EINVAL when nothing fits', () => {
    const w = new World();
    const f = w.vfs.add('/f', 'reg');
    const g = w.vfs.add('/g', 'reg');
    const fan = w.call('fanotify_init', FAN_CLASS_NOTIF | FAN_NONBLOCK, O_RDONLY);
    mark(w, fan, FAN_MARK_ADD, FAN_OPEN, '/f');
    mark(w, fan, FAN_MARK_ADD, FAN_OPEN, '/g');
    w.special.fsnotify.open(f, w.t);
    w.special.fsnotify.open(g, w.t);
    expect(w.read(fan, w.alloc(16), 16)).to.equal(-EINVAL);
    expect(w.read(fan, w.alloc(40), 40)).to.equal(24);
    expect(w.read(fan, w.alloc(40), 40)).to.equal(24);
  });

  it('limits groups per user (EMFILE)', () => {
    const w = new World();
    const saved = FANOTIFY_LIMITS.maxUserGroups;
    try {
      FANOTIFY_LIMITS.maxUserGroups = 1;
      const a = w.call('fanotify_init', FAN_CLASS_NOTIF, O_RDONLY);
      expect(w.call('fanotify_init', FAN_CLASS_NOTIF, O_RDONLY)).to.equal(-EMFILE);
      w.close(a);
      expect(w.call('fanotify_init', FAN_CLASS_NOTIF, O_RDONLY)).to.be.at.least(0);
    } finally {
      FANOTIFY_LIMITS.maxUserGroups = saved;
    }
  });
});
