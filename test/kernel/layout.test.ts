/**
 * Struct layouts shared with the guest, checked against the C compiler: a
 * program built with musl-gcc prints sizeof/offsetof of musl's ucontext_t,
 * mcontext_t, stack_t, siginfo_t, rusage, sysinfo, utsname, and one built
 * against the kernel's uapi headers prints struct sigcontext; the kernel's
 * declared offsets must agree.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SC, SIGCONTEXT_SIZE, UC, UCONTEXT_SIZE, STACK_T, STACK_T_SIZE, RT_SIGFRAME, RT_SIGFRAME_SIZE } from '../../kernel/signal/frame.js';
import { SIGINFO_SIZE, SI_ADDR, SI_BAND, SI_CODE, SI_ERRNO, SI_FD, SI_OVERRUN, SI_PID, SI_SIGNO, SI_STATUS, SI_STIME, SI_TID, SI_UID, SI_UTIME, SI_VALUE } from '../../kernel/signal/siginfo.js';
import { RUSAGE } from '../../kernel/syscalls/wait.js';
import { SYSINFO, UTS_LEN } from '../../kernel/syscalls/identity.js';

const MUSL_PROGRAM = `
#define _GNU_SOURCE
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <ucontext.h>
#define P(n, v) printf("%s %zu\\n", n, (size_t)(v))
#define G(r) P("gregs." #r, offsetof(mcontext_t, gregs[REG_##r]))
int main(void) {
  P("uc.flags", offsetof(ucontext_t, uc_flags)); P("uc.link", offsetof(ucontext_t, uc_link));
  P("uc.stack", offsetof(ucontext_t, uc_stack)); P("uc.mcontext", offsetof(ucontext_t, uc_mcontext));
  P("uc.sigmask", offsetof(ucontext_t, uc_sigmask));
  P("mcontext.size", sizeof(mcontext_t)); P("mcontext.fpregs", offsetof(mcontext_t, fpregs));
  G(R8); G(R9); G(R10); G(R11); G(R12); G(R13); G(R14); G(R15); G(RDI); G(RSI); G(RBP); G(RBX); G(RDX);
  G(RAX); G(RCX); G(RSP); G(RIP); G(EFL); G(CSGSFS); G(ERR); G(TRAPNO); G(OLDMASK); G(CR2);
  P("stack.sp", offsetof(stack_t, ss_sp)); P("stack.flags", offsetof(stack_t, ss_flags));
  P("stack.size", offsetof(stack_t, ss_size)); P("stack.sizeof", sizeof(stack_t));
  P("si.sizeof", sizeof(siginfo_t)); P("si.signo", offsetof(siginfo_t, si_signo));
  P("si.errno", offsetof(siginfo_t, si_errno)); P("si.code", offsetof(siginfo_t, si_code));
  P("si.pid", offsetof(siginfo_t, si_pid)); P("si.uid", offsetof(siginfo_t, si_uid));
  P("si.status", offsetof(siginfo_t, si_status)); P("si.utime", offsetof(siginfo_t, si_utime));
  P("si.stime", offsetof(siginfo_t, si_stime)); P("si.addr", offsetof(siginfo_t, si_addr));
  P("si.value", offsetof(siginfo_t, si_value)); P("si.band", offsetof(siginfo_t, si_band));
  P("si.fd", offsetof(siginfo_t, si_fd)); P("si.timerid", offsetof(siginfo_t, si_timerid));
  P("si.overrun", offsetof(siginfo_t, si_overrun));
  P("ru.sizeof", sizeof(struct rusage)); P("ru.utime", offsetof(struct rusage, ru_utime));
  P("ru.stime", offsetof(struct rusage, ru_stime)); P("ru.maxrss", offsetof(struct rusage, ru_maxrss));
  P("ru.nvcsw", offsetof(struct rusage, ru_nvcsw)); P("ru.nivcsw", offsetof(struct rusage, ru_nivcsw));
  P("sysinfo.sizeof", sizeof(struct sysinfo)); P("sysinfo.uptime", offsetof(struct sysinfo, uptime));
  P("sysinfo.loads", offsetof(struct sysinfo, loads)); P("sysinfo.totalram", offsetof(struct sysinfo, totalram));
  P("sysinfo.freeram", offsetof(struct sysinfo, freeram)); P("sysinfo.sharedram", offsetof(struct sysinfo, sharedram));
  P("sysinfo.bufferram", offsetof(struct sysinfo, bufferram)); P("sysinfo.totalswap", offsetof(struct sysinfo, totalswap));
  P("sysinfo.freeswap", offsetof(struct sysinfo, freeswap)); P("sysinfo.procs", offsetof(struct sysinfo, procs));
  P("sysinfo.totalhigh", offsetof(struct sysinfo, totalhigh)); P("sysinfo.freehigh", offsetof(struct sysinfo, freehigh));
  P("sysinfo.mem_unit", offsetof(struct sysinfo, mem_unit));
  P("uts.sysname", sizeof(((struct utsname *)0)->sysname)); P("uts.sizeof", sizeof(struct utsname));
  return 0;
}
`;

const UAPI_PROGRAM = `
#include <stddef.h>
#include <stdio.h>
#include <asm/sigcontext.h>
#include <linux/resource.h>
#include <linux/sysinfo.h>
#define P(n, v) printf("%s %zu\\n", n, (size_t)(v))
#define S(f) P("sc." #f, offsetof(struct sigcontext, f))
int main(void) {
  P("sc.sizeof", sizeof(struct sigcontext));
  S(r8); S(r9); S(r10); S(r11); S(r12); S(r13); S(r14); S(r15); S(rdi); S(rsi); S(rbp); S(rbx); S(rdx);
  S(rax); S(rcx); S(rsp); S(rip); S(eflags); S(cs); S(gs); S(fs); S(ss); S(err); S(trapno); S(oldmask);
  S(cr2); S(fpstate); S(reserved1);
  P("fx.sizeof", sizeof(struct _fpstate_64));
  P("ru.sizeof", sizeof(struct rusage)); P("ru.nivcsw", offsetof(struct rusage, ru_nivcsw));
  P("sysinfo.sizeof", sizeof(struct sysinfo)); P("sysinfo.mem_unit", offsetof(struct sysinfo, mem_unit));
  return 0;
}
`;

function compileAndRun(dir: string, name: string, src: string, args: string[]): Map<string, number> {
  const c = join(dir, `${name}.c`);
  const exe = join(dir, name);
  writeFileSync(c, src);
  execFileSync('musl-gcc', [...args, '-o', exe, c], { stdio: ['ignore', 'ignore', 'inherit'] });
  const out = execFileSync(exe, { encoding: 'utf8' });
  const m = new Map<string, number>();
  for (const line of out.trim().split('\n')) {
    const [k, v] = line.split(' ');
    m.set(k, Number(v));
  }
  return m;
}

/** An include dir holding only the kernel's uapi headers (asm, asm-generic, linux), beside musl's own. */
function uapiInclude(dir: string): string[] {
  const inc = join(dir, 'uapi');
  mkdirSync(inc);
  const asm = ['/usr/include/x86_64-linux-gnu/asm', '/usr/include/asm'].find((d) => existsSync(join(d, 'sigcontext.h')));
  if (asm === undefined) throw new Error('no asm/sigcontext.h: install linux-libc-dev');
  symlinkSync(asm, join(inc, 'asm'));
  symlinkSync('/usr/include/asm-generic', join(inc, 'asm-generic'));
  symlinkSync('/usr/include/linux', join(inc, 'linux'));
  return [`-I${inc}`];
}

