/**
 * A small assembler for CPU tests, on iced-x86's BlockEncoder: instructions
 * by iced Code name, operands as register names, numbers (immediates),
 * m(...) memory operands and labels. Branches to labels are resolved by the
 * BlockEncoder (each instruction's ip is used as its label).
 */
import iced from 'iced-x86';
import { Cpu, CpuContext, GuestMemory, PERM_RWX, type ExitReason, type Tier } from '../../cpu/index.js';

const { BlockEncoder, Instruction, Code, Register, MemoryOperand, Decoder, Formatter, FormatterSyntax } = iced;
type IcedInstruction = InstanceType<typeof Instruction>;

export interface Mem { kind: 'mem'; base: string | null; index: string | null; scale: number; disp: number; seg: string | null }
export interface Label { kind: 'label'; name: string }
export type Operand = string | number | Mem | Label;

/** Memory operand [base + index*scale + disp], optional fs/gs segment. */
export function m(base: string | null, disp = 0, index: string | null = null, scale = 1, seg: string | null = null): Mem {
  return { kind: 'mem', base, index, scale, disp, seg };
}
export function L(name: string): Label { return { kind: 'label', name }; }

function reg(name: string): number {
  const v = (Register as unknown as Record<string, number>)[name.toUpperCase()];
  if (typeof v !== 'number') throw new Error(`no register ${name}`);
  return v;
}
function code(name: string): number {
  const v = (Code as unknown as Record<string, number>)[name];
  if (typeof v !== 'number') throw new Error(`no Code ${name}`);
  return v;
}

const LABEL_BASE = 0x7000_0000;

export class Asm {
  private readonly items: { make: (ipOf: (l: string) => bigint) => IcedInstruction }[] = [];
  private readonly labels = new Map<string, number>();

  label(name: string): this {
    this.labels.set(name, this.items.length);
    return this;
  }

  /** Appends one instruction: `a.i('Add_rm64_r64', 'rax', 'rbx')`. */
  i(codeName: string, ...ops: Operand[]): this {
    const c = code(codeName);
    this.items.push({
      make: (ipOf) => {
        const kinds: string[] = [];
        const args: unknown[] = [];
        for (const op of ops) {
          if (typeof op === 'string') { kinds.push('Reg'); args.push(reg(op)); } else if (typeof op === 'number') {
            if (codeName.includes('imm64')) { kinds.push('U64'); args.push(BigInt.asUintN(64, BigInt(op))); } else { kinds.push('I32'); args.push(op); }
          } else if (op.kind === 'mem') {
            kinds.push('Mem');
            const dispSize = op.disp === 0 ? 0 : op.disp >= -128 && op.disp < 128 ? 1 : 8;
            args.push(new MemoryOperand(op.base ? reg(op.base) : Register.None, op.index ? reg(op.index) : Register.None,
              op.scale, BigInt(op.disp), op.base || op.index ? dispSize : 4, false, op.seg ? reg(op.seg) : Register.None));
          } else {
            return Instruction.createBranch(c, ipOf(op.name));
          }
        }
        const fn = (Instruction as unknown as Record<string, (...a: unknown[]) => IcedInstruction>)[`create${kinds.join('')}`];
        if (!fn) throw new Error(`no Instruction.create${kinds.join('')}`);
        return fn(c, ...args);
      },
    });
    return this;
  }

  /** Raw bytes. */
  db(...bytes: number[]): this {
    this.items.push({ make: () => Instruction.createDeclareByte(new Uint8Array(bytes)) });
    return this;
  }

  /** Machine code for the program placed at `base`. */
  assemble(base: number): Uint8Array {
    const ipOf = (l: string) => {
      const idx = this.labels.get(l);
      if (idx === undefined) throw new Error(`no label ${l}`);
      return BigInt(LABEL_BASE + idx);
    };
    const enc = new BlockEncoder(64, 0);
    this.items.forEach((it, k) => {
      const ins = it.make(ipOf);
      ins.ip = BigInt(LABEL_BASE + k);
      enc.add(ins);
    });
    const out = enc.encode(BigInt(base));
    enc.free();
    return out;
  }
}

