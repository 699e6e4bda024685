/**
 * Builds one case of an instruction form: picks registers, a memory operand and
 * immediates, encodes with iced-x86 at the fixed test address, then fills the
 * machine state with edge and random values. Families adjust the result through
 * hooks (shift counts, divisors, stack pointers...).
 */
import {
  CodeExt, Encoder, Instruction, MemoryOperand, MemorySize, MemorySizeExt, OpCodeOperandKind as K, Register,
} from './iced.js';
import type { Instruction as Insn, MemoryOperand as MemOperand, OpCodeInfo, Register as Reg } from './iced.js';
import { DATA_BASE, DATA_SIZE, INSN_END, STACK_TOP } from './layout.js';
import { Check, DiffCase, Form } from './model.js';
import { Rng } from './rng.js';
import {
  AF, ARITH_FLAGS, CF, DF, FLAGS_COMPARED, FX_MXCSR, FX_XMM, InputState, OF, PF, Patch, SF, ZF, defaultFx,
} from './state.js';
import { LaneType, intValue, mask, xmmValue } from './values.js';

export interface GprOp { t: 'gpr'; reg: Reg; num: number; size: number; high: boolean; fixed: boolean }
export interface XmmOp { t: 'xmm'; reg: Reg; num: number }
export interface MemOp { t: 'mem'; addr: number; size: number; addrRegs: number[] }
export interface ImmOp { t: 'imm'; value: bigint; kind: number }
export interface StOp { t: 'st'; i: number }
export type Op = GprOp | XmmOp | MemOp | ImmOp | StOp;

export type Variant = 'reg' | 'mem' | '';

/** Cases per form built mostly from edge values; the rest mix edge and random values. */
export const EDGE_CASES = 6;

/** Hooks a family gives its forms. All optional. */
export interface Profile {
  family: string;
  required: boolean;
  /** Immediate for operand `i` of kind `kind` (an OpCodeOperandKind); undefined = default. */
  imm?(b: CaseBuilder, kind: number, i: number): bigint | undefined;
  /** Alignment of the memory operand's address (1 = any). */
  align?(b: CaseBuilder): number;
  /** Added to the aligned address (to provoke misalignment faults). */
  misalign?(b: CaseBuilder): number;
  /** Memory operand never accessed (lea): address registers hold arbitrary values. */
  noAccess?: boolean;
  /** rsp must point into the data area (push, pop, call...). */
  stack?: boolean;
  /** Lane type of XMM values (default from the form's memory size). */
  lanes?: LaneType;
  /** After operands and values are set: adjust the state. */
  tweak?(b: CaseBuilder): void;
  /** After tweak: adjust what is compared. */
  check?(b: CaseBuilder, c: Check): void;
}

const GPR = [
  [Register.AL, Register.CL, Register.DL, Register.BL, Register.SPL, Register.BPL, Register.SIL, Register.DIL,
    Register.R8L, Register.R9L, Register.R10L, Register.R11L, Register.R12L, Register.R13L, Register.R14L, Register.R15L],
  [Register.AX, Register.CX, Register.DX, Register.BX, Register.SP, Register.BP, Register.SI, Register.DI,
    Register.R8W, Register.R9W, Register.R10W, Register.R11W, Register.R12W, Register.R13W, Register.R14W, Register.R15W],
  [Register.EAX, Register.ECX, Register.EDX, Register.EBX, Register.ESP, Register.EBP, Register.ESI, Register.EDI,
    Register.R8D, Register.R9D, Register.R10D, Register.R11D, Register.R12D, Register.R13D, Register.R14D, Register.R15D],
  [Register.RAX, Register.RCX, Register.RDX, Register.RBX, Register.RSP, Register.RBP, Register.RSI, Register.RDI,
    Register.R8, Register.R9, Register.R10, Register.R11, Register.R12, Register.R13, Register.R14, Register.R15],
];
const HIGH8 = [Register.AH, Register.CH, Register.DH, Register.BH];
const SIZE_INDEX: Record<number, number> = { 1: 0, 2: 1, 4: 2, 8: 3 };
/** Registers used to address memory: never the ones instructions use implicitly (rax, rcx, rdx, rsp, rsi, rdi). */
const ADDR_REGS = [3, 5, 8, 9, 10, 11, 12, 13, 14, 15];

