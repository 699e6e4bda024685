/**
 * x87: loads and stores of every width, arithmetic, compares, constants, stack
 * manipulation, transcendentals, control/status/environment.
 *
 * The engine holds x87 registers as doubles, so every stack input is a double
 * and each form says how its register results are compared (model.ts X87Rule):
 * exact where the 80-bit result is a double anyway, rounded for values the
 * hardware holds with more precision (fld m80, fild m64, constants), within 1 ulp
 * for arithmetic (the hardware rounds to 64 bits first), within 4 ulps for
 * transcendentals. Status word: TOP, C0-C3 (minus what the SDM leaves undefined;
 * C1 only where it is not a rounding indication), IE, ZE and SF are compared;
 * DE, OE, UE, PE (which depend on the 80-bit intermediate) are not.
 */
import { CaseBuilder, MemOp, Profile, StOp } from '../builder.js';
import { MemorySize, mnemonicName } from '../iced.js';
import { F80, f64ToF80, readF80, writeF80 } from '../f80.js';
import { DATA_BASE } from '../layout.js';
import { Family, X87Rule } from '../model.js';
import { Rng } from '../rng.js';
import { FX_FCW, FX_FSW, FX_FTW, FX_ST } from '../state.js';
import { f32Value, f64Value, intValue, x87Value } from '../values.js';
import { codesFor, genericForms } from './codes.js';

interface X87Class {
  rule: X87Rule;
  /** C1 is compared (it is not a round-up indication for this form). */
  c1: boolean;
  /** Stack slots the form reads (ST(0)..). The explicit ST(i) operand adds to it. */
  needs: number;
  /** Slots it pushes. */
  pushes: number;
  /** Adjust the inputs to the instruction's domain (results outside it are undefined). */
  domain?(b: CaseBuilder, st: number[]): void;
}

const ARITH = ['Fadd', 'Faddp', 'Fiadd', 'Fsub', 'Fsubp', 'Fisub', 'Fsubr', 'Fsubrp', 'Fisubr', 'Fmul', 'Fmulp', 'Fimul',
  'Fdiv', 'Fdivp', 'Fidiv', 'Fdivr', 'Fdivrp', 'Fidivr'];
const COMPARE = ['Fcom', 'Fcomp', 'Ficom', 'Ficomp', 'Fucom', 'Fucomp', 'Fcomi', 'Fcomip', 'Fucomi', 'Fucomip', 'Ftst'];
const CMOV = ['Fcmovb', 'Fcmove', 'Fcmovbe', 'Fcmovu', 'Fcmovnb', 'Fcmovne', 'Fcmovnbe', 'Fcmovnu'];

function uniform(rng: Rng, lo: number, hi: number): number { return lo + (hi - lo) * (rng.u32() / 0x1_0000_0000); }

