/** The built userland: BusyBox's ELF properties and configuration, and the rootfs layout. */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { expect } from 'chai';
import {
  busyboxSrcDir, guestBenchDir, guestInterpreter, guestTestsDir, repoRoot, rootfsDir,
} from '../../userspace/index.js';
import { elfFacts, ET_DYN, inRootfs, requireRootfs } from './helpers.js';

const EM_X86_64 = 62;

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    out.push(p);
    if (lstatSync(p).isDirectory()) walk(p, out);
  }
  return out;
}

function sources(dir: string): string[] {
  const d = join(repoRoot(), dir);
  return existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.c')).map((f) => basename(f, '.c')) : [];
}

describe('userspace: busybox binary', () => {
  before(requireRootfs);

  it('is a PIE (ET_DYN, x86-64) asking for musl\'s loader', () => {
    const f = elfFacts(inRootfs('/bin/busybox'));
    expect(f.type).to.equal(ET_DYN);
    expect(f.machine).to.equal(EM_X86_64);
    expect(f.interpreter).to.equal('/lib/ld-musl-x86_64.so.1');
    expect(f.interpreter).to.equal(guestInterpreter);
  });

  it('keeps its symbol table, for the rewriter and for fault reports', () => {
    expect(elfFacts(inRootfs('/bin/busybox')).hasSymtab).to.equal(true);
  });

  it('is the binary the BusyBox tree built', () => {
    const built = readFileSync(join(busyboxSrcDir(), 'busybox_unstripped'));
    expect(readFileSync(inRootfs('/bin/busybox')).equals(built)).to.equal(true);
  });
});

describe('userspace: busybox configuration', () => {
  before(requireRootfs);
  const configLines = (file: string): string[] =>
    readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('CONFIG_') || /^# CONFIG_\S+ is not set$/.test(l));

  it('the build is configured for no-MMU, PIE, dynamic, hush as sh, no ash', () => {
    const lines = configLines(join(busyboxSrcDir(), '.config'));
    expect(lines).to.include.members([
      'CONFIG_NOMMU=y', 'CONFIG_PIE=y', 'CONFIG_SH_IS_HUSH=y', 'CONFIG_HUSH=y',
      '# CONFIG_ASH is not set', '# CONFIG_SH_IS_ASH is not set', '# CONFIG_STATIC is not set',
    ]);
    expect(lines).to.not.include('CONFIG_ASH=y');
    expect(lines.filter((l) => l.startsWith('CONFIG_ASH_') && l.endsWith('=y'))).to.deep.equal([]);
  });

  it('the build used userspace/busybox.config as it is (oldconfig changed and added nothing)', () => {
    const built = configLines(join(busyboxSrcDir(), '.config'));
    const checkedIn = configLines(join(repoRoot(), 'userspace/busybox.config'));
    expect(built.filter((l) => !checkedIn.includes(l))).to.deep.equal([]);
    // Only symbols this source tree does not define may drop out (Debian's
    // patches add two; a plain upstream BUSYBOX_SRC tree lacks them).
    const symbol = (l: string): string => /CONFIG_[A-Za-z0-9_]+/.exec(l)![0];
    const builtSymbols = new Set(built.map(symbol));
    const dropped = checkedIn.filter((l) => !built.includes(l));
    expect(dropped.filter((l) => builtSymbols.has(symbol(l)))).to.deep.equal([]);
    expect(dropped.length).to.be.lessThan(5);
  });

  it('keeps the whole source tree with the testsuites', () => {
    expect(existsSync(join(busyboxSrcDir(), 'testsuite/runtest'))).to.equal(true);
    expect(statSync(join(busyboxSrcDir(), 'shell/hush_test')).isDirectory()).to.equal(true);
  });

  it('the binary offers sh and hush, a broad applet set, and no ash', () => {
    const list = execFileSync(inRootfs('/bin/busybox'), ['--list'], { encoding: 'utf8' }).trim().split('\n');
    expect(list).to.include.members([
      'sh', 'hush', 'ls', 'cat', 'cp', 'find', 'xargs', 'grep', 'sed', 'awk', 'sort', 'gzip', 'gunzip',
      'md5sum', 'sha256sum', 'ps', 'kill', 'sleep', 'seq', 'head', 'tail', 'tr', 'test', '[', 'printf',
      'true', 'false', 'env', 'wc', 'mkdir', 'rm', 'tar', 'vi', 'init', 'mount',
    ]);
    expect(list).to.not.include('ash');
    expect(list.length).to.be.greaterThan(300);
  });
});

