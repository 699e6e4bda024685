/**
 * The iced-x86 adapter: decodes guest bytes into the engine's Insn form.
 *
 * This is a decode-time path (each instruction once, until its page is
 * invalidated). iced's decoder runs with ip left at 0 over a window copied
 * from guest RAM; absolute addresses (branch targets, RIP-relative operands)
 * are the window's start plus iced's window-relative values. The few values
 * iced only gives as 64-bit integers are converted to numbers here (exact:
 * displacements are sign-extended 32-bit values) or read from guest RAM
 * (64-bit immediates), so nothing else in the engine sees them.
 */
import iced from './iced.js';
import type { Core } from './core.js';
import { fault } from './access.js';
import { eaAddr32, eaBase, eaBaseIndex, eaDisp, eaIndex, eaNone, withSegment } from './ea.js';
import {
  Insn, K_BRANCH, K_IMM, K_MEM, K_MMX, K_OTHER, K_REG, K_SEG, K_ST, K_STR, K_XMM,
  SEG_FS, SEG_GS, SEG_NONE, FLOW_NEXT, type Exec,
} from './insn.js';
import { builderFor } from './registry.js';
import { callFollowed, isDirectCall, isDirectJmp, jmpFollowed } from './ops/control.js';
import { SIGILL, ILL_ILLOPN, SEGV_ACCERR, SEGV_MAPERR } from './exit.js';
import { PERM_X } from './memory.js';

const { Decoder, Instruction, OpKind, Register, Code, MemorySizeExt, FlowControl, DecoderError, RflagsBits, Mnemonic } = iced;
type IcedInstruction = InstanceType<typeof Instruction>;
type IcedDecoder = InstanceType<typeof Decoder>;

/** Register enum value -> operand kind, number, size in bytes. */
const REG_KIND = new Uint8Array(512);
const REG_NUM = new Uint8Array(512);
const REG_SIZE = new Uint8Array(512);
{
  const set = (reg: number, kind: number, num: number, size: number) => {
    REG_KIND[reg] = kind; REG_NUM[reg] = num; REG_SIZE[reg] = size;
  };
  const low8 = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
  low8.forEach((n, j) => set(Register.AL + j, K_REG, n, 1));
  for (let n = 0; n < 16; n++) {
    set(Register.AX + n, K_REG, n, 2);
    set(Register.EAX + n, K_REG, n, 4);
    set(Register.RAX + n, K_REG, n, 8);
    set(Register.XMM0 + n, K_XMM, n, 16);
  }
  for (let n = 0; n < 8; n++) {
    set(Register.ST0 + n, K_ST, n, 10);
    set(Register.MM0 + n, K_MMX, n, 8);
  }
  [Register.ES, Register.CS, Register.SS, Register.DS, Register.FS, Register.GS].forEach((r, n) => set(r, K_SEG, n, 2));
}

/** iced RflagsBits of the six arithmetic flags. */
const ARITH_FLAGS = RflagsBits.OF | RflagsBits.SF | RflagsBits.ZF | RflagsBits.AF | RflagsBits.CF | RflagsBits.PF;
const CONDITIONAL_FLAGS = new Set<number>([
  Mnemonic.Rol, Mnemonic.Ror, Mnemonic.Rcl, Mnemonic.Rcr, Mnemonic.Shl, Mnemonic.Sal, Mnemonic.Shr, Mnemonic.Sar,
  Mnemonic.Shld, Mnemonic.Shrd,
]);

/** Instructions per block at most (the budget may overshoot by at most one block). */
export const MAX_BLOCK_INSNS = 64;
/** The farthest forward a direct jmp inside a block is followed (bytes skipped). */
const FOLLOW_JMP_BYTES = 512;
/** Bytes copied into iced per decoder window. */
const WINDOW = 1024;

const NOT_IMPLEMENTED: Exec = () => { throw new Error('unreachable'); };

/** SIGILL for an undefined or unimplemented instruction, naming its bytes and mnemonic. */
function illegal(detail: string): Exec {
  return (c: Core, i: Insn) => fault(c, SIGILL, ILL_ILLOPN, i.addr, detail);
}

