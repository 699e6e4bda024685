/**
 * Everything else of the integer ISA: nop forms, hints and fences, flag
 * instructions, cpuid, rdtsc, syscall/sysenter, and the instructions that
 * trap (ud2, int3, int n, privileged ones).
 */
import type { Core } from '../core.js';
import { type Exec, type Insn } from '../insn.js';
import { def, codes } from '../registry.js';
import { CF, DF, ZF, SF, AF, PF } from '../context.js';
import { ExitReason, ILL_ILLOPN, SIGILL, SIGTRAP, SI_KERNEL } from '../exit.js';
import { getCF, materialize, rflags, setSome } from '../flags.js';
import { fault, gpFault } from '../access.js';
import { pure } from './operands.js';
import { emit } from '../emit.js';

const nop: Exec = () => {};
function pureNop(i: Insn): Exec { pure(i); return nop; }

// Nops, hints, fences, prefetches, cache-line flushes: no architectural effect here.
def(codes(
  'Nopw', 'Nopd', 'Nopq', 'Nop_rm16', 'Nop_rm32', 'Nop_rm64', 'Pause', 'Endbr64', 'Endbr32',
  'Prefetchnta_m8', 'Prefetcht0_m8', 'Prefetcht1_m8', 'Prefetcht2_m8', 'Prefetch_m8', 'Prefetchw_m8',
  'Lfence', 'Lfence_E9', 'Lfence_EA', 'Lfence_EB', 'Lfence_EC', 'Lfence_ED', 'Lfence_EE', 'Lfence_EF',
  'Mfence', 'Mfence_F1', 'Mfence_F2', 'Mfence_F3', 'Mfence_F4', 'Mfence_F5', 'Mfence_F6', 'Mfence_F7',
  'Sfence', 'Sfence_F9', 'Sfence_FA', 'Sfence_FB', 'Sfence_FC', 'Sfence_FD', 'Sfence_FE', 'Sfence_FF',
  'Clflush_m8',
  ...['0F0D', '0F18', '0F19', '0F1A', '0F1B', '0F1C', '0F1D', '0F1E', '0F1F'].flatMap((o) =>
    [`Reservednop_rm16_r16_${o}`, `Reservednop_rm32_r32_${o}`, `Reservednop_rm64_r64_${o}`]),
), pureNop);
emit(nop, () => '');

// ---- flag instructions ----

def(codes('Clc'), (i) => { pure(i); return (c) => setSome(c, CF, 0); });
def(codes('Stc'), (i) => { pure(i); return (c) => setSome(c, CF, CF); });
def(codes('Cmc'), (i) => { pure(i); return (c) => setSome(c, CF, getCF(c) ^ 1); });
def(codes('Cld'), (i) => { pure(i); return (c) => { c.flags &= ~DF; }; });
def(codes('Std'), (i) => { pure(i); return (c) => { c.flags |= DF; }; });
/** lahf: ah = SF ZF 0 AF 0 PF 1 CF. */
def(codes('Lahf'), (i) => { pure(i); return (c) => { c.r8[1] = (rflags(c) & (SF | ZF | AF | PF | CF)) | 2; }; });
/** sahf: SF ZF AF PF CF from ah. */
def(codes('Sahf'), (i) => {
  pure(i);
  return (c) => { materialize(c); setSome(c, SF | ZF | AF | PF | CF, c.r8[1]); };
});

// ---- cpuid: a baseline x86-64 processor (SSE2, nothing newer) ----

const VENDOR = 'GenuineIntel';
const BRAND = 'nommu-um virtual x86-64 CPU'.padEnd(47, ' ') + '\0';
function str4(s: string, at: number): number {
  return (s.charCodeAt(at) | (s.charCodeAt(at + 1) << 8) | (s.charCodeAt(at + 2) << 16) | (s.charCodeAt(at + 3) << 24));
}
/** CPUID.1:EDX: FPU TSC CX8 CMOV CLFSH MMX FXSR SSE SSE2. */
export const CPUID1_EDX = (1 << 0) | (1 << 4) | (1 << 8) | (1 << 15) | (1 << 19) | (1 << 23) | (1 << 24) | (1 << 25) | (1 << 26);
/** CPUID.80000001h: ECX LAHF/SAHF; EDX SYSCALL NX LM. */
export const CPUID81_ECX = 1 << 0;
export const CPUID81_EDX = (1 << 11) | (1 << 20) | (1 << 29);

