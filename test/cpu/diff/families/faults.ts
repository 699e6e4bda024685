/**
 * Faults: each form is one way an instruction fails, checked for the signal,
 * si_code, fault address, the rip reported and the state left behind (nothing
 * may be written by a faulting instruction).
 */
import { CaseBuilder, encodeAtEnd, gprReg } from '../builder.js';
import { Code, CodeExt, Instruction, MemoryOperand, Register, codeName } from '../iced.js';
import type { Instruction as Insn } from '../iced.js';
import { CODE_BASE, DATA_BASE, DATA_SIZE, GUEST_MEMORY_SIZE } from '../layout.js';
import { DiffCase, Family, Form } from '../model.js';
import { Rng } from '../rng.js';

interface Scenario {
  name: string;
  code: number;
  required: boolean;
  /** The instruction, given the number of the base register (rbx) it may use. */
  insn(): Insn;
  /** Base register value and other setup. */
  setup(b: CaseBuilder): void;
}

const RBX = 3;

function load(code: number, size: number): () => Insn {
  return () => {
    const mo = new MemoryOperand(Register.RBX, Register.None, 1, 0n, 0, false, Register.None);
    return Instruction.createRegMem(code, gprReg(0, size), mo); // takes ownership of mo
  };
}

function store(code: number, size: number): () => Insn {
  return () => {
    const mo = new MemoryOperand(Register.RBX, Register.None, 1, 0n, 0, false, Register.None);
    return Instruction.createMemReg(code, mo, gprReg(0, size)); // takes ownership of mo
  };
}

const END = DATA_BASE + DATA_SIZE; // == GUEST_MEMORY_SIZE

/**
 * The engine has no MMU: every guest RAM address is accessible, only page 0 and
 * addresses past the end of RAM fault. So are the scenarios here (plus those
 * that fault whatever the address: ud2, int3, non-canonical addresses).
 */
const SCENARIOS: Scenario[] = [
  { name: 'load from page 0 (NULL)', code: Code.Mov_r32_rm32, required: true, insn: load(Code.Mov_r32_rm32, 4),
    setup: (b) => { b.gpr[RBX] = BigInt(b.rng.chance(0.5) ? 0 : b.rng.int(0x1000)); } },
  { name: 'store to page 0 (NULL)', code: Code.Mov_rm64_r64, required: true, insn: store(Code.Mov_rm64_r64, 8),
    setup: (b) => { b.gpr[RBX] = BigInt(8 * b.rng.int(0x200)); } },
  { name: 'load past the end of guest memory', code: Code.Mov_r64_rm64, required: true, insn: load(Code.Mov_r64_rm64, 8),
    setup: (b) => { b.gpr[RBX] = BigInt(GUEST_MEMORY_SIZE + b.rng.int(0x10000)); } },
  { name: 'load straddling the end of guest memory', code: Code.Mov_r64_rm64, required: true, insn: load(Code.Mov_r64_rm64, 8),
    setup: (b) => { b.gpr[RBX] = BigInt(END - b.rng.range(1, 7)); } },
  { name: 'store straddling the end of guest memory', code: Code.Mov_rm32_r32, required: true, insn: store(Code.Mov_rm32_r32, 4),
    setup: (b) => { b.gpr[RBX] = BigInt(END - b.rng.range(1, 3)); } },
  { name: 'load from a non-canonical address', code: Code.Mov_r64_rm64, required: true, insn: load(Code.Mov_r64_rm64, 8),
    setup: (b) => { b.gpr[RBX] = 0x8000_0000_0000_0000n | BigInt(DATA_BASE); } },
  { name: 'ud2', code: Code.Ud2, required: true, insn: () => Instruction.create(Code.Ud2), setup: () => undefined },
  { name: 'int3', code: Code.Int3, required: false, insn: () => Instruction.create(Code.Int3), setup: () => undefined },
  { name: 'push past the end of guest memory', code: Code.Push_r64, required: true,
    insn: () => Instruction.createReg(Code.Push_r64, Register.RAX),
    setup: (b) => { b.gpr[4] = BigInt(END + 8 * b.rng.range(0, 16)); } },
  { name: 'call with the return address past the end of guest memory', code: Code.Call_rm64, required: true,
    insn: () => Instruction.createReg(Code.Call_rm64, Register.RBX),
    setup: (b) => { b.gpr[4] = BigInt(END + 8 * b.rng.range(0, 4)); b.gpr[RBX] = BigInt(CODE_BASE + 32 * b.rng.int(64)); } },
];

class FaultForm implements Form {
  readonly id: string;
  readonly family = 'fault';
  readonly code: number;
  readonly required: boolean;

  constructor(private readonly s: Scenario) {
    this.code = s.code;
    this.required = s.required;
    this.id = `${codeName(s.code)} (${s.name})`;
  }

  make(rng: Rng, index: number): DiffCase {
    const info = CodeExt.opCode(this.code);
    try {
      const b = new CaseBuilder(rng, index, this, info);
      const { bytes, addr, undef } = encodeAtEnd(this.s.insn);
      b.code = bytes;
      b.insnAddr = addr;
      b.undefinedFlags = undef;
      this.s.setup(b);
      return b.finish();
    } finally {
      info.free();
    }
  }
}

export function faultFamily(): Family {
  return { name: 'fault', forms: SCENARIOS.map((s) => new FaultForm(s)) };
}