export function gprReg(num: number, size: number): Reg { return GPR[SIZE_INDEX[size]][num]; }

/** Iced's RflagsBits -> RFLAGS bits. */
export function icedFlags(bits: number): number {
  let r = 0;
  if (bits & 1) r |= OF;
  if (bits & 2) r |= SF;
  if (bits & 4) r |= ZF;
  if (bits & 8) r |= AF;
  if (bits & 16) r |= CF;
  if (bits & 32) r |= PF;
  if (bits & 64) r |= DF;
  return r;
}

function memBytes(ms: number): number { return MemorySizeExt.size(ms); }

/** The lane type implied by a memory size (SSE forms). */
export function lanesOf(ms: number): LaneType {
  const name = MemorySize[ms] as string;
  if (/Float32/.test(name)) return 'f32';
  if (/Float64/.test(name)) return 'f64';
  if (/8$/.test(name)) return 'i8';
  if (/16$/.test(name)) return 'i16';
  if (/32$/.test(name)) return 'i32';
  return 'i64';
}

export class CaseBuilder {
  readonly gpr: bigint[] = [];
  rflags: number;
  readonly fx: Uint8Array = defaultFx();
  readonly dataSeed: number;
  readonly patches: Patch[] = [];
  readonly ops: Op[] = [];
  /** GPR numbers already taken by operands or addressing. */
  readonly taken = new Set<number>();
  code: Uint8Array = new Uint8Array(0);
  nativeCode: Uint8Array | null = null;
  insnAddr = 0;
  resumable = false;
  /** RFLAGS bits the instruction leaves undefined, from iced's tables (families refine it). */
  undefinedFlags = 0;
  /** iced's rflagsUndefined as is (it also carries the x87 condition codes C0-C3). */
  icedUndefined = 0;
  readonly check: Check;

  constructor(readonly rng: Rng, readonly index: number, readonly form: Form, readonly info: OpCodeInfo) {
    for (let i = 0; i < 16; i++) this.gpr.push(rng.chance(0.3) ? intValue(rng, 64) : rng.u64());
    this.rflags = 0x202 | (rng.u32() & ARITH_FLAGS) | (rng.chance(0.25) ? DF : 0);
    this.dataSeed = rng.u32() | 1;
    for (let i = 0; i < 16; i++) this.fx.set(xmmValue(rng, rng.pick(['i8', 'f32', 'f64'] as const)), FX_XMM + 16 * i);
    this.check = { flags: FLAGS_COMPARED, x87: { rule: 'exact', statusMask: 0xffff }, mxcsrMask: 0xffff, gprIgnore: 0, dataIgnore: [], notes: [] };
  }

  /** A form's first EDGE_CASES cases draw edge values nine times in ten (values.ts). */
  get edge(): boolean { return this.index < EDGE_CASES; }

  setGpr(num: number, value: bigint, size = 8, high = false): void {
    const shift = high ? 8n : 0n;
    const m = mask(size * 8) << shift;
    const old = BigInt.asUintN(64, this.gpr[num]);
    let v = BigInt.asUintN(64, value & mask(size * 8)) << shift;
    // A 32-bit write zero-extends on x86 but here we set inputs: keep the upper bits random.
    v = (old & ~m) | v;
    this.gpr[num] = BigInt.asUintN(64, v);
  }

  getGpr(num: number, size = 8, high = false): bigint {
    return (this.gpr[num] >> (high ? 8n : 0n)) & mask(size * 8);
  }

  writeMem(addr: number, bytes: Uint8Array): void {
    const off = addr - DATA_BASE;
    if (off < 0 || off + bytes.length > DATA_SIZE) throw new RangeError(`memory write outside the data area at 0x${addr.toString(16)}`);
    this.patches.push({ off, bytes });
  }

  writeMemInt(addr: number, value: bigint, size: number): void {
    const b = new Uint8Array(size);
    for (let i = 0; i < size; i++) b[i] = Number((value >> BigInt(8 * i)) & 0xffn);
    this.writeMem(addr, b);
  }