/** si_code for an instruction fetch at a: mapped but not executable -> SEGV_ACCERR, else SEGV_MAPERR. */
function fetchCode(c: Core, a: number): number {
  return a >= 0 && a < c.size && c.mem.perm[a >>> 12] !== 0 ? SEGV_ACCERR : SEGV_MAPERR;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** A decoded block: instructions, or a fetch fault when not even the first could be fetched. */
export interface DecodedBlock {
  insns: Insn[];
  /** Address after the last instruction. */
  end: number;
  /**
   * The block's bytes lie in [lo, hi): from its start to its end, unless a
   * followed call took it to code before the start, or a followed call or
   * jmp left bytes after the end behind.
   */
  lo: number;
  hi: number;
  /** Set when the first instruction cannot be fetched. */
  fetchFault: { addr: number; code: number } | null;
  /**
   * The block depends on its bytes alone, not on where they are: it did not
   * stop at an unfetchable page, has no undefined or unimplemented
   * instruction (their handlers name the address) and no EIP-relative
   * operand (which wraps at 4 GiB). Such a block may be relocated to the
   * same bytes elsewhere (templates.ts).
   */
  relocatable: boolean;
}

export class BlockDecoder {
  private readonly ins: IcedInstruction = new Instruction();
  private decoder: IcedDecoder | null = null;
  private wbase = 0;
  private wlen = 0;
  /** Set by convert() for an instruction tied to its address (see DecodedBlock.relocatable). */
  private pinned = false;

  /**
   * Follow short forward jmps and calls on the block's page (see decodeBlock).
   * Off, every branch ends its block: the differential harness runs one
   * instruction per run() and relies on that.
   */
  follow = true;

  constructor(private readonly core: Core) {}

  /** Bytes from addr that may be fetched: within RAM and on pages with PERM_X, up to `max`. */
  private fetchable(addr: number, max: number): number {
    const mem = this.core.mem;
    const limit = Math.min(addr + max, mem.size);
    let a = addr;
    while (a < limit) {
      if ((mem.perm[a >>> 12] & PERM_X) === 0) break;
      a = Math.min(((a >>> 12) + 1) << 12, limit);
    }
    return Math.max(0, a - addr);
  }

  private openWindow(addr: number): void {
    this.decoder?.free();
    this.wbase = addr;
    this.wlen = this.fetchable(addr, WINDOW);
    this.decoder = new Decoder(64, this.core.u8.subarray(addr, addr + this.wlen), 0);
  }

  decodeBlock(addr: number): DecodedBlock {
    const insns: Insn[] = [];
    const mem = this.core.mem;
    if (!(addr >= 0 && addr < mem.size) || (mem.perm[addr >>> 12] & PERM_X) === 0) {
      return { insns, end: addr, lo: addr, hi: addr, fetchFault: { addr, code: fetchCode(this.core, addr) }, relocatable: false };
    }
    let pos = addr;
    let lo = addr, hi = addr;
    // Instruction addresses decoded so far, once a call is followed (a call back into the block is not).
    let seen: Set<number> | null = null;
    let relocatable = true;
    this.pinned = false;
    this.openWindow(pos);
    const ins = this.ins;
    while (insns.length < MAX_BLOCK_INSNS) {
      let dec = this.decoder!;
      if (pos - this.wbase >= this.wlen || (this.wlen === WINDOW && pos - this.wbase > WINDOW - 16)) {
        this.openWindow(pos);
        dec = this.decoder!;
        if (this.wlen === 0) { relocatable = false; break; }
      }
      // Back at code the block already holds (a followed jmp closed a loop): it ends here, so
      // execution goes on at that address (the block's own start: a loop, compile.ts).
      if (seen !== null && seen.has(pos)) break;
      dec.position = pos - this.wbase;
      dec.decodeOut(ins);
      if (ins.code === Code.INVALID && dec.lastError === DecoderError.NoMoreBytes) {
        // The instruction runs into a page that cannot be fetched (or past RAM).
        if (insns.length === 0) {
          const bad = this.wbase + this.wlen;
          return { insns, end: pos, lo, hi: Math.max(hi, pos), fetchFault: { addr: bad, code: fetchCode(this.core, bad) }, relocatable: false };
        }
        relocatable = false;
        break;
      }
      const i = this.convert(ins, pos);
      i.idx = insns.length;
      insns.push(i);
      if (seen !== null) seen.add(i.addr);
      pos = i.next;
      if (pos > hi) hi = pos;
      if (this.pinned) { relocatable = false; this.pinned = false; }
      const follow = this.follow ? this.followAs(i, addr, pos, insns.length) : null;
      if (follow !== null) {
        // The block goes on at the target: a short jmp on the block's page (forward, past bytes that
        // stay inside [lo, hi), which templates and invalidation cover; or back to the head of a loop
        // this block is the tail of, up to where the block started: a loop itself), or a call to code
        // on the page (the call only pushes); never into code the block already holds.
        if (seen === null) seen = new Set(insns.map((x) => x.addr));
        if (!seen.has(i.target)) {
          i.fn = follow;
          i.flow = FLOW_NEXT;
          pos = i.target;
          if (pos < lo) lo = pos;
          this.seek(pos);
          continue;
        }
      }
      if (ins.code === Code.INVALID || i.fn === NOT_IMPLEMENTED || ins.flowControl !== FlowControl.Next) {
        // A block goes on past a jcc (a side exit when taken) unless it jumps back to the block's
        // start: that block is a loop (compile.ts runs it round inside its function). A jcc back
        // to elsewhere is another loop's back edge or exit: the block that starts at its target
        // is that loop, and this block goes on with the code after it.
        if (!ins.isJccShortOrNear || i.target === addr) break;
      }
    }
    return { insns, end: pos, lo, hi, fetchFault: null, relocatable };
  }

  /** The handler a branch gets when the block follows it (decodeBlock), or null when it ends the block. */
  private followAs(i: Insn, addr: number, pos: number, count: number): Exec | null {
    if ((i.target >>> 12) !== (addr >>> 12) || i.target === addr) return null;
    if (isDirectJmp(i)) {
      const ahead = i.target >= pos ? i.target - pos : i.addr - i.target;
      return ahead <= FOLLOW_JMP_BYTES ? jmpFollowed : null;
    }
    return isDirectCall(i) && count < MAX_BLOCK_INSNS - 8 ? callFollowed : null;
  }

  /** Decoding goes on at pos, away from where the last instruction ended (a followed jmp or call). */
  private seek(pos: number): void {
    // Relative operands are decoded against the decoder's ip, which does not follow its position.
    // (iced's ip setter wants an arbitrary-precision integer: a decode-time path, once per followed
    // branch, never per instruction run.)
    if (pos >= this.wbase && pos - this.wbase < this.wlen) this.decoder!.ip = BigInt(pos - this.wbase);
    else this.openWindow(pos);
  }

  /** Turns one iced instruction at guest address addr into an Insn with its handler. */
  private convert(ins: IcedInstruction, addr: number): Insn {
    const i = new Insn(NOT_IMPLEMENTED, eaNone);
    i.addr = addr;
    i.len = ins.length;
    i.next = addr + ins.length;
    i.code = ins.code;
    if (ins.code === Code.INVALID) {
      this.pinned = true;
      const bytes = this.core.u8.subarray(addr, addr + Math.max(1, Math.min(ins.length, 15)));
      i.fn = illegal(`undefined opcode at 0x${addr.toString(16)}: ${hex(bytes)}`);
      return i;
    }
    const n = ins.opCount;
    i.nops = n;
    for (let j = 0; j < n && j < 4; j++) this.operand(ins, j, i);
    i.rep = ins.hasRepePrefix ? 1 : ins.hasRepnePrefix ? 2 : 0;
    i.lock = ins.hasLockPrefix;
    i.flow = ins.flowControl;
    i.fread = ins.rflagsRead & ARITH_FLAGS;
    i.fmod = ins.rflagsModified & ARITH_FLAGS;
    // Shifts and rotates leave the flags alone for a zero count, rep-prefixed
    // string compares for rcx = 0: they may modify but never surely overwrite.
    i.fkill = i.rep !== 0 ? 0 : i.fmod;
    if (CONDITIONAL_FLAGS.has(ins.mnemonic)) {
      // an immediate count that is nonzero after masking surely writes the flags
      const size = i.k0 === K_MEM ? i.msize : i.s0;
      const hasImm = i.k1 === K_IMM || i.k2 === K_IMM;
      // (rcl/rcr of 8/16-bit operands rotate by count mod 9/17: never sure)
      const rc = ins.mnemonic === Mnemonic.Rcl || ins.mnemonic === Mnemonic.Rcr;
      i.fkill = hasImm && !rc && (i.imm & (size === 8 ? 63 : 31)) !== 0 ? i.fmod : 0;
    }
    const build = builderFor(ins.code);
    const fn = build ? build(i) : null;
    if (fn === null) {
      this.pinned = true;
      const bytes = this.core.u8.subarray(addr, addr + ins.length);
      i.fn = illegal(`unimplemented instruction at 0x${addr.toString(16)}: ${hex(bytes)} (${ins.toString()}, Code ${Code[ins.code]})`);
    } else {
      i.fn = fn;
    }
    return i;
  }

  private operand(ins: IcedInstruction, j: number, i: Insn): void {
    const k = ins.opKind(j);
    let kind = K_OTHER, reg = 0, size = 0;
    switch (k) {
      case OpKind.Register: {
        const r = ins.opRegister(j);
        kind = REG_KIND[r] === 0 ? K_OTHER : REG_KIND[r];
        reg = REG_NUM[r];
        size = REG_SIZE[r];
        break;
      }
      case OpKind.NearBranch16: case OpKind.NearBranch32: case OpKind.NearBranch64:
        kind = K_BRANCH;
        i.target = this.wbase + (ins.nearBranch32 | 0);
        break;
      case OpKind.Immediate8:
        kind = K_IMM; size = 1; this.setImm(i, ins.immediate8, 0);
        break;
      case OpKind.Immediate8_2nd:
        kind = K_IMM; size = 1; i.imm2 = ins.immediate8_2nd;
        break;
      case OpKind.Immediate16:
        kind = K_IMM; size = 2; this.setImm(i, ins.immediate16, 0);
        break;
      case OpKind.Immediate32:
        kind = K_IMM; size = 4; this.setImm(i, ins.immediate32 | 0, 0);
        break;
      case OpKind.Immediate64: {
        kind = K_IMM; size = 8;
        const off = ins.length - 8; // imm64 (movabs) is always the last 8 bytes
        const dv = this.core.dv;
        this.setImm(i, dv.getInt32(i.addr + off, true), dv.getInt32(i.addr + off + 4, true));
        break;
      }
      case OpKind.Immediate8to16: {
        kind = K_IMM; size = 2;
        const v = (ins.immediate8 << 24) >> 24;
        this.setImm(i, v & 0xffff, 0);
        break;
      }
      case OpKind.Immediate8to32: case OpKind.Immediate8to64: {
        kind = K_IMM; size = k === OpKind.Immediate8to32 ? 4 : 8;
        const v = (ins.immediate8 << 24) >> 24;
        this.setImm(i, v, v < 0 ? -1 : 0);
        break;
      }
      case OpKind.Immediate32to64: {
        kind = K_IMM; size = 8;
        const v = ins.immediate32 | 0;
        this.setImm(i, v, v < 0 ? -1 : 0);
        break;
      }
      case OpKind.Memory:
        kind = K_MEM;
        size = this.memory(ins, i);
        break;
      case OpKind.MemorySegSI: case OpKind.MemorySegESI: case OpKind.MemorySegRSI:
      case OpKind.MemorySegDI: case OpKind.MemorySegEDI: case OpKind.MemorySegRDI:
      case OpKind.MemoryESDI: case OpKind.MemoryESEDI: case OpKind.MemoryESRDI:
        kind = K_STR;
        size = MemorySizeExt.size(ins.memorySize);
        i.mseg = this.segment(ins);
        i.m32 = k === OpKind.MemorySegESI || k === OpKind.MemorySegEDI || k === OpKind.MemoryESEDI;
        i.msize = size;
        break;
      default:
        kind = K_OTHER;
    }
    switch (j) {
      case 0: i.k0 = kind; i.r0 = reg; i.s0 = size; break;
      case 1: i.k1 = kind; i.r1 = reg; i.s1 = size; break;
      case 2: i.k2 = kind; i.r2 = reg; i.s2 = size; break;
      default: i.k3 = kind; i.r3 = reg; i.s3 = size;
    }
  }

  private setImm(i: Insn, lo: number, hi: number): void {
    // A second immediate operand (enter's level) goes to imm2.
    if (i.k0 === K_IMM || i.k1 === K_IMM) { i.imm2 = lo; return; }
    i.imm = lo;
    i.immHi = hi;
  }

  private segment(ins: IcedInstruction): number {
    const s = ins.segmentPrefix;
    return s === Register.FS ? SEG_FS : s === Register.GS ? SEG_GS : SEG_NONE;
  }

  /** Fills the memory-operand fields and picks the addressing function; returns the operand size. */
  private memory(ins: IcedInstruction, i: Insn): number {
    const base = ins.memoryBase, index = ins.memoryIndex;
    // Displacements are sign-extended 32-bit values: exact as numbers.
    const disp = Number(ins.memoryDisplacement);
    i.msize = MemorySizeExt.size(ins.memorySize);
    i.mseg = this.segment(ins);
    if (base === Register.RIP || base === Register.EIP) {
      i.md = this.wbase + disp;
      if (base === Register.EIP) { i.md >>>= 0; this.pinned = true; } else i.ripRel = true;
      i.ea = eaDisp;
    } else {
      const b32 = base !== Register.None && REG_SIZE[base] === 4;
      const x32 = index !== Register.None && REG_SIZE[index] === 4;
      i.mb = base === Register.None ? -1 : 2 * REG_NUM[base];
      i.mx = index === Register.None ? -1 : 2 * REG_NUM[index];
      i.ms = ins.memoryIndexScale;
      i.md = disp;
      if (b32 || x32) {
        i.m32 = true;
        i.ea = eaAddr32;
      } else if (i.mb >= 0) {
        i.ea = i.mx >= 0 ? eaBaseIndex : eaBase;
      } else {
        i.ea = i.mx >= 0 ? eaIndex : eaDisp;
      }
    }
    if (i.mseg !== SEG_NONE) i.ea = withSegment(i.ea, i.mseg);
    return i.msize;
  }

  dispose(): void {
    this.decoder?.free();
    this.decoder = null;
  }
}
