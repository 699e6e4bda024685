import { expect } from 'chai';
import { GuestMemory } from '../../cpu/memory.js';
import {
  AT_BASE, AT_ENTRY, AT_EXECFN, AT_HWCAP2, AT_NULL, AT_PAGESZ, AT_PHDR, AT_PLATFORM, AT_RANDOM, E2BIG, EFAULT, EINVAL,
  MAX_ARG_STRLEN, buildInitialStack,
} from '../../loader/index.js';
import type { StackInit } from '../../loader/index.js';
import { expectExecError } from './helpers.js';

const u64 = (mem: GuestMemory, a: number): number => mem.dv.getUint32(a, true) + mem.dv.getUint32(a + 4, true) * 2 ** 32;
function cstr(mem: GuestMemory, a: number): string {
  const end = mem.u8.indexOf(0, a);
  return new TextDecoder().decode(mem.u8.subarray(a, end));
}

/** Reads the stack back the way a C runtime does from rsp. */
function parseStack(mem: GuestMemory, rsp: number): { argv: string[]; envp: string[]; auxv: Map<number, number>; order: number[] } {
  let p = rsp;
  const argc = u64(mem, p); p += 8;
  const argv: string[] = [];
  for (let i = 0; i < argc; i++, p += 8) argv.push(cstr(mem, u64(mem, p)));
  expect(u64(mem, p)).to.equal(0); p += 8;
  const envp: string[] = [];
  for (; u64(mem, p) !== 0; p += 8) envp.push(cstr(mem, u64(mem, p)));
  p += 8;
  const auxv = new Map<number, number>();
  const order: number[] = [];
  for (;; p += 16) {
    const type = u64(mem, p);
    order.push(type);
    if (type === AT_NULL) break;
    auxv.set(type, u64(mem, p + 8));
  }
  return { argv, envp, auxv, order };
}

describe('loader: buildInitialStack', () => {
  const random = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
  const init = (over: Partial<StackInit> = {}): StackInit => ({
    argv: ['/bin/busybox', 'echo', 'héllo wörld', ''],
    envp: ['HOME=/root', 'PATH=/bin:/usr/bin'],
    auxv: [[AT_PHDR, 0x200040], [AT_PAGESZ, 4096], [AT_BASE, 0x400000], [AT_ENTRY, 0x201000], [AT_HWCAP2, 2 ** 40 + 5]],
    execfn: '/bin/echo',
    random,
    ...over,
  });

  it('lays out argc, argv, envp and auxv so that they parse back, with rsp 16-byte aligned', () => {
    const mem = new GuestMemory(1 << 20);
    const rsp = buildInitialStack(mem, 0x80000, 0x90000, init());
    expect(rsp % 16).to.equal(0);
    expect(rsp).to.be.within(0x80000, 0x90000);
    const s = parseStack(mem, rsp);
    expect(s.argv).to.deep.equal(['/bin/busybox', 'echo', 'héllo wörld', '']);
    expect(s.envp).to.deep.equal(['HOME=/root', 'PATH=/bin:/usr/bin']);
    expect(s.auxv.get(AT_PHDR)).to.equal(0x200040);
    expect(s.auxv.get(AT_BASE)).to.equal(0x400000);
    expect(s.auxv.get(AT_HWCAP2)).to.equal(2 ** 40 + 5);
    const r = s.auxv.get(AT_RANDOM)!;
    expect([...mem.u8.subarray(r, r + 16)]).to.deep.equal([...random]);
    expect(cstr(mem, s.auxv.get(AT_EXECFN)!)).to.equal('/bin/echo');
    expect(cstr(mem, s.auxv.get(AT_PLATFORM)!)).to.equal('x86_64');
    expect(s.order.slice(-4)).to.deep.equal([AT_RANDOM, AT_EXECFN, AT_PLATFORM, AT_NULL]);
  });

  it('puts the strings at the top as Linux does: execfn highest, then envp, then argv, end marker last', () => {
    const mem = new GuestMemory(1 << 20);
    const top = 0x90000;
    const rsp = buildInitialStack(mem, 0x80000, top, init());
    const s = parseStack(mem, rsp);
    const execfn = s.auxv.get(AT_EXECFN)!;
    expect(execfn + '/bin/echo'.length + 1).to.equal(top - 8);
    expect(u64(mem, top - 8)).to.equal(0);
    const argv0 = u64(mem, rsp + 8);
    const envp0 = u64(mem, rsp + 8 * (1 + 4 + 1));
    expect(argv0).to.be.below(envp0);
    expect(envp0).to.be.below(execfn);
    expect(s.auxv.get(AT_RANDOM)!).to.be.below(argv0);
    expect(s.auxv.get(AT_RANDOM)! + 16).to.equal(s.auxv.get(AT_PLATFORM)!);
  });

  it('copies byte-string arguments as they are', () => {
    const mem = new GuestMemory(1 << 20);
    const raw = Uint8Array.of(0xff, 0xfe, 0x41);
    const rsp = buildInitialStack(mem, 0x80000, 0x90000, init({ argv: [raw] }));
    const a = u64(mem, rsp + 8);
    expect([...mem.u8.subarray(a, a + 4)]).to.deep.equal([0xff, 0xfe, 0x41, 0]);
  });

  it('keeps rsp aligned for every argument count', () => {
    const mem = new GuestMemory(1 << 20);
    for (let n = 0; n < 6; n++) {
      const rsp = buildInitialStack(mem, 0x80000, 0x90000 - n * 3, init({ argv: Array.from({ length: n }, (_, i) => 'a'.repeat(i)) }));
      expect(rsp % 16).to.equal(0);
      expect(parseStack(mem, rsp).argv).to.have.length(n);
    }
  });

  it('gives E2BIG when the strings or the tables do not fit, and writes nothing', () => {
    const mem = new GuestMemory(1 << 20);
    expectExecError(() => buildInitialStack(mem, 0x80000, 0x81000, init({ envp: ['X='.padEnd(5000, 'x')] })), E2BIG, /do not fit/);
    expectExecError(() => buildInitialStack(mem, 0x80000, 0x80100, init({ argv: Array(40).fill('a') })), E2BIG);
    expect(mem.u8.subarray(0x80000, 0x81000).every((b) => b === 0)).to.equal(true);
    expectExecError(() => buildInitialStack(mem, 0x80000, 0xf0000, init({ argv: ['a'.repeat(MAX_ARG_STRLEN)] })), E2BIG, /longer than/);
  });

  it('refuses a bad stack range, reserved auxv types and malformed input', () => {
    const mem = new GuestMemory(1 << 20);
    expectExecError(() => buildInitialStack(mem, 0, 0x1000, init()), EFAULT);
    expectExecError(() => buildInitialStack(mem, 0x80000, (1 << 20) + 16, init()), EFAULT);
    expectExecError(() => buildInitialStack(mem, 0x90000, 0x80000, init()), EFAULT);
    expectExecError(() => buildInitialStack(mem, 0x80000, 0x90000, init({ auxv: [[AT_RANDOM, 1]] })), EINVAL, /written by buildInitialStack/);
    expectExecError(() => buildInitialStack(mem, 0x80000, 0x90000, init({ auxv: [[AT_PAGESZ, -1]] })), EINVAL);
    expectExecError(() => buildInitialStack(mem, 0x80000, 0x90000, init({ random: new Uint8Array(8) })), EINVAL, /16 bytes/);
    expectExecError(() => buildInitialStack(mem, 0x80000, 0x90000, init({ argv: ['a\0b'] })), EINVAL, /NUL/);
  });
});