  setOpValue(op: GprOp | MemOp, value: bigint): void {
    if (op.t === 'gpr') this.setGpr(op.num, value, op.size, op.high);
    else this.writeMemInt(op.addr, value, op.size);
  }

  setXmm(num: number, bytes: Uint8Array): void { this.fx.set(bytes, FX_XMM + 16 * num); }
  get mxcsr(): number { return new DataView(this.fx.buffer).getUint32(FX_MXCSR, true); }
  set mxcsr(v: number) { new DataView(this.fx.buffer).setUint32(FX_MXCSR, v >>> 0, true); }

  /** An unused GPR number from `pool`. */
  freeGpr(pool: readonly number[]): number {
    const free = pool.filter((n) => !this.taken.has(n));
    const n = this.rng.pick(free.length ? free : pool);
    this.taken.add(n);
    return n;
  }

  finish(): DiffCase {
    const state: InputState = { gpr: this.gpr, rflags: this.rflags, fx: this.fx, dataSeed: this.dataSeed, patches: this.patches };
    this.check.flags &= ~this.undefinedFlags;
    return {
      form: this.form, index: this.index, code: this.code, nativeCode: this.nativeCode ?? this.code,
      insnAddr: this.insnAddr, state, resumable: this.resumable, check: this.check,
    };
  }
}

/** Encodes so that the instruction ends at INSN_END (a landing-thunk slot boundary). */
export function encodeAtEnd(make: (rip: number) => Insn): { bytes: Uint8Array; addr: number; undef: number; undefRaw: number } {
  const first = make(INSN_END - 16);
  const enc = new Encoder(64);
  let len: number;
  try {
    len = enc.encode(first, BigInt(INSN_END - 16));
  } finally {
    first.free();
  }
  enc.takeBuffer();
  const addr = INSN_END - len;
  const ins = make(addr);
  try {
    const n = enc.encode(ins, BigInt(addr));
    if (n !== len) throw new Error('instruction length depends on its address');
    return { bytes: enc.takeBuffer(), addr, undef: icedFlags(ins.rflagsUndefined), undefRaw: ins.rflagsUndefined };
  } finally {
    ins.free();
    enc.free();
  }
}

type Operand = { t: 'r'; reg: Reg } | { t: 'm'; spec: MemSpec } | { t: 'i'; value: bigint; kind: number };

interface MemSpec { base: Reg; index: Reg; scale: number; disp: bigint; displSize: number }

function memOperand(s: MemSpec): MemOperand {
  return new MemoryOperand(s.base, s.index, s.scale, s.disp, s.displSize, false, Register.None);
}

/** Calls the Instruction.create* overload matching the operand shapes. */
function createInstruction(code: number, ops: Operand[]): Insn {
  const shape = ops.map((o) => o.t).join('');
  const r = (i: number): Reg => (ops[i] as { reg: Reg }).reg;
  const m = (i: number): MemOperand => memOperand((ops[i] as { spec: MemSpec }).spec);
  const imm = (i: number): number => Number((ops[i] as { value: bigint }).value);
  const immIsSigned = (i: number): boolean => SIGNED_IMM.has((ops[i] as { kind: number }).kind);
  // The create* functions take ownership of the MemoryOperand (wasm-bindgen moves it).
  const withMem = (i: number, f: (mo: MemOperand) => Insn): Insn => f(m(i));
  switch (shape) {
    case '': return Instruction.create(code);
    case 'r': return Instruction.createReg(code, r(0));
    case 'm': return withMem(0, (mo) => Instruction.createMem(code, mo));
    case 'i': return immIsSigned(0) ? Instruction.createI32(code, imm(0)) : Instruction.createU32(code, imm(0));
    case 'ii': return Instruction.createU32U32(code, imm(0), imm(1));
    case 'rr': return Instruction.createRegReg(code, r(0), r(1));
    case 'rm': return withMem(1, (mo) => Instruction.createRegMem(code, r(0), mo));
    case 'mr': return withMem(0, (mo) => Instruction.createMemReg(code, mo, r(1)));
    case 'ri': {
      const o = ops[1] as { value: bigint; kind: number };
      if (o.kind === K.imm64) return Instruction.createRegU64(code, r(0), BigInt.asUintN(64, o.value));
      return immIsSigned(1) ? Instruction.createRegI32(code, r(0), imm(1)) : Instruction.createRegU32(code, r(0), imm(1));
    }
    case 'mi': return withMem(0, (mo) => immIsSigned(1) ? Instruction.createMemI32(code, mo, imm(1)) : Instruction.createMemU32(code, mo, imm(1)));
    case 'rrr': return Instruction.createRegRegReg(code, r(0), r(1), r(2));
    case 'rri': return immIsSigned(2) ? Instruction.createRegRegI32(code, r(0), r(1), imm(2)) : Instruction.createRegRegU32(code, r(0), r(1), imm(2));
    case 'rmi': return withMem(1, (mo) => immIsSigned(2) ? Instruction.createRegMemI32(code, r(0), mo, imm(2)) : Instruction.createRegMemU32(code, r(0), mo, imm(2)));
    case 'mri': return withMem(0, (mo) => immIsSigned(2) ? Instruction.createMemRegI32(code, mo, r(1), imm(2)) : Instruction.createMemRegU32(code, mo, r(1), imm(2)));
    case 'mrr': return withMem(0, (mo) => Instruction.createMemRegReg(code, mo, r(1), r(2)));
    default: throw new Error(`no iced create overload for operand shape '${shape}'`);
  }
}

