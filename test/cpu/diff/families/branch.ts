/**
 * Control transfers. Every target is the start of a landing-thunk slot, so the
 * native run records where control went; the emulator's rip must be the same.
 * Relative branches (jcc, jmp, call, loop, jrcxz), indirect jmp/call through a
 * register or memory, ret and ret imm16, plus targets that fault on fetch.
 */
import { CaseBuilder, GenericForm, Profile, encodeAtEnd } from '../builder.js';
import { CodeExt, Instruction, codeByName, codeName } from '../iced.js';
import { CODE_BASE, CODE_SIZE, DATA_BASE, INSN_END, SLOT_SIZE, STACK_TOP, UNMAPPED } from '../layout.js';
import { DiffCase, Family, Form } from '../model.js';
import { Rng } from '../rng.js';
import { codesFor } from './codes.js';

/** A slot that the instruction (which ends at INSN_END, within the slot before) does not overlap. */
function slotTarget(rng: Rng, short: boolean): number {
  const ks = short ? [-4, -3, -2, 0, 1, 2, 3] : [];
  if (!short) {
    const lo = -(INSN_END - CODE_BASE) / SLOT_SIZE, hi = (CODE_BASE + CODE_SIZE - INSN_END) / SLOT_SIZE - 1;
    for (let k = lo; k <= hi; k++) if (k !== -1) ks.push(k);
  }
  return INSN_END + SLOT_SIZE * rng.pick(ks);
}

const RCX_VALUES = [0n, 1n, 2n, 3n, 0x1_0000_0000n, 0x1_0000_0001n, 0xffff_ffff_ffff_ffffn, 0xffff_ffffn];

class RelBranchForm implements Form {
  readonly id: string;
  readonly family = 'branch';
  private readonly short: boolean;
  private readonly isCall: boolean;

  constructor(readonly code: number, readonly required = true) {
    this.id = codeName(code);
    this.short = /rel8/.test(this.id);
    this.isCall = this.id.startsWith('Call');
  }

  make(rng: Rng, index: number): DiffCase {
    const info = CodeExt.opCode(this.code);
    try {
      const b = new CaseBuilder(rng, index, this, info);
      let target = slotTarget(rng, this.short);
      // A near branch out of the code page: the fetch at the target faults.
      if (!this.short && rng.chance(0.05)) target = CODE_BASE + CODE_SIZE + SLOT_SIZE * rng.int(8);
      const { bytes, addr, undef } = encodeAtEnd(() => Instruction.createBranch(this.code, BigInt(target)));
      b.code = bytes;
      b.insnAddr = addr;
      b.undefinedFlags = undef;
      if (/^(Loop|Jrcxz|Jecxz)/.test(this.id)) b.gpr[1] = rng.chance(0.7) ? rng.pick(RCX_VALUES) : rng.u64();
      if (this.isCall) b.gpr[4] = BigInt(STACK_TOP - 8 * rng.int(32) - (rng.chance(0.1) ? rng.int(8) : 0));
      return b.finish();
    } finally {
      info.free();
    }
  }
}

const NON_CANONICAL = 0x8000_0000_0000_0000n;

function indirectTarget(b: CaseBuilder): bigint {
  const r = b.rng.int(20);
  if (r === 0) return BigInt(UNMAPPED + SLOT_SIZE * b.rng.int(16)); // fetch fault at the target
  if (r === 1) return BigInt(DATA_BASE); // data is not executable: fetch fault
  if (r === 2) return NON_CANONICAL; // non-canonical: #GP at the branch itself
  return BigInt(slotTarget(b.rng, false));
}

/**
 * A call to a non-canonical target raises #GP at the call with rsp
 * unchanged, but hosts differ below rsp: some Intel parts have already
 * written the return address there, others (and the engine) have not.
 * That slot is left uncompared; rsp, rip and the signal still are.
 */
function spareCallSlot(b: CaseBuilder, target: bigint): void {
  if (target !== NON_CANONICAL || !b.form.id.startsWith('Call')) return;
  b.check.dataIgnore.push([Number(b.gpr[4]) - 8 - DATA_BASE, 8]);
  b.check.notes.push('non-canonical call target: the 8 bytes below rsp are not compared (hosts differ)');
}

const indirectProfile: Profile = {
  family: 'branch',
  required: true,
  stack: true,
  align: () => 8,
  tweak(b) {
    const op = b.ops[0];
    // call rsp would push its return address onto the code page (writable in a no-MMU guest).
    if (op.t === 'gpr' && op.num === 4) throw new Error('retry: rsp as the branch target register');
    if (op.t === 'gpr' || op.t === 'mem') {
      const target = indirectTarget(b);
      b.setOpValue(op, target);
      spareCallSlot(b, target);
    }
  },
};

const retProfile: Profile = {
  family: 'branch',
  required: true,
  stack: true,
  imm(b) { return BigInt(b.rng.pick([0, 8, 16, 24, 1, 3, 0x100, 0xfff8])); },
  tweak(b) {
    b.writeMemInt(Number(b.gpr[4]), indirectTarget(b), 8);
  },
};

export function branchFamily(): Family {
  const cc = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
  const rel: Form[] = [];
  for (const c of cc) {
    rel.push(new RelBranchForm(codeByName(`J${c}_rel8_64`)));
    rel.push(new RelBranchForm(codeByName(`J${c}_rel32_64`)));
  }
  for (const n of ['Jmp_rel8_64', 'Jmp_rel32_64', 'Call_rel32_64', 'Loop_rel8_64_RCX', 'Loope_rel8_64_RCX',
    'Loopne_rel8_64_RCX', 'Jrcxz_rel8_64']) rel.push(new RelBranchForm(codeByName(n)));
  const optional = ['Loop_rel8_64_ECX', 'Loope_rel8_64_ECX', 'Loopne_rel8_64_ECX', 'Jecxz_rel8_64']
    .map((n) => new RelBranchForm(codeByName(n), false));
  const indirect = codesFor(['Jmp', 'Call'], { keep: (n) => n === 'Jmp_rm64' || n === 'Call_rm64' })
    .flatMap((code) => ['reg', 'mem'].map((v) => new GenericForm(code, codeName(code), v as 'reg' | 'mem', indirectProfile)));
  const ret = ['Retnq', 'Retnq_imm16'].map((n) => new GenericForm(codeByName(n), n, '', retProfile));
  return { name: 'branch', forms: [...rel, ...optional, ...indirect, ...ret] };
}
