/**
 * x87: loads and stores of every width, arithmetic, compares, constants, stack
 * manipulation, fxtract, transcendentals, control/status/environment/save.
 *
 * Inputs are genuine 80-bit values (x87-values.ts) in every rounding mode and
 * precision, with random exception masks, sticky flags and pending (unmasked)
 * exceptions. Results are compared exactly: all eight registers bit for bit,
 * the whole status word, control and tag words, memory. Only the
 * transcendentals, which the engine computes to about double precision, are
 * compared within a tolerance (model.ts X87Rule 'trans'; C1, their round-up
 * indication, is not compared).
 */
import { CaseBuilder, MemOp, Profile, StOp } from '../builder.js';
import { MemorySize, mnemonicName } from '../iced.js';
import { F80, f64ToF80, writeF80 } from '../f80.js';
import { DATA_BASE } from '../layout.js';
import { Family, X87Rule } from '../model.js';
import { Rng } from '../rng.js';
import { FX_FCW, FX_FSW, FX_FTW, FX_ST } from '../state.js';
import { f32Value, f64Value, intValue } from '../values.js';
import { ONE80, f80Value, isFinite80, isZero80, uniform80, widen } from '../x87-values.js';
import { codesFor, genericForms } from './codes.js';

interface X87Class {
  rule: X87Rule;
  /** Stack slots the form reads (ST(0)..). The explicit ST(i) operand adds to it. */
  needs: number;
  /** Slots it pushes. */
  pushes: number;
  /** Adjust the inputs to the instruction's domain (results outside it are undefined). */
  domain?(rng: Rng, st: F80[]): void;
}

const ARITH = ['Fadd', 'Faddp', 'Fiadd', 'Fsub', 'Fsubp', 'Fisub', 'Fsubr', 'Fsubrp', 'Fisubr', 'Fmul', 'Fmulp', 'Fimul',
  'Fdiv', 'Fdivp', 'Fidiv', 'Fdivr', 'Fdivrp', 'Fidivr'];
const COMPARE = ['Fcom', 'Fcomp', 'Ficom', 'Ficomp', 'Fucom', 'Fucomp', 'Fcomi', 'Fcomip', 'Fucomi', 'Fucomip', 'Ftst'];
const CMOV = ['Fcmovb', 'Fcmove', 'Fcmovbe', 'Fcmovu', 'Fcmovnb', 'Fcmovne', 'Fcmovnbe', 'Fcmovnu'];
const CONTROL = ['Fincstp', 'Fdecstp', 'Ffree', 'Ffreep', 'Fnop', 'Wait', 'Fnclex', 'Fninit', 'Fldcw', 'Fnstcw', 'Fnstsw',
  'Fnstenv', 'Fldenv', 'Fnsave', 'Frstor',
  // the waiting twins (9b d9 /6 ...) and the 8087/287 leftovers that are no-ops since the 387
  'Fclex', 'Finit', 'Fstcw', 'Fstsw', 'Fstenv', 'Fsave', 'Fneni', 'Feni', 'Fndisi', 'Fdisi', 'Fnsetpm', 'Fsetpm'];
/** Stores of the environment: the pointer fields are not modelled. */
const ENV_STORES = ['Fnstenv', 'Fstenv', 'Fnsave', 'Fsave'];

const exact = (needs: number, pushes = 0, domain?: X87Class['domain']): X87Class => ({ rule: 'exact', needs, pushes, domain });
const trans = (needs: number, pushes: number, domain?: X87Class['domain']): X87Class => ({ rule: 'trans', needs, pushes, domain });

/** Mostly values in [lo, hi], now and then the edges given (exactly: widened, ±1 would leave the domain). */
const inRange = (lo: number, hi: number, edges: number[]) => (rng: Rng, st: F80[]): void => {
  st[0] = rng.chance(0.2) ? f64ToF80(rng.pick(edges)) : uniform80(rng, lo, hi);
};