const SIGNED_IMM = new Set<number>([K.imm8sex16, K.imm8sex32, K.imm8sex64, K.imm32sex64]);

function immBits(kind: number): number {
  switch (kind) {
    case K.imm8: case K.imm8sex16: case K.imm8sex32: case K.imm8sex64: return 8;
    case K.imm16: return 16;
    case K.imm32: case K.imm32sex64: return 32;
    case K.imm64: return 64;
    default: return 8;
  }
}

function gprSizeOf(kind: number): number {
  switch (kind) {
    case K.r8_or_mem: case K.r8_reg: case K.r8_opcode: case K.al: case K.cl: return 1;
    case K.r16_or_mem: case K.r16_reg: case K.r16_rm: case K.r16_opcode: case K.r16_reg_mem: case K.ax: case K.dx: return 2;
    case K.r32_or_mem: case K.r32_reg: case K.r32_rm: case K.r32_opcode: case K.r32_reg_mem: case K.eax: return 4;
    case K.r64_or_mem: case K.r64_reg: case K.r64_rm: case K.r64_opcode: case K.r64_reg_mem: case K.rax: return 8;
    default: return 0;
  }
}

const FIXED_GPR: Record<number, [number, number]> = {
  [K.al]: [0, 1], [K.cl]: [1, 1], [K.ax]: [0, 2], [K.dx]: [2, 2], [K.eax]: [0, 4], [K.rax]: [0, 8],
};

const RM_KINDS = new Set<number>([K.r8_or_mem, K.r16_or_mem, K.r32_or_mem, K.r64_or_mem, K.xmm_or_mem]);

/** The operand variants of a Code: 'reg' and 'mem' when it has an r/m operand, else ''. */
export function variantsOf(info: OpCodeInfo): Variant[] {
  for (let i = 0; i < info.opCount; i++) if (RM_KINDS.has(info.opKind(i))) return ['reg', 'mem'];
  return [''];
}

/** Addresses an aligned memory operand of `size` bytes inside the data area. */
function pickAddress(b: CaseBuilder, size: number, align: number): number {
  const lo = 0x400, hi = DATA_SIZE - 0x800 - size;
  let off = lo + b.rng.int(hi - lo);
  off -= off % align;
  return DATA_BASE + off;
}

