/**
 * SSE and SSE2: moves, arithmetic, logic, compares, conversions, shuffles,
 * packs, integer SIMD, MXCSR. Inputs cover signed zeros, infinities, quiet and
 * signalling NaNs, denormals and values that round differently in each MXCSR
 * rounding mode (RC is random per case; FTZ and DAZ sometimes set).
 */
import { CaseBuilder, MemOp, Profile } from '../builder.js';
import { MemorySizeExt, OpCodeOperandKind as K, mnemonicName } from '../iced.js';
import { Family } from '../model.js';
import { codesFor, genericForms } from './codes.js';

function mnemonic(b: CaseBuilder): string { return mnemonicName(b.info.mnemonic); }

/** Random MXCSR: all exceptions masked, any rounding mode, sometimes FTZ/DAZ and sticky flags. */
function randomMxcsr(b: CaseBuilder): number {
  const { rng } = b;
  let v = 0x1f80;
  if (rng.chance(0.5)) v |= rng.int(4) << 13;
  if (rng.chance(0.1)) v |= 0x8000; // FTZ
  if (rng.chance(0.1)) v |= 0x40; // DAZ
  if (rng.chance(0.3)) v |= rng.int(64);
  return v;
}

/** Legacy SSE forms whose m128 operand need not be 16-byte aligned. */
const UNALIGNED_OK = new Set(['Movups', 'Movupd', 'Movdqu']);

const SHIFT_COUNTS = [0, 1, 2, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 255];

function sseProfile(family: string, extra: Partial<Profile> = {}): Profile {
  return {
    family,
    required: false,
    align(b) {
      const size = memSize(b);
      if (size === 16 && !UNALIGNED_OK.has(mnemonic(b))) return 16;
      return b.rng.chance(0.5) ? Math.min(size || 8, 8) : 1;
    },
    misalign(b) {
      // Now and then a misaligned m128 operand: #GP (SIGSEGV) where alignment is required.
      return memSize(b) === 16 && b.rng.chance(0.04) ? b.rng.pick([1, 4, 8, 12]) : 0;
    },
    imm(b, kind) {
      if (kind !== K.imm8) return undefined;
      const m = mnemonic(b);
      const { rng } = b;
      if (/^Cmp(ps|pd|ss|sd)$/.test(m)) return BigInt(rng.chance(0.9) ? rng.int(8) : rng.int(256));
      if (/^Ps(ll|rl|ra)[wdq]$/.test(m)) return BigInt(rng.chance(0.8) ? rng.pick(SHIFT_COUNTS) : rng.int(256));
      if (m === 'Pslldq' || m === 'Psrldq') return BigInt(rng.chance(0.8) ? rng.int(18) : rng.int(256));
      if (m === 'Pinsrw' || m === 'Pextrw') return BigInt(rng.chance(0.8) ? rng.int(8) : rng.int(256));
      return BigInt(rng.int(256));
    },
    ...extra,
    tweak(b) {
      b.mxcsr = randomMxcsr(b);
      const m = mnemonic(b);
      if (/^Ps(ll|rl|ra)[wdq]$/.test(m) && b.ops.length === 2 && b.ops[1].t !== 'imm') {
        // Shift by xmm/m128: the count is the low quadword (any value).
        const count = BigInt(b.rng.chance(0.8) ? b.rng.pick(SHIFT_COUNTS) : b.rng.int(256)) | (b.rng.chance(0.1) ? b.rng.u64() & ~0xffn : 0n);
        const src = b.ops[1];
        if (src.t === 'xmm') {
          const dv = new DataView(b.fx.buffer);
          dv.setBigUint64(160 + 16 * src.num, count, true);
        } else if (src.t === 'mem') b.writeMemInt(src.addr, count, 8);
      }
      extra.tweak?.(b);
    },
  };
}

/** Size of the form's memory operand (hooks run before the operands are recorded). */
function memSize(b: CaseBuilder): number { return MemorySizeExt.size(b.info.memorySize); }

const ldmxcsrProfile = sseProfile('sse-mxcsr', {
  tweak(b) {
    const op = b.ops[0] as MemOp;
    const { rng } = b;
    let v = (rng.u32() & 0xffff) | 0x1f80;
    if (rng.chance(0.3)) v = rng.u32() & 0xffff; // unmasked exceptions are loaded, not raised
    // A reserved bit: #GP. Not bit 17: AMD's misaligned-SSE mode bit exists on some hosts
    // (MXCSR_MASK 0x2ffff) but not on the baseline CPU the engine models.
    if (rng.chance(0.05)) v |= 1 << rng.pick([16, 18, 19, 20, 24, 28, 31]);
    b.writeMemInt(op.addr, BigInt(v >>> 0), 4);
  },
});