function classOf(m: string, codeName: string): X87Class {
  if (ARITH.includes(m) || COMPARE.includes(m) || CMOV.includes(m)) return exact(1);
  if (CONTROL.includes(m)) return exact(0);
  switch (m) {
    case 'Fld': case 'Fild': case 'Fld1': case 'Fldz': case 'Fldpi': case 'Fldl2e': case 'Fldl2t': case 'Fldlg2': case 'Fldln2':
      return exact(0, 1);
    case 'Fst': case 'Fstp': case 'Fstpnce': case 'Fist': case 'Fistp': case 'Fisttp': case 'Fxch': case 'Fchs': case 'Fabs': case 'Fsqrt':
    case 'Frndint':
      return exact(1);
    case 'Fcompp': case 'Fucompp': case 'Fprem': case 'Fprem1': return exact(2);
    case 'Fxam': return exact(0);
    case 'Fxtract': return exact(1, 1);
    case 'Fscale': return exact(2, 0, (rng, st) => {
      // Mostly moderate scales (the others overflow or underflow, which is compared too).
      if (rng.chance(0.8)) st[1] = rng.chance(0.5) ? widen(rng, rng.range(-70, 70)) : uniform80(rng, -70, 70);
    });
    // The transcendentals' results are undefined outside these domains (SDM).
    case 'F2xm1': return trans(1, 0, inRange(-1, 1, [0, -0, 1, -1, 0.5, -0.5, 1e-300, -1e-20]));
    case 'Fyl2x': return trans(2, 0, (rng, st) => {
      if (!rng.chance(0.85)) return;
      st[0] = { ...st[0], sign: 0 };
      if (isZero80(st[0]) || !isFinite80(st[0])) st[0] = ONE80;
    });
    case 'Fyl2xp1': return trans(2, 0, inRange(-0.29, 0.29, [0, -0, 1e-300, -1e-17]));
    case 'Fpatan': return trans(2, 0);
    case 'Fsin': case 'Fcos': return trans(1, 0, inRange(-1.5, 1.5, [0, -0, 1, -1, 1e-10]));
    case 'Fptan': case 'Fsincos': return trans(1, 1, inRange(-1.5, 1.5, [0, -0, 1, -1, 1e-10]));
    default: throw new Error(`x87 form ${codeName} has no comparison class`);
  }
}

const SF = 0x40, ES = 0x80, B = 0x8000;
const C0 = 0x0100, C1 = 0x0200, C2 = 0x0400, C3 = 0x4000;
const EXC = 0x3f;

/**
 * A control word: every rounding mode, precision 64/53/24 (01 is reserved), all
 * exceptions masked in most cases and a random subset unmasked in the others;
 * the infinity-control bit (ignored since the 387, but kept) now and then.
 */
function randomFcw(rng: Rng): number {
  let cw = 0x0040 | EXC;
  cw |= rng.pick([3, 3, 3, 2, 0]) << 8;
  if (rng.chance(0.6)) cw |= rng.int(4) << 10;
  if (rng.chance(0.15)) cw &= ~(rng.int(64) & EXC);
  if (rng.chance(0.1)) cw |= 0x1000;
  return cw;
}

/**
 * A status word for the control word `cw`: TOP, random condition codes, sticky
 * exception flags now and then, ES and B set exactly when an unmasked flag is
 * pending (as the hardware keeps them; the next waiting instruction then traps).
 */
function randomFsw(rng: Rng, cw: number, top: number): number {
  let sw = (top << 11) | (rng.u32() & (C0 | C1 | C2 | C3));
  if (rng.chance(0.3)) sw |= rng.u32() & (EXC | SF);
  if ((sw & ~cw & EXC) !== 0) sw |= ES | B;
  return sw;
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
      const fcw = randomFcw(rng);
      const dv = new DataView(b.fx.buffer);
      dv.setUint16(FX_FCW, fcw, true);
      dv.setUint16(FX_FSW, randomFsw(rng, fcw, top), true);
      const st: F80[] = [];
      for (let i = 0; i < 8; i++) st.push(f80Value(rng, b.edge));
      cls.domain?.(rng, st);
      let tag = 0;
      for (let i = 0; i < 8; i++) {
        writeF80(b.fx, FX_ST + 16 * i, st[i]);
        if (i < depth) tag |= 1 << ((top + i) & 7);
      }
      b.fx[FX_FTW] = tag;
      const mem = b.ops.find((o): o is MemOp => o.t === 'mem');
      if (mem) writeMemoryInput(b, m, mem);
      if (ENV_STORES.includes(m)) {
        // The instruction and operand pointers and the opcode are not modelled by the engine.
        const off = mem!.addr - DATA_BASE;
        b.check.dataIgnore.push(mem!.size === 14 || mem!.size === 94 ? [off + 6, 8] : [off + 12, 14]);
        b.check.notes.push(`${m.toLowerCase()}: FIP, FCS/FOP, FDP, FDS not compared`);
      }
    },
    check(b, c) {
      const m = mnemonicName(b.info.mnemonic);
      const cls = classOf(m, b.form.id.split(' ')[0]);
      c.x87.rule = cls.rule;
      c.x87.statusMask = cls.rule === 'trans' ? 0xffff & ~C1 : 0xffff;
      if (cls.rule !== 'exact') c.notes.push(`x87 results compared: ${cls.rule}, status word without C1`);
    },
  };
}