function classOf(m: string, codeName: string): X87Class {
  if (ARITH.includes(m)) return { rule: 'ulp1', c1: false, needs: 1, pushes: 0 };
  if (COMPARE.includes(m)) return { rule: 'exact', c1: true, needs: 1, pushes: 0 };
  if (CMOV.includes(m)) return { rule: 'exact', c1: true, needs: 1, pushes: 0 };
  switch (m) {
    case 'Fld': return { rule: codeName === 'Fld_m80fp' ? 'rounded' : 'exact', c1: true, needs: 0, pushes: 1 };
    case 'Fild': return { rule: codeName === 'Fild_m64int' ? 'rounded' : 'exact', c1: true, needs: 0, pushes: 1 };
    case 'Fld1': case 'Fldz': return { rule: 'exact', c1: true, needs: 0, pushes: 1 };
    case 'Fldpi': case 'Fldl2e': case 'Fldl2t': case 'Fldlg2': case 'Fldln2': return { rule: 'rounded', c1: true, needs: 0, pushes: 1 };
    case 'Fst': case 'Fstp': return { rule: 'exact', c1: codeName !== 'Fst_m32fp' && codeName !== 'Fstp_m32fp', needs: 1, pushes: 0 };
    case 'Fist': case 'Fistp': case 'Fisttp': return { rule: 'exact', c1: false, needs: 1, pushes: 0 };
    case 'Fcompp': case 'Fucompp': return { rule: 'exact', c1: true, needs: 2, pushes: 0 };
    case 'Fxam': return { rule: 'exact', c1: true, needs: 0, pushes: 0 };
    case 'Fxch': case 'Fchs': case 'Fabs': return { rule: 'exact', c1: true, needs: 1, pushes: 0 };
    case 'Fsqrt': return { rule: 'ulp1', c1: false, needs: 1, pushes: 0 };
    case 'Frndint': return { rule: 'exact', c1: false, needs: 1, pushes: 0 };
    case 'Fprem': case 'Fprem1': return { rule: 'exact', c1: true, needs: 2, pushes: 0 };
    case 'Fscale': return {
      rule: 'rounded', c1: false, needs: 2, pushes: 0,
      domain: (b, st) => { if (b.rng.chance(0.9)) st[1] = b.rng.chance(0.5) ? b.rng.range(-70, 70) : uniform(b.rng, -70, 70); },
    };
    case 'F2xm1': return {
      rule: 'ulp4', c1: false, needs: 1, pushes: 0,
      domain: (b, st) => { st[0] = b.rng.chance(0.3) ? b.rng.pick([0, -0, 1, -1, 0.5, -0.5, 1e-300, -1e-20]) : uniform(b.rng, -1, 1); },
    };
    case 'Fyl2x': return {
      rule: 'ulp4', c1: false, needs: 2, pushes: 0,
      domain: (b, st) => { if (b.rng.chance(0.85)) st[0] = Math.abs(st[0]) || 1; },
    };
    case 'Fyl2xp1': return {
      rule: 'ulp4', c1: false, needs: 2, pushes: 0,
      domain: (b, st) => { st[0] = b.rng.chance(0.2) ? b.rng.pick([0, -0, 1e-300, -1e-17]) : uniform(b.rng, -0.29, 0.29); },
    };
    case 'Fpatan': return { rule: 'ulp4', c1: false, needs: 2, pushes: 0 };
    case 'Fsin': case 'Fcos': case 'Fptan': case 'Fsincos': return {
      rule: 'ulp4', c1: false, needs: 1, pushes: m === 'Fptan' || m === 'Fsincos' ? 1 : 0,
      domain: (b, st) => { st[0] = b.rng.chance(0.2) ? b.rng.pick([0, -0, 1, -1, 1e-10]) : uniform(b.rng, -1.5, 1.5); },
    };
    case 'Fincstp': case 'Fdecstp': case 'Ffree': case 'Fnop': case 'Wait': case 'Fnclex': case 'Fninit':
    case 'Fldcw': case 'Fnstcw': case 'Fnstsw': case 'Fnstenv': case 'Fldenv':
      return { rule: 'exact', c1: true, needs: 0, pushes: 0 };
    default: throw new Error(`x87 form ${codeName} has no comparison class`);
  }
}

/** An 80-bit memory operand: doubles, values with more precision or range than a double, specials. */
function f80Value(rng: Rng): F80 {
  const r = rng.int(10);
  const top = 1n << 63n;
  if (r < 4) return f64ToF80(x87Value(rng));
  if (r < 7) return { sign: rng.int(2), exp: 16383 + rng.range(-60, 60), mant: top | (rng.u64() & (top - 1n)) };
  if (r < 8) return { sign: rng.int(2), exp: 16383 + rng.pick([-1, 1]) * rng.range(1000, 16000), mant: top | (rng.u64() & (top - 1n)) };
  if (r < 9) {
    return rng.pick<F80>([
      { sign: rng.int(2), exp: 0x7fff, mant: top },
      { sign: rng.int(2), exp: 0x7fff, mant: top | (1n << 62n) | (rng.u64() & ((1n << 62n) - 1n)) },
      { sign: 0, exp: 0x7fff, mant: top | 1n },
      { sign: rng.int(2), exp: 0, mant: 0n },
      { sign: rng.int(2), exp: 0, mant: rng.u64() & (top - 1n) },
    ]);
  }
  return { sign: rng.int(2), exp: rng.range(1, 0x7ffe), mant: top | (rng.u64() & (top - 1n)) };
}