/** Chooses an addressing mode for effective address `ea` and sets the registers it uses. */
function planAddress(b: CaseBuilder, ea: number, noAccess: boolean): { spec: MemSpec; regs: number[] } {
  const rng = b.rng;
  const mode = rng.int(7);
  const eaBig = BigInt(ea);
  const set = (n: number, v: bigint): void => { b.gpr[n] = BigInt.asUintN(64, v); };
  if (mode === 0) return { spec: { base: Register.RIP, index: Register.None, scale: 1, disp: eaBig, displSize: 8 }, regs: [] };
  if (mode === 1) return { spec: { base: Register.None, index: Register.None, scale: 1, disp: eaBig, displSize: 8 }, regs: [] };
  const base = b.freeGpr(ADDR_REGS);
  if (mode <= 3) {
    const disp = mode === 2 ? 0n : BigInt(rng.chance(0.5) ? rng.range(-128, 127) : rng.range(-0x10_0000, 0x10_0000));
    set(base, noAccess ? rng.u64() : eaBig - disp);
    return { spec: { base: gprReg(base, 8), index: Register.None, scale: 1, disp, displSize: disp === 0n ? 0 : 1 }, regs: [base] };
  }
  const index = b.freeGpr(ADDR_REGS);
  const scale = rng.pick([1, 2, 4, 8]);
  const idx = noAccess ? rng.u64() : BigInt(rng.chance(0.7) ? rng.range(-64, 64) : rng.range(-0x1000, 0x1000));
  set(index, idx);
  if (mode === 4) {
    // index*scale + disp32, no base
    const disp = BigInt.asIntN(64, eaBig - idx * BigInt(scale));
    if (!noAccess && (disp > 0x7fff_ffffn || disp < -0x8000_0000n)) return planAddress(b, ea, noAccess);
    const d = noAccess ? BigInt(rng.range(-0x8000_0000, 0x7fff_ffff)) : disp;
    return { spec: { base: Register.None, index: gprReg(index, 8), scale, disp: BigInt.asUintN(64, d), displSize: 8 }, regs: [index] };
  }
  const disp = BigInt(rng.chance(0.5) ? rng.range(-128, 127) : rng.range(-0x1000, 0x1000));
  set(base, noAccess ? rng.u64() : eaBig - idx * BigInt(scale) - disp);
  return {
    spec: { base: gprReg(base, 8), index: gprReg(index, 8), scale, disp: BigInt.asUintN(64, disp), displSize: disp === 0n ? 0 : 1 },
    regs: [base, index],
  };
}

/** A form generated from an iced Code and its operand kinds. */
export class GenericForm implements Form {
  readonly id: string;
  readonly family: string;
  readonly required: boolean;
  private readonly info: OpCodeInfo;

  constructor(readonly code: number, readonly codeName: string, readonly variant: Variant, readonly profile: Profile) {
    this.id = variant ? `${codeName} ${variant}` : codeName;
    this.family = profile.family;
    this.required = profile.required;
    this.info = CodeExt.opCode(code);
  }

  make(rng: Rng, index: number): DiffCase {
    let lastError: unknown;
    for (let attempt = 0; attempt < 40; attempt++) {
      const b = new CaseBuilder(rng, index, this, this.info);
      try {
        this.build(b);
      } catch (e) {
        lastError = e;
        continue;
      }
      return b.finish();
    }
    throw new Error(`cannot build a case for ${this.id}: ${String(lastError)}`);
  }