const P = (ms: string[]): string[] => ms.flatMap((m) => [`${m}ps`, `${m}pd`, `${m}ss`, `${m}sd`]);

export function sseFamilies(): Family[] {
  const moveNames = ['Movaps', 'Movups', 'Movapd', 'Movupd', 'Movss', 'Movsd', 'Movd', 'Movq', 'Movdqa', 'Movdqu',
    'Movlps', 'Movhps', 'Movlpd', 'Movhpd', 'Movhlps', 'Movlhps', 'Movmskps', 'Movmskpd', 'Movntps', 'Movntpd',
    'Movntdq', 'Movnti'];
  // codesFor drops MMX forms; the string instruction MOVSD (a5) has no xmm operand and is dropped here.
  const xmmOnly = (n: string): boolean => !/^Movsd_m32_m32$/.test(n);
  const cvtNames = ['Cvtsi2ss', 'Cvtsi2sd', 'Cvtss2si', 'Cvtsd2si', 'Cvttss2si', 'Cvttsd2si', 'Cvtss2sd', 'Cvtsd2ss',
    'Cvtps2pd', 'Cvtpd2ps', 'Cvtdq2ps', 'Cvtps2dq', 'Cvttps2dq', 'Cvtdq2pd', 'Cvtpd2dq', 'Cvttpd2dq'];
  const shuffleNames = ['Shufps', 'Shufpd', 'Pshufd', 'Pshuflw', 'Pshufhw', 'Unpcklps', 'Unpckhps', 'Unpcklpd', 'Unpckhpd',
    'Punpcklbw', 'Punpcklwd', 'Punpckldq', 'Punpcklqdq', 'Punpckhbw', 'Punpckhwd', 'Punpckhdq', 'Punpckhqdq',
    'Packsswb', 'Packssdw', 'Packuswb', 'Pslldq', 'Psrldq', 'Pinsrw', 'Pextrw'];
  const intNames = ['Paddb', 'Paddw', 'Paddd', 'Paddq', 'Paddsb', 'Paddsw', 'Paddusb', 'Paddusw', 'Psubb', 'Psubw', 'Psubd',
    'Psubq', 'Psubsb', 'Psubsw', 'Psubusb', 'Psubusw', 'Pmullw', 'Pmulhw', 'Pmulhuw', 'Pmuludq', 'Pmaddwd', 'Pcmpeqb',
    'Pcmpeqw', 'Pcmpeqd', 'Pcmpgtb', 'Pcmpgtw', 'Pcmpgtd', 'Psllw', 'Pslld', 'Psllq', 'Psrlw', 'Psrld', 'Psrlq', 'Psraw',
    'Psrad', 'Pmovmskb', 'Pmaxub', 'Pminub', 'Pmaxsw', 'Pminsw', 'Psadbw', 'Pavgb', 'Pavgw'];
  // Pextrw has an SSE4.1 memory form (66 0f 3a 15) that is not SSE2.
  const notSse41 = (n: string): boolean => n !== 'Pextrw_r32m16_xmm_imm8' && n !== 'Pextrw_r64m16_xmm_imm8';
  return [
    { name: 'sse-move', forms: genericForms(codesFor(moveNames, { keep: xmmOnly }), sseProfile('sse-move')) },
    { name: 'sse-arith', forms: genericForms(codesFor(P(['Add', 'Sub', 'Mul', 'Div', 'Min', 'Max', 'Sqrt'])), sseProfile('sse-arith')) },
    { name: 'sse-logic', forms: genericForms(codesFor(['Andps', 'Andpd', 'Andnps', 'Andnpd', 'Orps', 'Orpd', 'Xorps', 'Xorpd',
      'Pand', 'Pandn', 'Por', 'Pxor']), sseProfile('sse-logic')) },
    { name: 'sse-compare', forms: genericForms(codesFor([...P(['Cmp']), 'Ucomiss', 'Ucomisd', 'Comiss', 'Comisd'],
      { keep: (n) => !/^Cmpsd_m32_m32$/.test(n) }), sseProfile('sse-compare')) },
    { name: 'sse-convert', forms: genericForms(codesFor(cvtNames), sseProfile('sse-convert')) },
    { name: 'sse-shuffle', forms: genericForms(codesFor(shuffleNames, { keep: notSse41 }), sseProfile('sse-shuffle')) },
    { name: 'sse-int', forms: genericForms(codesFor(intNames), sseProfile('sse-int')) },
    { name: 'sse-mxcsr', forms: [
      ...genericForms(codesFor(['Ldmxcsr']), ldmxcsrProfile),
      ...genericForms(codesFor(['Stmxcsr']), sseProfile('sse-mxcsr')),
    ] },
  ];
}