/** Returns [eax, ebx, ecx, edx] for a leaf (exported for tests and diagnostics). */
export function cpuidLeaf(leaf: number): [number, number, number, number] {
  switch (leaf >>> 0) {
    case 0: return [7, str4(VENDOR, 0), str4(VENDOR, 8), str4(VENDOR, 4)];
    // family 6, model 0x0f, stepping 1; clflush line 8 qwords, one logical processor
    case 1: return [0x6f1, 0x00010800, 0, CPUID1_EDX];
    case 0x80000000: return [0x80000004 | 0, 0, 0, 0];
    case 0x80000001: return [0, 0, CPUID81_ECX, CPUID81_EDX];
    case 0x80000002: case 0x80000003: case 0x80000004: {
      const off = ((leaf >>> 0) - 0x80000002) * 16;
      return [str4(BRAND, off), str4(BRAND, off + 4), str4(BRAND, off + 8), str4(BRAND, off + 12)];
    }
    default: return [0, 0, 0, 0];
  }
}
def(codes('Cpuid'), (i) => {
  pure(i);
  return (c) => {
    const r = c.r;
    const [a, b, cc, d] = cpuidLeaf(r[0]);
    r[0] = a; r[1] = 0; r[6] = b; r[7] = 0; r[2] = cc; r[3] = 0; r[4] = d; r[5] = 0;
  };
});

// ---- rdtsc: the retired-instruction count before this instruction (deterministic) ----

def(codes('Rdtsc'), (i) => {
  pure(i);
  return (c: Core, ins: Insn) => {
    const t = c.tscRun + c.tscBase + ins.idx;
    const r = c.r;
    r[0] = t | 0; r[1] = 0;
    r[4] = Math.floor(t / 4294967296) | 0; r[5] = 0;
  };
});

// ---- syscall / sysenter: the trap path (DESIGN.md decision 7) ----

const syscall: Exec = (c, i) => {
  const r = c.r;
  r[2] = i.next | 0; r[3] = 0; // rcx = return address
  r[22] = rflags(c) & ~0x10000; r[23] = 0; // r11 = rflags (RF clear)
  c.ctx.trapSiteAddr = i.addr;
  c.ctx.trapSiteLength = i.len;
  c.rip = i.next;
  c.exit = ExitReason.SyscallTrap;
};
// Both save rflags in r11 (and the kernel may look at them): they read every flag.
def(codes('Syscall', 'Sysenter'), (i) => { i.mayFault = false; i.writes = false; i.fread = 0x3f; return syscall; });

// ---- traps and faults ----

def(codes('Ud2', 'Ud0', 'Ud0_r16_rm16', 'Ud0_r32_rm32', 'Ud0_r64_rm64', 'Ud1_r16_rm16', 'Ud1_r32_rm32', 'Ud1_r64_rm64'), () =>
  (c, i) => fault(c, SIGILL, ILL_ILLOPN, i.addr, `ud at 0x${i.addr.toString(16)}`));

/** int3 is a trap: it retires and the signal is taken with rip after it, as Linux reports. */
def(codes('Int3'), (b) => { b.fread = 0x3f; return int3; });
const int3: Exec = (c: Core, i: Insn) => {
  const ctx = c.ctx;
  ctx.faultSignal = SIGTRAP;
  ctx.faultCode = SI_KERNEL;
  ctx.faultAddr = 0;
  ctx.faultDetail = `int3 at 0x${i.addr.toString(16)}`;
  c.rip = i.next;
  c.exit = ExitReason.Fault;
};

/** Privileged in user mode: #GP, which Linux delivers as SIGSEGV SI_KERNEL. */
def(codes(
  'Hlt', 'Cli', 'Sti', 'Int_imm8', 'Int1', 'Clts', 'Invd', 'Wbinvd', 'Wrmsr', 'Rdmsr', 'Rdpmc', 'Swapgs', 'Sysretd', 'Sysretq',
  'In_AL_imm8', 'In_AX_imm8', 'In_EAX_imm8', 'Out_imm8_AL', 'Out_imm8_AX', 'Out_imm8_EAX',
  'In_AL_DX', 'In_AX_DX', 'In_EAX_DX', 'Out_DX_AL', 'Out_DX_AX', 'Out_DX_EAX',
  'Insb_m8_DX', 'Insw_m16_DX', 'Insd_m32_DX', 'Outsb_DX_m8', 'Outsw_DX_m16', 'Outsd_DX_m32',
  'Lgdt_m1664', 'Lidt_m1664', 'Lldt_rm16', 'Lldt_r32m16', 'Lldt_r64m16', 'Ltr_rm16', 'Ltr_r32m16', 'Ltr_r64m16',
  'Lmsw_rm16', 'Lmsw_r32m16', 'Lmsw_r64m16', 'Invlpg_m',
  'Mov_r64_cr', 'Mov_cr_r64', 'Mov_r64_dr', 'Mov_dr_r64',
), () => (c, i) => gpFault(c, `privileged instruction at 0x${i.addr.toString(16)}`));
