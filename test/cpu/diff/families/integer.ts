/**
 * Integer families built from iced Codes: ALU, shifts and rotates, bit operations,
 * multiply/divide, exchanges, moves, flag operations, the stack.
 *
 * Undefined flags (Intel SDM vol. 2, per instruction) are taken from iced's
 * tables (rflagsUndefined) and refined here where they depend on the operands:
 * shift and rotate counts, bsf/bsr semantics for tzcnt/lzcnt encodings.
 */
import { CaseBuilder, GprOp, MemOp, Profile } from '../builder.js';
import { OpCodeOperandKind as K, codeName as codeNameOf, mnemonicName } from '../iced.js';
import { DATA_BASE, DATA_SIZE, STACK_TOP } from '../layout.js';
import { Family } from '../model.js';
import { AC, AF, ARITH_FLAGS, CF, DF, ID, OF, ZF } from '../state.js';
import { intValue, mask } from '../values.js';
import { codesFor, genericForms } from './codes.js';
import { hostHasLzcnt, hostHasTzcnt } from './host.js';

function mnemonic(b: CaseBuilder): string { return mnemonicName(b.info.mnemonic); }

/** The first operand (destination) as a register or memory operand. */
function dest(b: CaseBuilder): GprOp | MemOp {
  const op = b.ops[0];
  if (op.t !== 'gpr' && op.t !== 'mem') throw new Error(`${b.form.id}: first operand is not a register or memory`);
  return op;
}

function destSize(b: CaseBuilder): number { return dest(b).size; }

function newValue(b: CaseBuilder, size: number): bigint { return intValue(b.rng, size * 8, b.edge); }

// --- ALU --------------------------------------------------------------------

const aluProfile: Profile = { family: 'alu', required: true };

// --- shifts and rotates -------------------------------------------------------

const SHIFT_COUNTS = [0, 1, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 255];

function shiftCount(b: CaseBuilder, size: number): bigint {
  const m = mnemonic(b);
  for (;;) {
    const c = b.rng.chance(0.7) ? b.rng.pick(SHIFT_COUNTS) : b.rng.int(256);
    // shld/shrd of 16 bits by more than 16: result and flags undefined; not generated.
    if ((m === 'Shld' || m === 'Shrd') && size === 2 && (c & 31) > 16) continue;
    return BigInt(c);
  }
}

function countOf(b: CaseBuilder): number {
  for (const op of b.ops) {
    if (op.t === 'imm') return Number(op.value & 0xffn);
    if (op.t === 'gpr' && op.fixed && op.num === 1 && op.size === 1) return Number(b.getGpr(1, 1));
  }
  return 1;
}

const shiftProfile: Profile = {
  family: 'shift',
  required: true,
  imm(b, kind) { return kind === K.imm8 ? shiftCount(b, 8) : undefined; },
  tweak(b) {
    const size = destSize(b);
    if (b.ops.some((o) => o.t === 'gpr' && o.fixed && o.num === 1)) b.setGpr(1, shiftCount(b, size), 1);
    // shld/shrd imm forms: the imm hook could not see the operand size.
    const m = mnemonic(b);
    if ((m === 'Shld' || m === 'Shrd') && size === 2 && (countOf(b) & 31) > 16) throw new Error('retry: 16-bit shld/shrd count > 16');
  },
  check(b) {
    const size = destSize(b);
    const bits = size * 8;
    const m = mnemonic(b);
    const masked = countOf(b) & (bits === 64 ? 63 : 31);
    let undef = 0;
    if (masked !== 0) {
      if (masked !== 1) undef |= OF;
      if (m === 'Shl' || m === 'Shr' || m === 'Sar' || m === 'Shld' || m === 'Shrd') undef |= AF;
      if ((m === 'Shl' || m === 'Shr') && masked >= bits) undef |= CF;
    }
    b.undefinedFlags = undef;
    if (undef) b.check.notes.push(`count ${masked}: ${flagNames(undef)} undefined`);
  },
};