function randomFcw(b: CaseBuilder): number {
  const { rng } = b;
  let cw = 0x037f;
  if (rng.chance(0.2)) cw = 0x027f; // precision control: double
  if (rng.chance(0.4)) cw |= rng.int(4) << 10; // rounding control
  return cw;
}

const STATUS_BASE = 0x3800 | 0x4000 | 0x0400 | 0x0200 | 0x0100 | 0x0001 | 0x0004 | 0x0040;
const C0 = 0x0100, C1 = 0x0200, C2 = 0x0400, C3 = 0x4000;

/** iced's FPU condition-code bits (RflagsBits.C0..C3) -> status-word bits. */
function icedC(bits: number): number {
  return (bits & 1024 ? C0 : 0) | (bits & 2048 ? C1 : 0) | (bits & 4096 ? C2 : 0) | (bits & 8192 ? C3 : 0);
}

function x87Profile(): Profile {
  return {
    family: 'x87',
    required: false,
    tweak(b) {
      const { rng } = b;
      const m = mnemonicName(b.info.mnemonic);
      const cls = classOf(m, b.form.id.split(' ')[0]);
      const sti = b.ops.filter((o): o is StOp => o.t === 'st').reduce((a, o) => Math.max(a, o.i), 0);
      const needs = Math.max(cls.needs, b.ops.some((o) => o.t === 'st') ? sti + 1 : 0);
      let depth: number;
      if (rng.chance(0.1)) depth = rng.int(9); // stack underflow or overflow now and then
      else depth = rng.range(Math.min(needs, 8), Math.max(Math.min(needs, 8), 8 - cls.pushes));
      const top = rng.int(8);
      const fcw = m === 'Fldcw' ? 0x037f : randomFcw(b);
      const dv = new DataView(b.fx.buffer);
      dv.setUint16(FX_FCW, fcw, true);
      dv.setUint16(FX_FSW, (top << 11) | (rng.u32() & (C0 | C1 | C2 | C3)), true);
      const st: number[] = [];
      for (let i = 0; i < 8; i++) st.push(x87Value(rng, b.edge));
      cls.domain?.(b, st);
      let tag = 0;
      for (let i = 0; i < 8; i++) {
        writeF80(b.fx, FX_ST + 16 * i, f64ToF80(st[i]));
        if (i < depth) tag |= 1 << ((top + i) & 7);
      }
      b.fx[FX_FTW] = tag;
      const mem = b.ops.find((o): o is MemOp => o.t === 'mem');
      if (mem) writeMemoryInput(b, m, mem);
      if (m === 'Fnstenv') {
        const off = mem!.addr - DATA_BASE;
        // FIP, FCS/opcode, FDP, FDS and the reserved upper halves: not modelled by the engine.
        b.check.dataIgnore.push([off + 2, 2], [off + 6, 2], [off + 10, 18]);
        b.check.notes.push('fnstenv: instruction/data pointers and reserved words not compared');
      }
    },
    check(b, c) {
      const m = mnemonicName(b.info.mnemonic);
      const cls = classOf(m, b.form.id.split(' ')[0]);
      c.x87.rule = cls.rule;
      let mask16 = STATUS_BASE & ~icedC(b.icedUndefined);
      if (!cls.c1) mask16 &= ~C1;
      if ((m === 'Fprem' || m === 'Fprem1') && !premHasQuotient(b)) {
        // No quotient (NaN operand, zero divisor, infinite dividend, empty register): the SDM
        // defines C2 = 0 only; C0, C1, C3 are the quotient bits and undefined here.
        mask16 &= ~(C0 | C1 | C3);
        c.notes.push('fprem without a quotient: C0 C1 C3 not compared');
      }
      c.x87.statusMask = mask16;
      if (cls.rule !== 'exact') c.notes.push(`x87 results compared: ${cls.rule}`);
    },
  };
}