describe('userspace: rootfs layout', () => {
  before(requireRootfs);

  it('has the directories and mount points', () => {
    for (const d of ['/bin', '/sbin', '/lib', '/etc', '/tmp', '/root', '/proc', '/dev', '/home', '/var', '/sys',
      '/usr/bin', '/usr/sbin', '/usr/lib', guestTestsDir, guestBenchDir]) {
      expect(lstatSync(inRootfs(d)).isDirectory(), d).to.equal(true);
    }
    expect(lstatSync(inRootfs('/tmp')).mode & 0o7777).to.equal(0o1777);
  });

  it('/lib/ld-musl-x86_64.so.1 is a regular file: musl\'s libc.so itself', () => {
    const loader = inRootfs(guestInterpreter);
    expect(lstatSync(loader).isFile()).to.equal(true);
    const f = elfFacts(loader);
    expect(f.type).to.equal(ET_DYN);
    expect(f.interpreter).to.equal(null);
    expect(readFileSync(loader).equals(readFileSync(realpathSync('/usr/lib/x86_64-linux-musl/libc.so')))).to.equal(true);
  });

  it('/etc comes from the checked-in skeleton', () => {
    for (const name of ['passwd', 'group', 'hostname', 'profile']) {
      const want = readFileSync(join(repoRoot(), 'userspace/rootfs/etc', name));
      expect(readFileSync(inRootfs(`/etc/${name}`)).equals(want), name).to.equal(true);
    }
    expect(readFileSync(inRootfs('/etc/hostname'), 'utf8')).to.equal('nommu-um\n');
    expect(readFileSync(inRootfs('/etc/passwd'), 'utf8')).to.match(/^root:x:0:0:[^:]*:\/root:\/bin\/sh$/m);
    const profile = readFileSync(inRootfs('/etc/profile'), 'utf8');
    expect(profile).to.match(/^export PATH=/m);
    expect(profile).to.match(/PS1=/);
  });

  it('has one relative link per applet, each resolving to /bin/busybox inside the rootfs', () => {
    const applets = execFileSync(inRootfs('/bin/busybox'), ['--list-full'], { encoding: 'utf8' }).trim().split('\n');
    for (const a of applets) {
      const link = join(rootfsDir(), a);
      expect(lstatSync(link).isSymbolicLink(), a).to.equal(true);
      const target = readlinkSync(link);
      expect(target.startsWith('/'), `${a} -> ${target}`).to.equal(false);
      expect(resolve(dirname(link), target), a).to.equal(inRootfs('/bin/busybox'));
    }
    expect(readlinkSync(inRootfs('/bin/sh'))).to.equal('busybox');
    expect(readlinkSync(inRootfs('/usr/bin/seq'))).to.equal('../../bin/busybox');
    expect(readlinkSync(inRootfs('/sbin/init'))).to.equal('../bin/busybox');
  });

  it('no symlink anywhere in the rootfs is absolute or leaves it', () => {
    for (const p of walk(rootfsDir())) {
      if (!lstatSync(p).isSymbolicLink()) continue;
      const target = readlinkSync(p);
      expect(target.startsWith('/'), `${p} -> ${target}`).to.equal(false);
      expect(relative(rootfsDir(), resolve(dirname(p), target)).startsWith('..'), p).to.equal(false);
    }
  });

  it('holds every C test and benchmark as a PIE, and every test library as a shared object', () => {
    const tests = sources('userspace/tests');
    const bench = sources('userspace/bench');
    expect(tests).to.include('hello');
    expect(bench).to.include.members(['lat_syscall', 'cpu_kernels']);
    expect(readdirSync(inRootfs(guestTestsDir)).sort()).to.deep.equal([...tests].sort());
    expect(readdirSync(inRootfs(guestBenchDir)).sort()).to.deep.equal([...bench].sort());
    for (const [dir, names] of [[guestTestsDir, tests], [guestBenchDir, bench]] as const) {
      for (const n of names) {
        const f = elfFacts(inRootfs(`${dir}/${n}`));
        expect(f.type, n).to.equal(ET_DYN);
        expect(f.interpreter, n).to.equal(guestInterpreter);
      }
    }
    for (const lib of sources('userspace/tests/lib')) {
      const f = elfFacts(inRootfs(`/usr/lib/${lib}.so`));
      expect(f.type, lib).to.equal(ET_DYN);
      expect(f.interpreter, lib).to.equal(null);
    }
  });
});