// --- bit operations -------------------------------------------------------------

const BT_IMMS = [0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 65, 127, 128, 255];

const btProfile: Profile = {
  family: 'bits',
  required: true,
  imm(b, kind) { return kind === K.imm8 ? BigInt(b.rng.chance(0.7) ? b.rng.pick(BT_IMMS) : b.rng.int(256)) : undefined; },
  tweak(b) {
    const [d, src] = b.ops;
    if (d.t === 'mem' && src.t === 'gpr') {
      // Register bit offsets address memory beyond the operand (signed, any distance): stay in the data area.
      const bits = d.size * 8;
      const lo = (DATA_BASE - d.addr) * 8;
      const hi = (DATA_BASE + DATA_SIZE - d.addr - d.size) * 8;
      const limit = 2 ** (bits - 1);
      let off = b.rng.chance(0.3) ? b.rng.pick([0, 1, bits - 1, bits, bits + 1, -1, -bits, -bits - 1]) : b.rng.range(Math.max(lo, -limit), Math.min(hi, limit - 1));
      off = Math.max(lo, Math.min(hi, off));
      b.setOpValue(src, BigInt.asUintN(64, BigInt(off)));
    }
  },
};

/** Sources for bsf/bsr: zero, single bits and random values. */
function scanSource(b: CaseBuilder, size: number): bigint {
  const r = b.rng.int(10);
  if (r < 2) return 0n;
  if (r < 5) return 1n << BigInt(b.rng.int(size * 8));
  return newValue(b, size);
}

const scanProfile: Profile = {
  family: 'bits',
  required: true,
  tweak(b) {
    const src = b.ops[1];
    if (src.t === 'gpr' || src.t === 'mem') b.setOpValue(src, scanSource(b, src.size));
    const m = mnemonic(b);
    if ((m === 'Tzcnt' && hostHasTzcnt()) || (m === 'Lzcnt' && hostHasLzcnt())) {
      // This host decodes f3 0f bc/bd as tzcnt/lzcnt; a baseline CPU (which the engine models) as bsf/bsr.
      // Run bsf/bsr natively instead: the f3 prefix becomes a ds prefix (same length, ignored in 64-bit mode).
      const i = b.code.indexOf(0xf3);
      if (i < 0 || b.code[i + 1] === undefined) throw new Error('no f3 prefix in a tzcnt/lzcnt encoding');
      const nat = b.code.slice();
      nat[i] = 0x3e;
      b.nativeCode = nat;
      b.check.notes.push(`${m.toLowerCase()} encoding checked against native ${m === 'Tzcnt' ? 'bsf' : 'bsr'} (baseline decoding)`);
    }
  },
  check(b) {
    const m = mnemonic(b);
    // bsf/bsr: ZF defined, CF OF SF AF PF undefined (so for tzcnt/lzcnt decoded as on a baseline CPU).
    if (m === 'Tzcnt' || m === 'Lzcnt' || m === 'Bsf' || m === 'Bsr') b.undefinedFlags = ARITH_FLAGS & ~ZF;
  },
};

const bswapProfile: Profile = { family: 'bits', required: true };

// --- multiply and divide ----------------------------------------------------------

const mulProfile: Profile = { family: 'muldiv', required: true };

