/** devfs nodes and procfs content through the syscalls. */
import { expect } from 'chai';
import { Vfs } from '../../../kernel/fs/index.js';
import type { ProcSource, ProcTask } from '../../../kernel/fs/index.js';
import { E, FakeTask, O, type Sandbox, makeWorld } from './helpers.js';

describe('kernel/fs devfs', () => {
  let sb: Sandbox;
  let t: FakeTask;
  beforeEach(() => { const w = makeWorld(); sb = w.sb; t = w.task(); });
  afterEach(() => sb.cleanup());

  it('has the usual nodes with Linux numbers', () => {
    expect(t.ls('/dev')).to.deep.equal(['.', '..', 'console', 'fd', 'full', 'null', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero']);
    expect(t.stat('/dev/null')).to.include({ mode: 0o20666, rdev: 0x103 });
    expect(t.stat('/dev/zero')).to.include({ rdev: 0x105 });
    expect(t.stat('/dev/urandom')).to.include({ rdev: 0x109 });
    expect(t.stat('/dev/console')).to.include({ mode: 0o20600, rdev: 0x501 });
    expect(t.readlink('/dev/stdin')).to.equal('/proc/self/fd/0');
    expect(t.readlink('/dev/fd')).to.equal('/proc/self/fd');
  });

  it('reads and writes null, zero, full and urandom', () => {
    const n = t.open('/dev/null', O.RDWR);
    expect(t.write(n, 'gone')).to.equal(4);
    expect(t.readStr(n)).to.equal('');
    expect(t.sys('lseek', n, 100, 0)).to.equal(0);
    const z = t.open('/dev/zero');
    expect(t.readStr(z, 4)).to.equal('\0\0\0\0');
    const f = t.open('/dev/full', O.RDWR);
    expect(t.write(f, 'x')).to.equal(E.ENOSPC);
    expect(t.readStr(f, 2)).to.equal('\0\0');
    const r = t.open('/dev/urandom');
    const a = t.readStr(r, 32) as string, b = t.readStr(r, 32) as string;
    expect(a.length).to.equal(32);
    expect(a).not.to.equal(b);
    expect(t.open('/dev/console')).to.equal(E.ENXIO);
    expect(t.open('/dev/tty')).to.equal(E.ENXIO);
  });

  it('opens /dev/stdout and /dev/fd/N as the open files themselves', () => {
    const fd = t.open('/tmp/out', O.CREAT | O.RDWR);
    expect(fd).to.equal(0);
    t.sys('dup2', fd, 1);
    const w = t.open('/dev/stdout', O.WRONLY);
    expect(t.write(w, 'through /dev/stdout')).to.equal(19);
    expect(t.cat('/tmp/out')).to.equal('through /dev/stdout');
    expect(t.cat(`/dev/fd/${fd}`)).to.equal('through /dev/stdout');
    expect(t.cat('/dev/fd/77')).to.equal(E.ENOENT);
  });

  it('does not open device nodes on the host root (nodev)', () => {
    expect(t.sys('mknod', t.str('/etc/null'), 0o20666, 0x103)).to.equal(0);
    expect(t.open('/etc/null', O.RDWR)).to.equal(E.EACCES);
    // Nor a device node that exists on the host (the host's /dev/null, bound in).
    const w = makeWorld({ binds: [{ host: '/dev', guest: '/hostdev', readonly: true }] });
    try {
      const h = w.task();
      expect(h.stat('/hostdev/null')).to.include({ mode: 0o20666, rdev: 0x103 });
      expect(h.open('/hostdev/null', O.RDWR)).to.equal(E.EACCES);
    } finally { w.sb.cleanup(); }
  });
});

function procTask(over: Partial<ProcTask>): ProcTask {
  return {
    tid: 7, tgid: 7, ppid: 1, pgid: 7, sid: 1, ttyNr: 0, tpgid: -1, comm: 'busybox', state: 'S',
    cred: { uid: 0, gid: 0, euid: 0, egid: 0, suid: 0, sgid: 0, fsuid: 0, fsgid: 0, groups: [0, 10] },
    fs: null, files: null, exe: '/bin/busybox', cmdline: Buffer.from('ls\0-l\0'), environ: Buffer.from('A=1\0'),
    threads: [7], utime: 12, stime: 3, cutime: 0, cstime: 0, startTime: 250, nice: 0, minflt: 5, majflt: 0,
    vmSize: 1 << 20, vmPeak: 1 << 20, vmRss: 512 * 1024, vmHwm: 512 * 1024, vmData: 65536, vmStk: 131072, vmExe: 262144, vmLib: 0,
    maps: [
      { start: 0x10000, end: 0x20000, perms: 'r-xp', offset: 0, major: 0, minor: 1, inode: 42, path: '/bin/busybox' },
      { start: 0x30000, end: 0x31000, perms: 'rw-p', offset: 0, major: 0, minor: 0, inode: 0, path: '' },
      { start: 0x7f000, end: 0x80000, perms: 'rw-p', offset: 0, major: 0, minor: 0, inode: 0, path: '[stack]' },
    ],
    sigPending: 0n, shdPending: 0n, sigBlocked: 1n << 1n, sigIgnored: 1n << 12n, sigCaught: (1n << 16n) | (1n << 1n),
    voluntaryCtxtSwitches: 4, nonvoluntaryCtxtSwitches: 2, startCode: 0x10000, endCode: 0x20000, startStack: 0x7fff0,
    exitCode: 0, ...over,
  };
}

describe('kernel/fs procfs', () => {
  let sb: Sandbox;
  let vfs: Vfs;
  let t: FakeTask;
  let source: ProcSource;
  beforeEach(() => {
    const w = makeWorld();
    sb = w.sb;
    const tasks = new Map<number, ProcTask>();
    source = {
      tgids: () => [...tasks.keys()].filter((k) => tasks.get(k)!.tgid === k).sort((a, b) => a - b),
      task: (tid) => tasks.get(tid) ?? null,
      uptime: () => ({ seconds: 1234.5678, idleSeconds: 1000.25 }),
      loadavg: () => ({ one: 0.5, five: 0.25, fifteen: 0, running: 1, total: 3, lastPid: 9 }),
      meminfo: () => ({ totalKb: 262144, freeKb: 200000, availableKb: 200000 }),
      hostname: () => 'nommu', osrelease: () => '6.1.0-nommu-um', version: () => 'Linux version 6.1.0-nommu-um (nommu-um) #1',
      bootTime: () => 1700000000,
    };
    vfs = new Vfs({ root: sb.root, rootMeta: null, proc: source });
    t = new FakeTask(vfs, 7);
    tasks.set(7, procTask({ fs: t.fs, files: t.files, threads: [7, 8] }));
    tasks.set(8, procTask({ tid: 8, fs: t.fs, files: t.files, threads: [7, 8], comm: 'worker' }));
    tasks.set(9, procTask({ tid: 9, tgid: 9, ppid: 7, comm: 'sleep', state: 'Z', cred: { uid: 1000, gid: 1000, euid: 1000, egid: 1000, suid: 1000, sgid: 1000, fsuid: 1000, fsgid: 1000, groups: [] } }));
  });
  afterEach(() => sb.cleanup());

  it('lists processes and resolves self and thread-self', () => {
    const names = t.ls('/proc') as string[];
    expect(names).to.include.members(['7', '9', 'self', 'thread-self', 'cpuinfo', 'meminfo', 'mounts', 'sys', 'uptime', 'version']);
    expect(names).not.to.include('8');
    expect(t.readlink('/proc/self')).to.equal('7');
    expect(t.readlink('/proc/thread-self')).to.equal('7/task/7');
    expect(t.ls('/proc/7/task')).to.deep.equal(['.', '..', '7', '8']);
    expect(t.cat('/proc/7/task/8/comm')).to.equal('worker\n');
    expect(t.cat('/proc/8/comm')).to.equal('worker\n');
    expect(t.stat('/proc/9')).to.include({ uid: 1000, gid: 1000, mode: 0o40555 });
    expect(t.stat('/proc/123')).to.equal(E.ENOENT);
    expect(t.cat('/proc/self/cmdline')).to.equal('ls\0-l\0');
    expect(t.readlink('/proc/self/exe')).to.equal('/bin/busybox');
  });

  it('prints stat, status and maps as Linux does', () => {
    expect(t.cat('/proc/7/stat')).to.equal(
      '7 (busybox) S 1 7 1 0 -1 4194304 5 0 0 0 12 3 0 0 20 0 2 0 250 1048576 128 18446744073709551615 ' +
      '65536 131072 524272 0 0 0 2 4096 65538 1 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n');
    const status = t.cat('/proc/7/status') as string;
    expect(status.startsWith('Name:\tbusybox\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t7\nNgid:\t0\nPid:\t7\nPPid:\t1\nTracerPid:\t0\n')).to.equal(true);
    expect(status).to.contain('\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t0 10 \n');
    expect(status).to.contain('\nVmSize:\t    1024 kB\n');
    expect(status).to.contain('\nVmRSS:\t     512 kB\n');
    expect(status).to.contain('\nThreads:\t2\n');
    expect(status).to.contain('\nSigBlk:\t0000000000000002\nSigIgn:\t0000000000001000\nSigCgt:\t0000000000010002\n');
    expect(status).to.contain('\nCapEff:\t000001ffffffffff\n');
    expect(status.endsWith('voluntary_ctxt_switches:\t4\nnonvoluntary_ctxt_switches:\t2\n')).to.equal(true);
    const zombie = t.cat('/proc/9/status') as string;
    expect(zombie).to.contain('State:\tZ (zombie)\n');
    expect(zombie).not.to.contain('VmSize');
    expect(zombie).not.to.contain('Umask');
    const maps = (t.cat('/proc/7/maps') as string).split('\n');
    expect(maps[0]).to.equal('00010000-00020000 r-xp 00000000 00:01 42' + ' '.repeat(33) + '/bin/busybox');
    expect(maps[0].indexOf('/bin/busybox')).to.equal(73);
    expect(maps[1]).to.equal('00030000-00031000 rw-p 00000000 00:00 0 ');
    expect(maps[2].endsWith(' [stack]')).to.equal(true);
  });

  it('shows fd links, fdinfo, cwd and root', () => {
    const fd = t.open('/etc/passwd', O.RDONLY | O.CLOEXEC);
    const dir = t.open('/etc', O.DIRECTORY);
    t.sys('lseek', fd, 5, 0);
    // ls opens the directory itself as the next fd, as on Linux.
    expect(t.ls('/proc/self/fd')).to.deep.equal(['.', '..', String(fd), String(dir), String(dir + 1)]);
    expect(t.readlink(`/proc/self/fd/${fd}`)).to.equal('/etc/passwd');
    expect(t.readlink(`/proc/self/fd/${dir}`)).to.equal('/etc');
    expect(t.stat(`/proc/self/fd/${fd}`, 0x100)).to.include({ mode: 0o120500 });
    const info = t.cat(`/proc/self/fdinfo/${fd}`) as string;
    expect(info).to.match(/^pos:\t5\nflags:\t02100000\nmnt_id:\t\d+\nino:\t\d+\n$/);
    const st = t.stat('/etc/passwd') as { ino: number };
    expect(info).to.contain(`ino:\t${st.ino}\n`);
    t.sys('chdir', t.str('/etc'));
    expect(t.readlink('/proc/7/cwd')).to.equal('/etc');
    expect(t.readlink('/proc/7/root')).to.equal('/');
    expect(t.cat('/proc/7/cwd/hostname')).to.equal('guest\n');
    expect(t.readlink('/proc/9/cwd')).to.equal(E.ENOENT);
  });

  it('prints the kernel-wide files', () => {
    expect(t.cat('/proc/uptime')).to.equal('1234.57 1000.25\n');
    expect(t.cat('/proc/loadavg')).to.equal('0.50 0.25 0.00 1/3 9\n');
    expect(t.cat('/proc/version')).to.equal('Linux version 6.1.0-nommu-um (nommu-um) #1\n');
    expect(t.cat('/proc/sys/kernel/hostname')).to.equal('nommu\n');
    expect(t.cat('/proc/sys/kernel/ostype')).to.equal('Linux\n');
    expect(t.cat('/proc/sys/kernel/osrelease')).to.equal('6.1.0-nommu-um\n');
    const mem = t.cat('/proc/meminfo') as string;
    expect(mem.startsWith('MemTotal:         262144 kB\nMemFree:          200000 kB\nMemAvailable:     200000 kB\n')).to.equal(true);
    expect(t.cat('/proc/cpuinfo') as string).to.match(/^processor\t: 0\nvendor_id\t: \S+\n/);
    expect(t.cat('/proc/filesystems')).to.contain('nodev\tproc\n');
    expect(t.cat('/proc/mounts')).to.equal(
      '/dev/root / hostfs rw,relatime 0 0\ntmpfs /tmp tmpfs rw,nosuid,nodev,relatime 0 0\n' +
      'devtmpfs /dev devtmpfs rw,nosuid,relatime 0 0\nproc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n');
    expect(t.cat('/proc/self/mountinfo') as string).to.match(/^\d+ \d+ 0:\d+ \/ \/ rw,relatime - hostfs \/dev\/root rw\n/);
    expect(t.cat('/proc/stat') as string).to.contain('\nbtime 1700000000\n');
  });

  it('is read-only where Linux is', () => {
    expect(t.open('/proc/7/stat', O.WRONLY)).to.equal(E.EACCES);
    expect(t.open('/proc/newfile', O.CREAT | O.WRONLY)).to.equal(E.EACCES);
    expect(t.sys('mkdir', t.str('/proc/x'), 0o755)).to.equal(E.EPERM);
    t.cred = { ...t.cred, uid: 5, euid: 5, fsuid: 5 };
    expect(t.cat('/proc/7/environ')).to.equal(E.EACCES);
  });
});
