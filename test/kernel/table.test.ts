/**
 * The syscall table: one line per x86-64 number (names as the kernel's uapi
 * header has them), every line with metadata and a handler, and
 * docs/syscalls.md equal to its rendering.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { SYSCALL_LINES, SYSCALL_TABLE, renderSyscallDoc } from '../../kernel/index.js';
import { repoRoot } from '../../userspace/index.js';

const KINDS = new Set(['int', 'uint', 'long', 'ulong', 'size', 'ssize', 'off', 'fd', 'dirfd', 'ptr', 'buf', 'str',
  'path', 'strv', 'flags', 'oflags', 'mode', 'pid', 'sig', 'clockid', 'struct']);

describe('kernel: syscall table', () => {
  it('has a line for every number from 0 to 462, in order, the gap 335-423 unassigned', () => {
    expect(SYSCALL_LINES.map(([nr]) => nr)).to.deep.equal([...Array(463).keys()]);
    for (const [nr, def] of SYSCALL_LINES) {
      if (nr >= 335 && nr <= 423) expect(def, `${nr}`).to.equal(undefined);
      else expect(def, `${nr}`).to.not.equal(undefined);
    }
  });

  it('names every number as asm/unistd_64.h does', function () {
    const header = ['/usr/include/x86_64-linux-gnu/asm/unistd_64.h', '/usr/include/asm/unistd_64.h'].find((p) => existsSync(p));
    if (header === undefined) throw new Error('asm/unistd_64.h not found: install linux-libc-dev');
    let n = 0;
    for (const m of readFileSync(header, 'utf8').matchAll(/#define __NR_(\w+) (\d+)/g)) {
      expect(SYSCALL_TABLE[Number(m[2])]?.name, `number ${m[2]}`).to.equal(m[1]);
      n++;
    }
    expect(n).to.be.greaterThan(350);
  });

  it('gives each line argument kinds, a status, a note where not supported, and a handler', () => {
    for (const def of SYSCALL_TABLE) {
      if (def === undefined) continue;
      expect(def.args.length, def.name).to.be.at.most(6);
      for (const k of def.args) expect(KINDS.has(k), `${def.name}: ${k}`).to.equal(true);
      expect(['supported', 'partial', 'error']).to.include(def.status);
      if (def.status !== 'supported') expect(def.note, def.name).to.be.a('string').and.not.equal('');
      expect(def.handler).to.be.a('function');
    }
  });

  it('handlers take their arguments as plain parameters: the dispatcher reads as many registers as a handler has parameters', () => {
    for (const def of SYSCALL_TABLE) {
      if (def === undefined) continue;
      const src = def.handler.toString();
      const params = src.slice(src.indexOf('(') + 1, src.indexOf(')'));
      // A rest or defaulted parameter would hide from Function.length; `arguments` would read past it.
      expect(params, def.name).to.not.match(/\.\.\.|=/);
      expect(src, def.name).to.not.match(/\barguments\b/);
      expect(def.handler.length - 1, def.name).to.be.at.most(6);
    }
  });

  it('the calls the issue names are implemented, fork is refused with EINVAL', () => {
    for (const name of ['read', 'write', 'writev', 'ioctl', 'mmap', 'munmap', 'mremap', 'brk', 'rt_sigaction',
      'rt_sigprocmask', 'rt_sigreturn', 'rt_sigsuspend', 'rt_sigtimedwait', 'sigaltstack', 'vfork', 'clone',
      'clone3', 'execve', 'execveat', 'exit', 'exit_group', 'wait4', 'waitid', 'kill', 'tkill', 'tgkill', 'futex',
      'set_tid_address', 'set_robust_list', 'arch_prctl', 'prctl', 'clock_gettime', 'clock_nanosleep',
      'nanosleep', 'alarm', 'setitimer', 'getitimer', 'pause', 'uname', 'sysinfo', 'getrandom', 'prlimit64',
      'sched_yield', 'sched_getaffinity', 'getcpu', 'umask', 'times', 'getrusage', 'setsid', 'setpgid']) {
      const def = SYSCALL_TABLE.find((d) => d?.name === name);
      expect(def, name).to.not.equal(undefined);
      expect(def!.status, name).to.not.equal('error');
    }
    const fork = SYSCALL_TABLE[57]!;
    expect(fork.name).to.equal('fork');
    expect(fork.handler(null as never, 0, 0, 0, 0, 0, 0)).to.equal(-22);
  });

  it('docs/syscalls.md is the rendering of the table', () => {
    const doc = readFileSync(join(repoRoot(), 'docs', 'syscalls.md'), 'utf8');
    expect(doc).to.equal(renderSyscallDoc());
  });
});