  private build(b: CaseBuilder): void {
    const { info, profile } = this;
    const rng = b.rng;
    const memSize = memBytes(info.memorySize);
    const lanes = profile.lanes ?? lanesOf(info.memorySize);
    const kinds: number[] = [];
    for (let i = 0; i < info.opCount; i++) kinds.push(info.opKind(i));
    const isMem = (kind: number): boolean => (RM_KINDS.has(kind) && this.variant === 'mem') || kind === K.mem || kind === K.mem_offs;
    const ops: Array<Operand | null> = kinds.map(() => null);
    const bops: Array<Op | null> = kinds.map(() => null);
    // Registers first, so that address registers can avoid them.
    kinds.forEach((kind, i) => {
      if (isMem(kind)) return;
      const fixed = FIXED_GPR[kind];
      if (fixed) {
        const [num, size] = fixed;
        ops[i] = { t: 'r', reg: gprReg(num, size) };
        bops[i] = { t: 'gpr', reg: gprReg(num, size), num, size, high: false, fixed: true };
        b.taken.add(num);
      } else if (kind === K.xmm_or_mem || kind === K.xmm_reg || kind === K.xmm_rm) {
        const num = rng.int(16);
        ops[i] = { t: 'r', reg: Register.XMM0 + num };
        bops[i] = { t: 'xmm', reg: Register.XMM0 + num, num };
      } else if (kind === K.st0) {
        ops[i] = { t: 'r', reg: Register.ST0 };
        bops[i] = { t: 'st', i: 0 };
      } else if (kind === K.sti_opcode) {
        const sti = rng.int(8);
        ops[i] = { t: 'r', reg: Register.ST0 + sti };
        bops[i] = { t: 'st', i: sti };
      } else if (gprSizeOf(kind) > 0) {
        const size = gprSizeOf(kind);
        let num = rng.int(16);
        let high = false;
        let reg = gprReg(num, size);
        if (size === 1 && num < 8 && rng.chance(0.3)) {
          // AH..BH (the encoder rejects them next to a REX prefix; that attempt is retried).
          num = rng.int(4);
          high = true;
          reg = HIGH8[num];
        }
        ops[i] = { t: 'r', reg };
        bops[i] = { t: 'gpr', reg, num, size, high, fixed: false };
        b.taken.add(num);
      } else if (kind === K.imm8_const_1) {
        ops[i] = { t: 'i', value: 1n, kind };
        bops[i] = { t: 'imm', value: 1n, kind };
      } else if (kind >= K.imm8 && kind <= K.imm64) {
        const bits = immBits(kind);
        const raw = (profile.imm?.(b, kind, i) ?? intValue(rng, bits, b.edge)) & mask(bits);
        const signed = SIGNED_IMM.has(kind);
        const value = signed ? BigInt.asIntN(bits, raw) : raw;
        ops[i] = { t: 'i', value, kind };
        bops[i] = { t: 'imm', value: BigInt.asUintN(64, value), kind };
      } else {
        throw new Error(`operand kind ${K[kind]} is not handled by the generic builder`);
      }
    });
    kinds.forEach((kind, i) => {
      if (!isMem(kind)) return;
      const size = memSize || 8;
      const align = profile.align?.(b) ?? (rng.chance(0.5) ? Math.min(size, 8) : 1);
      const ea = profile.noAccess ? 0 : pickAddress(b, size, align) + (profile.misalign?.(b) ?? 0);
      if (kind === K.mem_offs) {
        ops[i] = { t: 'm', spec: { base: Register.None, index: Register.None, scale: 1, disp: BigInt(ea), displSize: 8 } };
        bops[i] = { t: 'mem', addr: ea, size, addrRegs: [] };
      } else {
        const { spec, regs } = planAddress(b, ea, profile.noAccess === true);
        ops[i] = { t: 'm', spec };
        bops[i] = { t: 'mem', addr: ea, size, addrRegs: regs };
      }
    });
    const allOps = ops as Operand[];
    b.ops.push(...(bops as Op[]));
    const { bytes, addr, undef, undefRaw } = encodeAtEnd(() => createInstruction(this.code, allOps));
    b.code = bytes;
    b.insnAddr = addr;
    b.undefinedFlags = undef;
    b.icedUndefined = undefRaw;

    // Values: operands first, then fixed roles (stack) that must win. Address registers were
    // chosen apart from operand registers, so operand values never overwrite them.
    for (const op of b.ops) {
      if (op.t === 'gpr') b.setGpr(op.num, intValue(rng, op.size * 8, b.edge), op.size, op.high);
      else if (op.t === 'xmm') b.setXmm(op.num, xmmValue(rng, lanes, b.edge));
      else if (op.t === 'mem' && !profile.noAccess) {
        if (op.size >= 16 || lanes.startsWith('f')) b.writeMem(op.addr, xmmValue(rng, lanes, b.edge).subarray(0, op.size));
        else b.writeMemInt(op.addr, intValue(rng, op.size * 8, b.edge), op.size);
      }
    }
    if (profile.stack) b.gpr[4] = BigInt(STACK_TOP - 8 * rng.int(64) - (rng.chance(0.1) ? rng.int(8) : 0));
    profile.tweak?.(b);
    profile.check?.(b, b.check);
  }
}