/** GAS text of machine code (test diagnostics). */
export function disasm(bytes: Uint8Array, base: number): string[] {
  const d = new Decoder(64, bytes, 0);
  d.ip = BigInt(base);
  const f = new Formatter(FormatterSyntax.Gas);
  return d.decodeAll().map((i) => f.format(i));
}

export const CODE_BASE = 0x10000;
export const STACK_TOP = 0x80000;
export const DATA = 0x40000;

export interface Machine { mem: GuestMemory; cpu: Cpu; ctx: CpuContext }

/** A 1 MiB machine (shared memory, reused for speed) with `bytes` at CODE_BASE and rsp = STACK_TOP. */
export function machine(bytes: Uint8Array, tier: Tier = 'interp'): Machine {
  const mem = new GuestMemory(1 << 20);
  mem.setPerm(4096, mem.size - 4096, PERM_RWX);
  mem.u8.set(bytes, CODE_BASE);
  const cpu = new Cpu(mem);
  cpu.tier = tier;
  const ctx = new CpuContext();
  ctx.rip = CODE_BASE;
  ctx.setReg(4, STACK_TOP);
  return { mem, cpu, ctx };
}

/** Runs until an exit (bounded); returns the exit reason. */
export function run(mc: Machine, budget = 1_000_000): ExitReason {
  return mc.cpu.run(mc.ctx, budget);
}

/** Assembles `a` at CODE_BASE followed by a `hlt`-free end marker: the program should end with ud2 or syscall. */
export function program(a: Asm, tier: Tier = 'interp'): Machine {
  return machine(a.assemble(CODE_BASE), tier);
}

/** A 64-bit register as an unsigned bigint. */
export function getR(ctx: CpuContext, n: number): bigint {
  return (BigInt(ctx.gpr[2 * n + 1] >>> 0) << 32n) | BigInt(ctx.gpr[2 * n] >>> 0);
}
export function setR(ctx: CpuContext, n: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  ctx.gpr[2 * n] = Number(u & 0xffffffffn) | 0;
  ctx.gpr[2 * n + 1] = Number(u >> 32n) | 0;
}

/**
 * Runs one small program repeatedly with different inputs on one machine
 * (decoded once). The program should end with ud2: the run then stops with
 * a SIGILL fault at it, leaving every register as the program left it.
 */
export class Runner {
  readonly mc: Machine;
  constructor(a: Asm, tier: Tier = 'interp') {
    this.mc = program(a.i('Ud2'), tier);
  }
  exec(regs: Record<number, bigint>, rflags = 0x202): CpuContext {
    const ctx = this.mc.ctx;
    ctx.gpr.fill(0);
    ctx.setReg(4, STACK_TOP);
    for (const [n, v] of Object.entries(regs)) setR(ctx, Number(n), v);
    ctx.setRflags(rflags);
    ctx.rip = CODE_BASE;
    const reason = this.mc.cpu.run(ctx, 100_000);
    if (reason !== 3 || ctx.faultSignal !== 4) throw new Error(`program did not reach its ud2: exit ${reason} ${ctx.faultDetail}`);
    return ctx;
  }
}

/**
 * One run of mc from `rip`: every register 0 but rsp (STACK_TOP) and those
 * given, rflags 0x202, no fault recorded; returns why it stopped.
 */
export function runFrom(mc: Machine, rip: number, regs: Record<number, bigint>): { reason: ExitReason; ctx: CpuContext } {
  const ctx = mc.ctx;
  ctx.gpr.fill(0);
  ctx.setReg(4, STACK_TOP);
  for (const [n, v] of Object.entries(regs)) setR(ctx, Number(n), v);
  ctx.setRflags(0x202);
  ctx.rip = rip;
  ctx.faultSignal = 0;
  return { reason: mc.cpu.run(ctx, 100_000), ctx };
}
