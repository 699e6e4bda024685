/**
 * A CPU-bound guest loop for the benchmark command: a mix of loads, stores,
 * ALU operations, a shift and a loop branch, assembled with iced-x86's
 * Encoder, run to completion on a fresh machine. Reports retired guest
 * instructions and wall time (not a test: nothing here asserts speed).
 */
import iced from './iced.js';
import { Cpu, type Tier } from './cpu.js';
import { CpuContext, RAX } from './context.js';
import { GuestMemory } from './memory.js';
import { ExitReason } from './exit.js';

const { Encoder, Instruction, Code, Register, MemoryOperand } = iced;
type IcedInstruction = InstanceType<typeof Instruction>;

export interface LoopBenchResult {
  iterations: number;
  retired: number;
  /** Wall time, and this process's CPU time (the fairer figure on a shared machine). */
  ms: number;
  cpuMs: number;
  mips: number;
  mipsCpu: number;
  tier: Tier;
  /** rax at the end as a double, and its exact halves (keeps the work observable and checkable). */
  checksum: number;
  checksumLo: number;
  checksumHi: number;
}

const CODE = 0x10000;
const DATA = 0x20000;
const INSNS_PER_ITERATION = 12;

/** Machine code of the loop; rcx counts iterations down from `iterations`. */
export function loopCode(iterations: number): Uint8Array {
  const enc = new Encoder(64);
  const mem = (base: number, index: number) => MemoryOperand.createBaseIndex(base, index);
  const setup: IcedInstruction[] = [
    Instruction.createRegReg(Code.Xor_r32_rm32, Register.EAX, Register.EAX),
    Instruction.createRegU32(Code.Mov_r32_imm32, Register.ECX, iterations),
    Instruction.createRegU32(Code.Mov_r32_imm32, Register.ESI, DATA),
    Instruction.createRegReg(Code.Xor_r32_rm32, Register.EDI, Register.EDI),
  ];
  const loop: IcedInstruction[] = [
    Instruction.createRegReg(Code.Mov_r32_rm32, Register.EDX, Register.ECX),
    Instruction.createRegU32(Code.And_rm32_imm32, Register.EDX, 0xff),
    Instruction.createRegMem(Code.Mov_r64_rm64, Register.RBX, mem(Register.RSI, Register.RDX)),
    Instruction.createRegReg(Code.Add_r64_rm64, Register.RBX, Register.RCX),
    Instruction.createMemReg(Code.Mov_rm64_r64, mem(Register.RSI, Register.RDX), Register.RBX),
    Instruction.createRegReg(Code.Xor_r64_rm64, Register.RAX, Register.RBX),
    Instruction.createRegU32(Code.Rol_rm64_imm8, Register.RAX, 5),
    Instruction.createRegReg(Code.Cmp_r64_rm64, Register.RBX, Register.RDI),
    Instruction.createRegReg(Code.Cmovb_r64_rm64, Register.RDI, Register.RBX),
    Instruction.createRegU32(Code.Add_rm64_imm8, Register.RDI, 1),
    Instruction.createRegU32(Code.Sub_rm64_imm8, Register.RCX, 1),
  ];
  // Relative branches need an address; none of these has one, so each encodes at ip 0.
  for (const ins of setup) enc.encode(ins, ins.ip);
  const head = enc.takeBuffer();
  for (const ins of loop) enc.encode(ins, ins.ip);
  const body = enc.takeBuffer();
  enc.free();
  // jne back to the loop start (rel32), then syscall to leave
  const rel = -(body.length + 6);
  const tail = [0x0f, 0x85, rel & 0xff, (rel >> 8) & 0xff, (rel >> 16) & 0xff, (rel >>> 24) & 0xff, 0x0f, 0x05];
  const out = new Uint8Array(head.length + body.length + tail.length);
  out.set(head);
  out.set(body, head.length);
  out.set(tail, head.length + body.length);
  return out;
}

/** Runs the loop `iterations` times on the given tier. */
export function runLoopBench(iterations = 2_000_000, tier: Tier = 'compiled'): LoopBenchResult {
  const mem = new GuestMemory(1 << 20);
  mem.u8.set(loopCode(iterations), CODE);
  const cpu = new Cpu(mem);
  cpu.tier = tier;
  const ctx = new CpuContext();
  ctx.rip = CODE;
  ctx.setReg(4, 0x80000);
  const t0 = performance.now();
  const u0 = process.cpuUsage();
  let reason: ExitReason;
  do reason = cpu.run(ctx, 10_000_000); while (reason === ExitReason.Budget);
  const ms = performance.now() - t0;
  const cpuMs = process.cpuUsage(u0).user / 1000;
  if (reason !== ExitReason.SyscallTrap) throw new Error(`bench loop ended with exit ${reason} (${ctx.faultDetail})`);
  return {
    iterations, retired: ctx.retired, ms, cpuMs, mips: ctx.retired / ms / 1000, mipsCpu: ctx.retired / cpuMs / 1000, tier,
    checksum: ctx.getRegU(RAX), checksumLo: ctx.gpr[2 * RAX], checksumHi: ctx.gpr[2 * RAX + 1],
  };
}

/** Retired instructions the loop must report for `iterations` (4 setup + 12 per iteration + syscall). */
export function expectedRetired(iterations: number): number {
  return 4 + INSNS_PER_ITERATION * iterations + 1;
}