describe('kernel: struct layouts against the C compiler', () => {
  let dir = '';
  let musl = new Map<string, number>();
  let uapi = new Map<string, number>();
  before(function () {
    this.timeout(60_000);
    dir = mkdtempSync(join(tmpdir(), 'nommu-layout-'));
    musl = compileAndRun(dir, 'musl_layout', MUSL_PROGRAM, ['-O0']);
    uapi = compileAndRun(dir, 'uapi_layout', UAPI_PROGRAM, ['-O0', ...uapiInclude(dir)]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const get = (m: Map<string, number>, k: string): number => {
    const v = m.get(k);
    if (v === undefined) throw new Error(`the C program did not print ${k}`);
    return v;
  };

  it('struct sigcontext matches the uapi header, field by field', () => {
    expect(get(uapi, 'sc.sizeof')).to.equal(SIGCONTEXT_SIZE);
    for (const [field, off] of Object.entries(SC)) expect(get(uapi, `sc.${field}`), field).to.equal(off);
    expect(get(uapi, 'fx.sizeof')).to.equal(512);
  });

  it('ucontext_t and mcontext_t (musl) match the rt_sigframe the kernel writes', () => {
    expect(get(musl, 'uc.flags')).to.equal(UC.flags);
    expect(get(musl, 'uc.link')).to.equal(UC.link);
    expect(get(musl, 'uc.stack')).to.equal(UC.stack);
    expect(get(musl, 'uc.mcontext')).to.equal(UC.mcontext);
    expect(get(musl, 'uc.sigmask')).to.equal(UC.sigmask);
    expect(UCONTEXT_SIZE).to.equal(UC.sigmask + 8);
    expect(get(musl, 'mcontext.size')).to.equal(SIGCONTEXT_SIZE);
    expect(get(musl, 'mcontext.fpregs')).to.equal(SC.fpstate);
    const order: Array<[string, number]> = [['R8', SC.r8], ['R9', SC.r9], ['R10', SC.r10], ['R11', SC.r11],
      ['R12', SC.r12], ['R13', SC.r13], ['R14', SC.r14], ['R15', SC.r15], ['RDI', SC.rdi], ['RSI', SC.rsi],
      ['RBP', SC.rbp], ['RBX', SC.rbx], ['RDX', SC.rdx], ['RAX', SC.rax], ['RCX', SC.rcx], ['RSP', SC.rsp],
      ['RIP', SC.rip], ['EFL', SC.eflags], ['CSGSFS', SC.cs], ['ERR', SC.err], ['TRAPNO', SC.trapno],
      ['OLDMASK', SC.oldmask], ['CR2', SC.cr2]];
    for (const [r, off] of order) expect(get(musl, `gregs.${r}`), r).to.equal(off);
    expect(get(musl, 'stack.sp')).to.equal(STACK_T.sp);
    expect(get(musl, 'stack.flags')).to.equal(STACK_T.flags);
    expect(get(musl, 'stack.size')).to.equal(STACK_T.size);
    expect(get(musl, 'stack.sizeof')).to.equal(STACK_T_SIZE);
    expect(RT_SIGFRAME.uc).to.equal(8);
    expect(RT_SIGFRAME.info).to.equal(8 + UCONTEXT_SIZE);
    expect(RT_SIGFRAME_SIZE).to.equal(8 + UCONTEXT_SIZE + SIGINFO_SIZE);
  });

  it('siginfo_t', () => {
    expect(get(musl, 'si.sizeof')).to.equal(SIGINFO_SIZE);
    const fields: Array<[string, number]> = [['signo', SI_SIGNO], ['errno', SI_ERRNO], ['code', SI_CODE],
      ['pid', SI_PID], ['uid', SI_UID], ['status', SI_STATUS], ['utime', SI_UTIME], ['stime', SI_STIME],
      ['addr', SI_ADDR], ['value', SI_VALUE], ['band', SI_BAND], ['fd', SI_FD], ['timerid', SI_TID],
      ['overrun', SI_OVERRUN]];
    for (const [f, off] of fields) expect(get(musl, `si.${f}`), f).to.equal(off);
  });

  it('struct rusage, struct sysinfo, struct utsname', () => {
    // musl's rusage has 16 reserved longs after the kernel's 144 bytes.
    expect(get(uapi, 'ru.sizeof')).to.equal(RUSAGE.size);
    expect(get(uapi, 'ru.nivcsw')).to.equal(RUSAGE.nivcsw);
    expect(get(uapi, 'sysinfo.sizeof')).to.equal(SYSINFO.size);
    expect(get(uapi, 'sysinfo.mem_unit')).to.equal(SYSINFO.memUnit);
    expect(get(musl, 'ru.utime')).to.equal(RUSAGE.utime);
    expect(get(musl, 'ru.stime')).to.equal(RUSAGE.stime);
    expect(get(musl, 'ru.maxrss')).to.equal(RUSAGE.maxrss);
    expect(get(musl, 'ru.nvcsw')).to.equal(RUSAGE.nvcsw);
    expect(get(musl, 'ru.nivcsw')).to.equal(RUSAGE.nivcsw);
    const s: Array<[string, number]> = [['uptime', SYSINFO.uptime], ['loads', SYSINFO.loads],
      ['totalram', SYSINFO.totalram], ['freeram', SYSINFO.freeram], ['sharedram', SYSINFO.sharedram],
      ['bufferram', SYSINFO.bufferram], ['totalswap', SYSINFO.totalswap], ['freeswap', SYSINFO.freeswap],
      ['procs', SYSINFO.procs], ['totalhigh', SYSINFO.totalhigh], ['freehigh', SYSINFO.freehigh],
      ['mem_unit', SYSINFO.memUnit]];
    for (const [f, off] of s) expect(get(musl, `sysinfo.${f}`), f).to.equal(off);
    expect(get(musl, 'uts.sysname')).to.equal(UTS_LEN);
    expect(get(musl, 'uts.sizeof')).to.equal(6 * UTS_LEN);
  });
});
