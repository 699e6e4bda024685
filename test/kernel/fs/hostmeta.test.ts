/** hostfs: what the host cannot store (owners, setuid, FIFOs) is kept in the metadata store; data is written through. */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Vfs } from '../../../kernel/fs/index.js';
import { FakeTask, O, Sandbox } from './helpers.js';

describe('kernel/fs hostfs metadata', () => {
  let sb: Sandbox;
  beforeEach(() => { sb = new Sandbox(); });
  afterEach(() => sb.cleanup());

  it('shows the guest what it set, persists it beside the root, and never applies setuid on the host', () => {
    const meta = sb.root + '.meta.json';
    let vfs = new Vfs({ root: sb.root });
    let t = new FakeTask(vfs);
    expect(t.sys('chown', t.str('/etc/passwd'), 1000, 100)).to.equal(0);
    expect(t.sys('chmod', t.str('/bin/prog'), 0o4755)).to.equal(0);
    expect(t.sys('mknod', t.str('/etc/fifo'), 0o10640, 0)).to.equal(0);
    t.sys('mkdir', t.str('/etc/d'), 0o500);
    t.cred = { ...t.cred, fsuid: 33, fsgid: 33, euid: 33, uid: 33, gid: 33, egid: 33 };
    t.sys('chmod', t.str('/tmp'), 0o1777);
    expect(t.open('/tmp/x', O.CREAT | O.WRONLY)).to.be.at.least(0);
    t.cred = { ...t.cred, fsuid: 0, fsgid: 0, euid: 0, uid: 0, gid: 0, egid: 0 };
    t.sys('chown', t.str('/etc/d'), 33, 33);
    t.sys('rename', t.str('/etc/d'), t.str('/home/dd'));
    expect(t.stat('/etc/passwd')).to.include({ uid: 1000, gid: 100 });
    expect(t.stat('/bin/prog')).to.include({ mode: 0o104755 });
    expect(t.stat('/etc/fifo')).to.include({ mode: 0o10640 });
    expect(t.stat('/home/dd')).to.include({ mode: 0o40500, uid: 33 });
    expect(fs.statSync(path.join(sb.root, 'bin/prog')).mode & 0o7000).to.equal(0);
    expect(fs.statSync(path.join(sb.root, 'etc/fifo')).isFile()).to.equal(true);
    expect(fs.statSync(path.join(sb.root, 'home/dd')).mode & 0o700).to.equal(0o700);
    vfs.flush();
    expect(fs.existsSync(meta)).to.equal(true);
    // A new kernel over the same root sees the same.
    vfs = new Vfs({ root: sb.root });
    t = new FakeTask(vfs);
    expect(t.stat('/etc/passwd')).to.include({ uid: 1000, gid: 100 });
    expect(t.stat('/bin/prog')).to.include({ mode: 0o104755 });
    expect(t.stat('/etc/fifo')).to.include({ mode: 0o10640 });
    expect(t.stat('/home/dd')).to.include({ mode: 0o40500, uid: 33 });
    expect(t.stat('/etc/hostname')).to.include({ uid: 0, gid: 0 });
    // A record whose file was replaced on the host is not applied to the new file.
    fs.rmSync(path.join(sb.root, 'etc/passwd'));
    fs.writeFileSync(path.join(sb.root, 'etc/passwd'), 'new\n');
    fs.writeFileSync(path.join(sb.root, 'filler'), '');
    vfs = new Vfs({ root: sb.root });
    t = new FakeTask(vfs);
    expect(t.stat('/etc/passwd')).to.include({ uid: 0, gid: 0 });
    // Unlinking the last name forgets the record.
    t.sys('unlink', t.str('/bin/prog'));
    fs.writeFileSync(path.join(sb.root, 'bin/prog2'), '');
    expect(t.stat('/bin/prog2')).to.include({ mode: 0o100644 });
    fs.rmSync(meta);
  });

  it('writes data through to the host file before write returns', () => {
    const vfs = new Vfs({ root: sb.root, rootMeta: null });
    const t = new FakeTask(vfs);
    const fd = t.open('/home/user/log', O.CREAT | O.WRONLY | O.APPEND);
    t.write(fd, 'line 1\n');
    expect(fs.readFileSync(path.join(sb.root, 'home/user/log'), 'utf8')).to.equal('line 1\n');
    t.write(fd, 'line 2\n');
    expect(t.sys('fsync', fd)).to.equal(0);
    expect(fs.readFileSync(path.join(sb.root, 'home/user/log'), 'utf8')).to.equal('line 1\nline 2\n');
  });

  it('refuses a bind source that is not a directory and a bind target below a missing directory', () => {
    expect(() => new Vfs({ root: sb.root, rootMeta: null, binds: [{ host: path.join(sb.outside, 'secret.txt'), guest: '/x', readonly: false }] })).to.throw(/only directories/);
    expect(() => new Vfs({ root: sb.root, rootMeta: null, binds: [{ host: sb.outside, guest: '/no/such/place', readonly: false }] })).to.throw(/parent exists/);
    expect(() => new Vfs({ root: sb.root, rootMeta: null, binds: [{ host: sb.outside, guest: '/etc/hostname', readonly: false }] })).to.throw(/not a directory/);
  });
});