const divProfile: Profile = {
  family: 'muldiv',
  required: true,
  tweak(b) {
    const d = dest(b);
    const size = d.size;
    const bits = size * 8;
    const signed = mnemonic(b) === 'Idiv';
    const rng = b.rng;
    let divisor = rng.chance(0.1) ? 0n : newValue(b, size);
    if (divisor === 0n && rng.chance(0.5)) divisor = 1n;
    let lo = newValue(b, size);
    let hi: bigint;
    const r = rng.int(10);
    if (r < 7) {
      if (signed) hi = BigInt.asIntN(bits, lo) < 0n ? mask(bits) : 0n;
      else hi = divisor === 0n ? 0n : newValue(b, size) % divisor;
    } else if (r < 8 && signed) {
      lo = 1n << BigInt(bits - 1); // most negative dividend / -1 overflows
      hi = mask(bits);
      divisor = mask(bits);
    } else hi = newValue(b, size);
    if (size === 1) b.setGpr(0, (hi << 8n) | lo, 2);
    else {
      b.setGpr(0, lo, size);
      b.setGpr(2, hi, size);
    }
    b.setOpValue(d, divisor);
  },
};

// --- exchanges --------------------------------------------------------------------

const xchgProfile: Profile = {
  family: 'exchange',
  required: true,
  tweak(b) {
    if (mnemonic(b) !== 'Cmpxchg' || !b.rng.chance(0.5)) return;
    const d = dest(b);
    const v = newValue(b, d.size);
    b.setOpValue(d, v);
    b.setGpr(0, v, d.size);
  },
};

const cmpxchg8bProfile: Profile = {
  family: 'exchange',
  required: false,
  align: (b) => (b.info.memorySize && b.form.id.startsWith('Cmpxchg16b') ? 16 : 8),
  tweak(b) {
    const d = b.ops[0] as MemOp;
    const half = d.size / 2;
    if (b.rng.chance(0.5)) {
      const lo = newValue(b, half), hi = newValue(b, half);
      b.writeMemInt(d.addr, lo, half);
      b.writeMemInt(d.addr + half, hi, half);
      b.setGpr(0, lo, half);
      b.setGpr(2, hi, half);
    }
  },
};

// --- moves ----------------------------------------------------------------------------

const moveProfile: Profile = { family: 'move', required: true };
const leaProfile: Profile = { family: 'move', required: true, noAccess: true };
const condProfile: Profile = { family: 'setcc-cmov', required: true };

// --- flags and the stack -----------------------------------------------------------------

/** A flags image for popf: any user bits except TF (it would trap) and NT. */
function popfValue(b: CaseBuilder): bigint {
  return BigInt((b.rng.u32() & ~(0x100 | 0x4000)) >>> 0) | (b.rng.chance(0.5) ? 0n : (b.rng.u64() & ~0xffff_ffffn));
}

const flagsProfile: Profile = {
  family: 'flags',
  required: true,
  stack: true,
  tweak(b) {
    b.rflags |= (b.rng.chance(0.3) ? ID : 0) | (b.rng.chance(0.3) ? DF : 0);
    // AC makes the host check alignment (#AC, SIGBUS), which the engine does not model:
    // set it only when the stack access is aligned.
    if ((b.gpr[4] & 7n) === 0n && b.rng.chance(0.3)) b.rflags |= AC;
    const m = mnemonic(b);
    if (m === 'Popfq' || m === 'Popf') {
      const rsp = Number(b.gpr[4]);
      b.writeMemInt(rsp, popfValue(b), m === 'Popfq' ? 8 : 2);
    }
  },
};

const ENTER_SIZES = [0, 8, 16, 24, 0x100, 0x1f0, 7, 1];

const stackProfile: Profile = {
  family: 'stack',
  required: true,
  stack: true,
  imm(b, _kind, i) {
    const m = mnemonic(b);
    if (m !== 'Enter') return undefined;
    return i === 0 ? BigInt(b.rng.pick(ENTER_SIZES)) : BigInt(b.rng.pick([0, 0, 1, 1, 2, 3, 32, 33]));
  },
  tweak(b) {
    const m = mnemonic(b);
    if (m === 'Leave' || m === 'Enter') b.gpr[5] = BigInt(STACK_TOP - 0x200 + 8 * b.rng.int(32));
  },
};