/** fprem/fprem1 produce a quotient only for finite ST(0), finite non-zero ST(1), both valid. */
function premHasQuotient(b: CaseBuilder): boolean {
  const dv = new DataView(b.fx.buffer);
  const top = (dv.getUint16(FX_FSW, true) >> 11) & 7;
  const valid = (i: number): boolean => (b.fx[FX_FTW] & (1 << ((top + i) & 7))) !== 0;
  if (!valid(0) || !valid(1)) return false;
  const st = (i: number): F80 => readF80(b.fx, FX_ST + 16 * i);
  const finite = (v: F80): boolean => v.exp !== 0x7fff;
  const zero = (v: F80): boolean => v.mant === 0n;
  return finite(st(0)) && finite(st(1)) && !zero(st(1));
}

function writeMemoryInput(b: CaseBuilder, m: string, mem: MemOp): void {
  const { rng } = b;
  const ms = b.info.memorySize;
  if (m === 'Fldcw') {
    const cw = 0x3f | (rng.chance(0.5) ? 0x40 : 0) | (rng.pick([0, 2, 3]) << 8) | (rng.int(4) << 10) | (rng.chance(0.2) ? 0x1000 : 0);
    b.writeMemInt(mem.addr, BigInt(cw), 2);
    return;
  }
  if (m === 'Fldenv') {
    const env = new Uint8Array(28);
    const dv = new DataView(env.buffer);
    dv.setUint16(0, randomFcw(b), true);
    dv.setUint16(4, (rng.int(8) << 11) | (rng.u32() & (C0 | C1 | C2 | C3)), true);
    let ftw = 0;
    for (let i = 0; i < 8; i++) ftw |= (rng.chance(0.5) ? 3 : 0) << (2 * i);
    dv.setUint16(8, ftw, true);
    b.writeMem(mem.addr, env);
    return;
  }
  switch (ms) {
    case MemorySize.Float32: b.writeMemInt(mem.addr, BigInt(f32Value(rng, b.edge)), 4); break;
    case MemorySize.Float64: b.writeMemInt(mem.addr, f64Value(rng, b.edge), 8); break;
    case MemorySize.Float80: {
      const bytes = new Uint8Array(10);
      writeF80(bytes, 0, f80Value(rng));
      b.writeMem(mem.addr, bytes);
      break;
    }
    case MemorySize.Int16: b.writeMemInt(mem.addr, intValue(rng, 16, b.edge), 2); break;
    case MemorySize.Int32: b.writeMemInt(mem.addr, intValue(rng, 32, b.edge), 4); break;
    case MemorySize.Int64: b.writeMemInt(mem.addr, intValue(rng, 64, b.edge), 8); break;
    default: break; // outputs (fnstsw, fnstcw, fnstenv, stores): whatever the pattern holds
  }
}

export function x87Family(): Family {
  const names = ['Fld', 'Fst', 'Fstp', 'Fild', 'Fist', 'Fistp', 'Fisttp', ...ARITH, ...COMPARE, 'Fcompp', 'Fucompp', 'Fxam',
    'Fld1', 'Fldz', 'Fldpi', 'Fldl2e', 'Fldl2t', 'Fldlg2', 'Fldln2', 'Fxch', 'Fchs', 'Fabs', 'Fsqrt', 'Frndint', 'Fprem',
    'Fprem1', 'Fscale', 'Fpatan', 'Fyl2x', 'Fyl2xp1', 'F2xm1', 'Fsin', 'Fcos', 'Fptan', 'Fsincos', 'Fnstcw', 'Fldcw',
    'Fnstsw', 'Fnstenv', 'Fldenv', 'Fincstp', 'Fdecstp', 'Ffree', 'Fnop', 'Fnclex', 'Fninit', 'Wait', ...CMOV];
  const codes = codesFor(names, { exclude: ['Fnstenv_m14byte', 'Fldenv_m14byte'] });
  return { name: 'x87', forms: genericForms(codes, x87Profile()) };
}