/** An environment image (fldenv, frstor) with random control, status and tag words. */
function environment(rng: Rng, size: 14 | 28): Uint8Array {
  const env = new Uint8Array(size);
  const dv = new DataView(env.buffer);
  const step = size === 28 ? 4 : 2;
  let cw = randomFcw(rng);
  if (rng.chance(0.2)) cw |= rng.u32() & 0xe080; // reserved bits: ignored
  let sw = randomFsw(rng, cw, rng.int(8));
  if (rng.chance(0.2)) sw ^= ES | B; // an inconsistent summary: recomputed on load
  let ftw = 0;
  for (let i = 0; i < 8; i++) ftw |= (rng.chance(0.5) ? 3 : rng.int(4)) << (2 * i);
  dv.setUint16(0, cw, true);
  dv.setUint16(step, sw, true);
  dv.setUint16(2 * step, ftw, true);
  if (step === 4) for (const o of [2, 6, 10]) dv.setUint16(o, rng.chance(0.5) ? 0xffff : rng.u32() & 0xffff, true);
  return env;
}

function writeMemoryInput(b: CaseBuilder, m: string, mem: MemOp): void {
  const { rng } = b;
  const ms = b.info.memorySize;
  if (m === 'Fldcw') {
    let cw = randomFcw(rng);
    if (rng.chance(0.2)) cw |= rng.u32() & 0xe080;
    b.writeMemInt(mem.addr, BigInt(cw), 2);
    return;
  }
  if (m === 'Fldenv') {
    b.writeMem(mem.addr, environment(rng, mem.size === 14 ? 14 : 28));
    return;
  }
  if (m === 'Frstor') {
    const envSize = mem.size === 94 ? 14 : 28;
    const img = new Uint8Array(envSize + 80);
    img.set(environment(rng, envSize));
    for (let i = 0; i < 8; i++) writeF80(img, envSize + 10 * i, f80Value(rng, b.edge));
    b.writeMem(mem.addr, img);
    return;
  }
  switch (ms) {
    case MemorySize.Float32: b.writeMemInt(mem.addr, BigInt(f32Value(rng, b.edge)), 4); break;
    case MemorySize.Float64: b.writeMemInt(mem.addr, f64Value(rng, b.edge), 8); break;
    case MemorySize.Float80: {
      const bytes = new Uint8Array(10);
      writeF80(bytes, 0, f80Value(rng, b.edge));
      b.writeMem(mem.addr, bytes);
      break;
    }
    case MemorySize.Int16: b.writeMemInt(mem.addr, intValue(rng, 16, b.edge), 2); break;
    case MemorySize.Int32: b.writeMemInt(mem.addr, intValue(rng, 32, b.edge), 4); break;
    case MemorySize.Int64: b.writeMemInt(mem.addr, intValue(rng, 64, b.edge), 8); break;
    default: break; // outputs (fnstsw, fnstcw, fnstenv, fnsave, stores): whatever the pattern holds
  }
}

export function x87Family(): Family {
  const names = ['Fld', 'Fst', 'Fstp', 'Fstpnce', 'Fild', 'Fist', 'Fistp', 'Fisttp', ...ARITH, ...COMPARE, 'Fcompp', 'Fucompp', 'Fxam',
    'Fld1', 'Fldz', 'Fldpi', 'Fldl2e', 'Fldl2t', 'Fldlg2', 'Fldln2', 'Fxch', 'Fchs', 'Fabs', 'Fsqrt', 'Frndint', 'Fprem',
    'Fprem1', 'Fscale', 'Fxtract', 'Fpatan', 'Fyl2x', 'Fyl2xp1', 'F2xm1', 'Fsin', 'Fcos', 'Fptan', 'Fsincos', ...CONTROL, ...CMOV];
  return { name: 'x87', forms: genericForms(codesFor(names), x87Profile()) };
}