function flagNames(f: number): string {
  const names: Array<[number, string]> = [[CF, 'CF'], [0x4, 'PF'], [AF, 'AF'], [ZF, 'ZF'], [0x80, 'SF'], [OF, 'OF']];
  return names.filter(([bit]) => f & bit).map(([, n]) => n).join(' ');
}

function required16(name: string): boolean { return !/(_r16|_rm16|16_|w_imm|imm16$|w$|Pushw|Popw|Enterw|Leavew|Pushfw|Popfw)/.test(name); }

export function integerFamilies(): Family[] {
  const alu = genericForms(codesFor(['Add', 'Or', 'Adc', 'Sbb', 'And', 'Sub', 'Xor', 'Cmp', 'Test', 'Inc', 'Dec', 'Neg', 'Not'],
    { exclude: ['Test_rm8_imm8_F6r1', 'Test_rm16_imm16_F7r1', 'Test_rm32_imm32_F7r1', 'Test_rm64_imm32_F7r1'] }), aluProfile);
  const shift = genericForms(codesFor(['Rol', 'Ror', 'Rcl', 'Rcr', 'Shl', 'Shr', 'Sar', 'Shld', 'Shrd']), shiftProfile);
  const bits = [
    ...genericForms(codesFor(['Bt', 'Bts', 'Btr', 'Btc']), btProfile),
    ...genericForms(codesFor(['Bsf', 'Bsr', 'Tzcnt', 'Lzcnt']), scanProfile),
    ...genericForms(codesFor(['Bswap'], { exclude: ['Bswap_r16'] }), bswapProfile),
  ];
  const muldiv = [
    ...genericForms(codesFor(['Mul', 'Imul']), mulProfile),
    ...genericForms(codesFor(['Div', 'Idiv']), divProfile),
  ];
  const exchange = [
    ...genericForms(codesFor(['Xchg', 'Cmpxchg', 'Xadd']), xchgProfile),
    ...genericForms(codesFor(['Cmpxchg8b', 'Cmpxchg16b']), cmpxchg8bProfile),
  ];
  const move = [
    ...genericForms(codesFor(['Mov', 'Movzx', 'Movsx', 'Cbw', 'Cwde', 'Cdqe', 'Cwd', 'Cdq', 'Cqo', 'Nop', 'Pause', 'Endbr64']), moveProfile),
    ...genericForms(codesFor(['Movsxd'], { keep: (n) => n === 'Movsxd_r64_rm32' }), moveProfile),
    ...genericForms(codesFor(['Movsxd'], { keep: (n) => n !== 'Movsxd_r64_rm32' }), { ...moveProfile, required: false }),
    ...genericForms(codesFor(['Lea']), leaProfile),
  ];
  const cc = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
  const setcc = genericForms(codesFor([...cc.map((c) => `Set${c}`), ...cc.map((c) => `Cmov${c}`)]), condProfile);
  const flags = [
    ...genericForms(codesFor(['Lahf', 'Sahf', 'Cmc', 'Clc', 'Stc', 'Cld', 'Std', 'Pushfq', 'Popfq']), flagsProfile),
    ...genericForms(codesFor(['Pushf', 'Popf']), { ...flagsProfile, required: false }),
  ];
  const stackCodes = codesFor(['Push', 'Pop', 'Enter', 'Leave']);
  const stack = [
    ...genericForms(stackCodes.filter((c) => required16(codeNameOf(c))), stackProfile),
    ...genericForms(stackCodes.filter((c) => !required16(codeNameOf(c))), { ...stackProfile, required: false }),
  ];
  return [
    { name: 'alu', forms: alu },
    { name: 'shift', forms: shift },
    { name: 'bits', forms: bits },
    { name: 'muldiv', forms: muldiv },
    { name: 'exchange', forms: exchange },
    { name: 'move', forms: move },
    { name: 'setcc-cmov', forms: setcc },
    { name: 'flags', forms: flags },
    { name: 'stack', forms: stack },
  ];
}
