/**
 * Confinement: every way out of the guest root that a program might try,
 * checked twice on the host side: nothing outside the root changed, and no
 * host path outside the root was ever handed to the host filesystem.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { E, O, type FakeTask, type Sandbox, makeWorld, recordHostPaths } from './helpers.js';
import type { Vfs } from '../../../kernel/fs/index.js';

describe('kernel/fs confinement', () => {
  let sb: Sandbox;
  let vfs: Vfs;
  let t: FakeTask;
  let bindDir: string;
  let before: Map<string, string>;

  beforeEach(() => {
    const w = makeWorld();
    sb = w.sb;
    // Host-side traps planted inside the root: links that point out in host terms.
    fs.symlinkSync(path.join(sb.outside, 'secret.txt'), path.join(sb.root, 'abs'));
    fs.symlinkSync('../outside/secret.txt', path.join(sb.root, 'rel'));
    fs.symlinkSync('..', path.join(sb.root, 'up'));
    fs.symlinkSync('../outside', path.join(sb.root, 'updir'));
    fs.symlinkSync(sb.outside, path.join(sb.root, 'absdir'));
    fs.symlinkSync('loop2', path.join(sb.root, 'loop1'));
    fs.symlinkSync('loop1', path.join(sb.root, 'loop2'));
    fs.symlinkSync('self', path.join(sb.root, 'self'));
    bindDir = path.join(sb.dir, 'bindsrc');
    fs.mkdirSync(path.join(bindDir, 'inner'), { recursive: true });
    fs.writeFileSync(path.join(bindDir, 'inner', 'data'), 'bound\n');
    fs.symlinkSync('../../outside/secret.txt', path.join(bindDir, 'inner', 'esc'));
    fs.mkdirSync(path.join(sb.root, 'mnt'));
    vfs = new (w.vfs.constructor as typeof Vfs)({ root: sb.root, rootMeta: null, binds: [{ host: bindDir, guest: '/mnt', readonly: false }] });
    t = w.task();
    t = new (t.constructor as new (v: Vfs) => FakeTask)(vfs);
    before = sb.snapshotOutside();
  });
  afterEach(() => {
    expect(sb.snapshotOutside(), 'nothing outside the root changed').to.deep.equal(before);
    sb.cleanup();
  });

  /** Runs the attacks and checks that every host path touched lies in the root or the bind source. */
  function confined(fn: () => void): void {
    const { paths } = recordHostPaths(fn);
    const bad = paths.filter((p) => !(p === sb.root || p.startsWith(sb.root + '/') || p === bindDir || p.startsWith(bindDir + '/')));
    expect(bad, 'host paths outside the root').to.deep.equal([]);
    expect(paths.length).to.be.greaterThan(0);
  }

  it('keeps .. chains at the root, from / and from a dirfd', () => {
    confined(() => {
      expect(t.cat('/../../../outside/secret.txt')).to.equal(E.ENOENT);
      expect(t.cat('../../secret.txt')).to.equal(E.ENOENT);
      expect(t.cat('/../../../../etc/hostname')).to.equal('guest\n');
      const dfd = t.open('/etc', O.DIRECTORY);
      expect(dfd).to.be.at.least(0);
      expect(t.sys('openat', dfd, t.str('../../../../outside/secret.txt'), 0)).to.equal(E.ENOENT);
      const h = t.sys('openat', dfd, t.str('../../../etc/hostname'), 0);
      expect(h).to.be.at.least(0);
      expect(t.readStr(h)).to.equal('guest\n');
      expect(t.ls('/..')).to.deep.equal(t.ls('/'));
    });
  });

  it('resolves absolute and relative symlinks inside the guest root', () => {
    confined(() => {
      expect(t.cat('/abs')).to.equal(E.ENOENT);
      expect(t.cat('/rel')).to.equal(E.ENOENT);
      expect(t.cat('/up/up/up/etc/hostname')).to.equal('guest\n');
      expect(t.cat('/updir/secret.txt')).to.equal(E.ENOENT);
      expect(t.cat('/absdir/secret.txt')).to.equal(E.ENOENT);
      expect(t.ls('/up/up')).to.deep.equal(t.ls('/'));
      // Guest-made links pointing out are just as harmless.
      expect(t.sys('symlink', t.str('/../../outside/secret.txt'), t.str('/g1'))).to.equal(0);
      expect(t.sys('symlink', t.str('../../../../..' + sb.outside + '/secret.txt'), t.str('/g2'))).to.equal(0);
      expect(t.cat('/g1')).to.equal(E.ENOENT);
      expect(t.cat('/g2')).to.equal(E.ENOENT);
      expect(t.readlink('/abs')).to.equal(path.join(sb.outside, 'secret.txt'));
    });
  });

  it('gives ELOOP for symlink loops and after 40 links', () => {
    confined(() => {
      expect(t.cat('/loop1')).to.equal(E.ELOOP);
      expect(t.cat('/self')).to.equal(E.ELOOP);
      expect(t.cat('/self/x')).to.equal(E.ELOOP);
      // A chain of 40 links resolves; 41 is too many.
      for (let i = 0; i < 41; i++) t.sys('symlink', t.str(i === 0 ? '/etc/hostname' : `/c${i - 1}`), t.str(`/c${i}`));
      expect(t.cat('/c39')).to.equal('guest\n');
      expect(t.cat('/c40')).to.equal(E.ELOOP);
    });
  });

  it('keeps chdir and fchdir above the root at the root', () => {
    confined(() => {
      expect(t.sys('chdir', t.str('/..'))).to.equal(0);
      expect(t.getcwd()).to.equal('/');
      expect(t.sys('chdir', t.str('../../../..'))).to.equal(0);
      expect(t.getcwd()).to.equal('/');
      expect(t.cat('outside/secret.txt')).to.equal(E.ENOENT);
      const rfd = t.open('/', O.DIRECTORY);
      expect(t.sys('fchdir', rfd)).to.equal(0);
      expect(t.sys('chdir', t.str('..'))).to.equal(0);
      expect(t.getcwd()).to.equal('/');
      expect(t.sys('chdir', t.str('/up/up/updir'))).to.equal(E.ENOENT);
      expect(t.sys('chdir', t.str('/etc'))).to.equal(0);
      expect(t.getcwd()).to.equal('/etc');
    });
  });

  it('cannot rename or link out of the root', () => {
    confined(() => {
      expect(t.sys('rename', t.str('/etc/hostname'), t.str('/../../outside/stolen'))).to.equal(E.ENOENT);
      expect(t.sys('rename', t.str('/etc/hostname'), t.str('/updir/stolen'))).to.equal(E.ENOENT);
      expect(t.sys('link', t.str('/etc/passwd'), t.str('/../../outside/x'))).to.equal(E.ENOENT);
      expect(t.sys('link', t.str('/abs'), t.str('/hardabs'))).to.equal(0);
      expect(t.sys('rename', t.str('/etc/hostname'), t.str('/../moved'))).to.equal(0);
      expect(t.sys('mkdir', t.str('/../../newdir'), 0o755)).to.equal(0);
      expect(t.sys('rename', t.str('/rel'), t.str('/../../renamed-link'))).to.equal(0);
    });
    expect(fs.readFileSync(path.join(sb.root, 'moved'), 'utf8')).to.equal('guest\n');
    expect(fs.statSync(path.join(sb.root, 'newdir')).isDirectory()).to.equal(true);
    expect(fs.lstatSync(path.join(sb.root, 'hardabs')).isSymbolicLink()).to.equal(true);
    expect(fs.readlinkSync(path.join(sb.root, 'renamed-link'))).to.equal('../outside/secret.txt');
  });

  it('keeps /proc/self/root and /proc/self/cwd inside the guest', () => {
    confined(() => {
      expect(t.readlink('/proc/self/root')).to.equal('/');
      expect(t.readlink('/proc/self/cwd')).to.equal('/');
      expect(t.cat('/proc/self/root/../../outside/secret.txt')).to.equal(E.ENOENT);
      expect(t.cat('/proc/self/root/etc/hostname')).to.equal('guest\n');
      expect(t.cat('/proc/self/cwd/../../../etc/passwd')).to.equal('root:x:0:0:root:/root:/bin/sh\n');
      t.sys('chdir', t.str('/etc'));
      expect(t.readlink('/proc/self/cwd')).to.equal('/etc');
      expect(t.cat('/proc/self/cwd/hostname')).to.equal('guest\n');
      expect(t.ls('/proc/self/root/..')).to.deep.equal(t.ls('/'));
    });
  });

  it('leaves mounts upward only into the guest tree', () => {
    confined(() => {
      expect(t.cat('/tmp/../../../etc/hostname')).to.equal('guest\n');
      expect(t.cat('/dev/../proc/../etc/hostname')).to.equal('guest\n');
      expect(t.cat('/mnt/inner/data')).to.equal('bound\n');
      expect(t.cat('/mnt/../../etc/hostname')).to.equal('guest\n');
      expect(t.cat('/mnt/inner/esc')).to.equal(E.ENOENT);
      expect(t.cat('/mnt/inner/../../outside/secret.txt')).to.equal(E.ENOENT);
      expect(t.sys('chdir', t.str('/mnt/inner'))).to.equal(0);
      expect(t.getcwd()).to.equal('/mnt/inner');
      expect(t.sys('chdir', t.str('../../..'))).to.equal(0);
      expect(t.getcwd()).to.equal('/');
    });
  });

  it('does not follow a host directory swapped for a symlink under an open dirfd', () => {
    confined(() => {
      expect(t.sys('mkdir', t.str('/d'), 0o755)).to.equal(0);
    });
    const dfd = t.open('/d', O.DIRECTORY);
    expect(dfd).to.be.at.least(0);
    // Something on the host (not the guest) replaces the directory with a link out.
    fs.rmdirSync(path.join(sb.root, 'd'));
    fs.symlinkSync(sb.outside, path.join(sb.root, 'd'));
    confined(() => {
      expect(t.sys('openat', dfd, t.str('secret.txt'), 0)).to.equal(E.ENOENT);
      expect(t.sys('openat', dfd, t.str('planted'), O.CREAT | O.WRONLY, 0o644)).to.equal(E.ENOENT);
      expect(t.sys('mkdirat', dfd, t.str('planted-dir'), 0o755)).to.equal(E.ENOENT);
    });
    fs.unlinkSync(path.join(sb.root, 'd'));
  });

  it('never shows a host path to the guest', () => {
    const fd = t.open('/etc/hostname');
    const texts = [
      t.cat('/proc/self/mounts'), t.cat('/proc/self/mountinfo'), t.readlink(`/proc/self/fd/${fd}`),
      t.getcwd(), t.cat(`/proc/self/fdinfo/${fd}`), t.readlink('/proc/self/root'),
    ];
    for (const s of texts) {
      expect(s).to.be.a('string');
      expect(s as string).not.to.contain(sb.dir);
    }
    expect(t.readlink(`/proc/self/fd/${fd}`)).to.equal('/etc/hostname');
  });
});
