/**
 * The simulated CPU against this machine's processor (issue 4, DESIGN.md
 * "Testing"): the native harness is checked on known results first, then every
 * instruction form the engine supports runs edge and random cases natively and
 * on each engine tier, and the results must agree (flags the manuals leave
 * undefined excepted). Forms the engine lacks are listed as not covered; the
 * integer ones are required. docs/cpu-testing.md explains the rules.
 */
import { expect } from 'chai';
import { supportedCodes } from '../../cpu/index.js';
import {
  Emulator, RunReport, allFamilies, buildHarness, compareCase, formatReport, layout, runDifferential, runNative, x87Matches,
} from './diff/index.js';
import type { DiffCase, InputState, Observed } from './diff/index.js';
import { F80, f64Bits, f64ToF80, f80ToF64Bits, writeF80 } from './diff/f80.js';
import { defaultFx, FX_FCW, FX_FSW, FX_FTW, FX_MXCSR, FX_ST, FX_XMM } from './diff/state.js';

const { INSN_END, DATA_BASE, DATA_SIZE, GUEST_MEMORY_SIZE, SLOT_SIZE, STACK_TOP } = layout;

/** The fixed seed and bound of `npm test` (run.ts runs any number). */
const SEED = 0x5eed;
const CASES_PER_FORM = 16;
/** x87 results are compared bit for bit over a much larger input space (80-bit values, modes, masks). */
const X87_CASES_PER_FORM = 48;
const PER_FAMILY = { x87: X87_CASES_PER_FORM };

function state(gpr: Partial<Record<number, bigint>> = {}, rflags = 0x202): InputState {
  const g: bigint[] = [];
  for (let i = 0; i < 16; i++) g.push(gpr[i] ?? BigInt(0x1111 * (i + 1)));
  return { gpr: g, rflags, fx: defaultFx(), dataSeed: 12345, patches: [] };
}

function native(bytes: number[], s: InputState): Observed {
  const code = Uint8Array.from(bytes);
  return runNative(buildHarness(), [{ code, insnAddr: INSN_END - code.length, state: s }])[0];
}

/** The same instruction on each engine tier. */
function emulated(bytes: number[], s: InputState): Observed[] {
  const code = Uint8Array.from(bytes);
  return new Emulator().run({ code, insnAddr: INSN_END - code.length, state: s, resumable: false });
}

/** An x87 state: TOP, control word and the valid registers ST(0).. (in stack order). */
function x87State(top: number, fcw: number, st: F80[]): InputState {
  const s = state();
  const dv = new DataView(s.fx.buffer);
  dv.setUint16(FX_FCW, fcw, true);
  dv.setUint16(FX_FSW, top << 11, true);
  let tag = 0;
  st.forEach((v, i) => { writeF80(s.fx, FX_ST + 16 * i, v); tag |= 1 << ((top + i) & 7); });
  s.fx[FX_FTW] = tag;
  return s;
}

const TOP_BIT = 1n << 63n;

const RAX = 0, RCX = 1, RBX = 3, RSP = 4, RBP = 5;

describe('cpu differential testing against the host CPU', function () {
  this.timeout(120_000);

  describe('the native harness', () => {
    it('runs add rax, rbx with the known sum and flags', () => {
      let r = native([0x48, 0x01, 0xd8], state({ [RAX]: 5n, [RBX]: 7n }));
      expect(r.fault).to.equal(null);
      expect(r.gpr[RAX]).to.equal(12n);
      expect(r.rflags & 0x8d5).to.equal(0x04); // PF only
      expect(r.rip).to.equal(BigInt(INSN_END));
      r = native([0x48, 0x01, 0xd8], state({ [RAX]: 0xffff_ffff_ffff_ffffn, [RBX]: 1n }));
      expect(r.gpr[RAX]).to.equal(0n);
      expect(r.rflags & 0x8d5).to.equal(0x55); // CF PF AF ZF
    });

    it('takes every register as input, rsp and rbp included, and returns them', () => {
      const s = state({ [RSP]: 0xdead_beef_0bad_f00dn, [RBP]: 0x8000_0000_0000_0000n }, 0x202 | 0x400 | 0x8d5);
      const r = native([0x90], s);
      expect(r.fault).to.equal(null);
      expect(r.gpr).to.deep.equal(s.gpr);
      expect(r.rflags & 0xcd5).to.equal(0xcd5); // DF survives the capture path too
    });

    it('reports a divide error as SIGFPE / FPE_INTDIV at the div', () => {
      const r = native([0x48, 0xf7, 0xf1], state({ [RAX]: 10n, [RCX]: 0n }));
      expect(r.fault).to.deep.equal({ signal: 8, code: 1, addr: BigInt(INSN_END - 3) });
      expect(r.rip).to.equal(BigInt(INSN_END - 3));
      expect(r.gpr[RAX]).to.equal(10n);
    });

    it('reports an access past the end of guest memory as SIGSEGV / SEGV_MAPERR with the address', () => {
      const addr = BigInt(GUEST_MEMORY_SIZE + 0x10);
      const r = native([0x48, 0x8b, 0x03], state({ [RBX]: addr }));
      expect(r.fault).to.deep.equal({ signal: 11, code: 1, addr });
      // Straddling the end: the first byte past it.
      const s = native([0x48, 0x8b, 0x03], state({ [RBX]: BigInt(GUEST_MEMORY_SIZE - 4) }));
      expect(s.fault).to.deep.equal({ signal: 11, code: 1, addr: BigInt(GUEST_MEMORY_SIZE) });
    });

    it('reports ud2 as SIGILL / ILL_ILLOPN', () => {
      expect(native([0x0f, 0x0b], state()).fault).to.deep.equal({ signal: 4, code: 2, addr: BigInt(INSN_END - 2) });
    });

    it('follows a taken branch to its landing slot', () => {
      const je = [0x74, SLOT_SIZE]; // je +32
      expect(native(je, state({}, 0x202 | 0x40)).rip).to.equal(BigInt(INSN_END + SLOT_SIZE));
      expect(native(je, state({}, 0x202)).rip).to.equal(BigInt(INSN_END));
    });

    it('reports data-area writes and stack pushes', () => {
      const at = DATA_BASE + 0x100;
      const r = native([0x48, 0x89, 0x03], state({ [RAX]: 0x1122_3344_5566_7788n, [RBX]: BigInt(at) }));
      expect(Array.from(r.data.subarray(0x100, 0x108))).to.deep.equal([0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]);
      const p = native([0x50], state({ [RAX]: 0xabn, [RSP]: BigInt(STACK_TOP) }));
      expect(p.gpr[RSP]).to.equal(BigInt(STACK_TOP - 8));
      expect(p.data[STACK_TOP - 8 - DATA_BASE]).to.equal(0xab);
      expect(p.data.length).to.equal(DATA_SIZE);
    });

    it('loads and returns SSE state and honours the MXCSR rounding mode', () => {
      const s = state();
      const dv = new DataView(s.fx.buffer);
      dv.setFloat64(FX_XMM + 16 * 1, 2.5, true);
      const cvt = [0xf2, 0x48, 0x0f, 0x2d, 0xc1]; // cvtsd2si rax, xmm1
      expect(native(cvt, s).gpr[RAX]).to.equal(2n); // nearest even
      dv.setUint32(FX_MXCSR, 0x1f80 | (2 << 13), true); // round up
      expect(native(cvt, s).gpr[RAX]).to.equal(3n);
      dv.setFloat64(FX_XMM, 1.5, true);
      const r = native([0xf2, 0x0f, 0x58, 0xc1], s); // addsd xmm0, xmm1
      expect(new DataView(r.xmm.buffer).getFloat64(0, true)).to.equal(4);
      expect(r.mxcsr & 0xffff).to.equal(0x1f80 | (2 << 13));
    });

    it('loads and returns x87 state', () => {
      const r = native([0xd9, 0xe8], state()); // fld1
      expect((r.x87.fsw >> 11) & 7).to.equal(7);
      expect(r.x87.tag).to.equal(0x80);
      expect(r.x87.st[0]).to.deep.equal(f64ToF80(1));
    });

    it('loads exact 80-bit registers on both sides: (1 + 2^-63) * 2 keeps the last bit, as natively', () => {
      const one = { sign: 0, exp: 0x3fff, mant: TOP_BIT | 1n }; // not a double
      const junk = { sign: 1, exp: 0x1234, mant: 0x0123_4567_89ab_cdefn }; // an unnormal, in an empty register
      const s = x87State(3, 0x037f, [one]);
      writeF80(s.fx, FX_ST + 16 * 5, junk);
      const n = native([0xd8, 0xc0], s); // fadd st(0), st(0)
      expect(n.x87.st[0]).to.deep.equal({ sign: 0, exp: 0x4000, mant: TOP_BIT | 1n });
      expect(n.x87.fsw & 0x3f).to.equal(0); // exact: no PE
      expect(n.x87.st[5]).to.deep.equal(junk);
      for (const e of emulated([0xd8, 0xc0], s)) {
        expect(e.x87.st).to.deep.equal(n.x87.st);
        expect(e.x87.fsw).to.equal(n.x87.fsw);
        expect(e.x87.tag).to.equal(n.x87.tag);
      }
    });

    it('rounds to the precision control natively and in the engine alike, with C1 and PE', () => {
      // (1 + 2^-63) + 1 at 53 bits, rounding up: 2 + 2^-51, rounded up (C1), inexact (PE)
      const s = x87State(0, 0x027f | 0x0800, [{ sign: 0, exp: 0x3fff, mant: TOP_BIT | 1n }, f64ToF80(1)]);
      const n = native([0xd8, 0xc1], s); // fadd st(0), st(1)
      expect(n.x87.st[0]).to.deep.equal({ sign: 0, exp: 0x4000, mant: TOP_BIT | (1n << 11n) });
      expect(n.x87.fsw & 0x0220).to.equal(0x0220);
      for (const e of emulated([0xd8, 0xc1], s)) {
        expect(e.x87.st).to.deep.equal(n.x87.st);
        expect(e.x87.fsw).to.equal(n.x87.fsw);
      }
    });
  });

  describe('the comparison', () => {
    const base = (): Observed => ({
      fault: null, gpr: Array.from({ length: 16 }, (_, i) => BigInt(i)), rip: BigInt(INSN_END), rflags: 0x202,
      xmm: new Uint8Array(256), mxcsr: 0x1f80,
      x87: { fcw: 0x37f, fsw: 0x3800, tag: 0x80, st: Array.from({ length: 8 }, () => f64ToF80(1)) },
      data: new Uint8Array(DATA_SIZE),
    });
    const form = allFamilies()[0].forms[0];
    const kase = (): DiffCase => ({
      form, index: 0, code: Uint8Array.of(0x90), nativeCode: Uint8Array.of(0x90), insnAddr: INSN_END - 1, state: state(),
      resumable: false,
      check: { flags: 0x8d5, x87: { rule: 'exact', statusMask: 0xffff }, mxcsrMask: 0xffff, gprIgnore: 0, dataIgnore: [[8, 4]], notes: [] },
    });

    it('finds nothing when the results are equal', () => {
      expect(compareCase(kase(), base(), base())).to.deep.equal([]);
    });

    it('reports a register, a compared flag, memory, xmm, mxcsr, x87 and fault differences', () => {
      const e = base();
      e.gpr[3] = 99n;
      e.rflags |= 0x1; // CF: compared
      e.data[0x20] = 1;
      e.xmm[17] = 1;
      e.mxcsr = 0x1f81;
      e.x87.st[0] = f64ToF80(2);
      e.fault = { signal: 11, code: 1, addr: 0n };
      const what = compareCase(kase(), base(), e).map((m) => m.what.split(' ')[0]);
      expect(what).to.have.members(['fault', 'rbx', 'rflags', 'xmm1', 'mxcsr', 'st(0)', 'memory']);
    });

    it('ignores undefined flags and ignored memory', () => {
      const e = base();
      e.rflags |= 0x100000; // not compared
      e.data[9] = 7; // inside dataIgnore
      expect(compareCase(kase(), base(), e)).to.deep.equal([]);
    });

    it('reports an x87 difference in the last bit of an empty register, in PE, in the tag word', () => {
      const n = base();
      const e = base();
      e.x87.st[6] = { ...e.x87.st[6], mant: e.x87.st[6].mant | 1n }; // st(6) is empty (tag 0x80, TOP 7)
      e.x87.fsw |= 0x20;
      e.x87.tag = 0xc0;
      const what = compareCase(kase(), n, e).map((m) => m.what.split(' ').slice(0, 2).join(' '));
      expect(what).to.have.members(['st(6) [exact]', 'x87 status', 'x87 tag']);
    });

    it('converts between 80-bit extended and double exactly and with round-to-nearest-even', () => {
      for (const x of [0, -0, 1, -2.5, Math.PI, 5e-324, -2.2250738585072014e-308, 1.7976931348623157e308, Infinity]) {
        const r = f80ToF64Bits(f64ToF80(x));
        expect(r.exact, String(x)).to.equal(true);
        expect(r.bits, String(x)).to.equal(f64Bits(x));
      }
      // 1 + 2^-53 is a tie: rounds to even (1); 1 + 2^-53 + 2^-63 rounds up.
      expect(f80ToF64Bits({ sign: 0, exp: 0x3fff, mant: (1n << 63n) | (1n << 10n) })).to.deep.equal({ bits: f64Bits(1), exact: false });
      expect(f80ToF64Bits({ sign: 0, exp: 0x3fff, mant: (1n << 63n) | (1n << 10n) | 1n }).bits).to.equal(f64Bits(1 + 2 ** -52));
      // Below the double range: subnormal rounding, then zero; above it: infinity.
      expect(f80ToF64Bits({ sign: 0, exp: 0x3fff - 1074, mant: 3n << 62n }).bits).to.equal(f64Bits(1e-323));
      expect(f80ToF64Bits({ sign: 1, exp: 0x3fff - 1200, mant: 1n << 63n }).bits).to.equal(f64Bits(-0));
      expect(f80ToF64Bits({ sign: 0, exp: 0x3fff + 1024, mant: 1n << 63n }).bits).to.equal(f64Bits(Infinity));
    });

    it('applies the x87 rules: exact bit for bit, transcendentals within 4 double ulps', () => {
      const pi80 = { sign: 0, exp: 0x4000, mant: 0xc90fdaa22168c235n };
      expect(x87Matches(pi80, { ...pi80 }, 'exact')).to.equal(true);
      expect(x87Matches(pi80, f64ToF80(Math.PI), 'exact')).to.equal(false);
      expect(x87Matches(pi80, { ...pi80, mant: pi80.mant + 1n }, 'exact')).to.equal(false);
      // the same value in another encoding (a pseudo-denormal and its normal form) is a difference
      expect(x87Matches({ sign: 0, exp: 1, mant: TOP_BIT | 5n }, { sign: 0, exp: 0, mant: TOP_BIT | 5n }, 'exact')).to.equal(false);
      // NaN payloads below double width count
      expect(x87Matches({ sign: 0, exp: 0x7fff, mant: 0xc000_0000_0000_0001n }, { sign: 0, exp: 0x7fff, mant: 0xc000_0000_0000_0000n }, 'exact')).to.equal(false);
      const ulp = 1n << 11n; // one double ulp of a value in [2, 4), in 64-bit significand units
      expect(x87Matches(pi80, { ...pi80, mant: pi80.mant + 4n * ulp }, 'trans')).to.equal(true);
      expect(x87Matches(pi80, { ...pi80, mant: pi80.mant - 4n * ulp - 1n }, 'trans')).to.equal(false);
      expect(x87Matches(f64ToF80(1), f64ToF80(1 - 2 ** -52), 'trans')).to.equal(true); // across a binade
      expect(x87Matches(f64ToF80(0), f64ToF80(-0), 'trans')).to.equal(false);
      expect(x87Matches(f64ToF80(1e-300), f64ToF80(-1e-300), 'trans')).to.equal(false);
      expect(x87Matches(f64ToF80(Infinity), f64ToF80(Number.MAX_VALUE), 'trans')).to.equal(false);
      // denormal results: one unit in the last place
      expect(x87Matches({ sign: 1, exp: 0, mant: 0xa00n }, { sign: 1, exp: 0, mant: 0xa01n }, 'trans')).to.equal(true);
      expect(x87Matches({ sign: 1, exp: 0, mant: 0xa00n }, { sign: 1, exp: 0, mant: 0xa02n }, 'trans')).to.equal(false);
      expect(x87Matches({ sign: 0, exp: 0, mant: 1n }, { sign: 0, exp: 0, mant: 0n }, 'trans')).to.equal(false);
    });
  });

  describe('the engine against the native CPU', () => {
    let report: RunReport;

    before(function () {
      this.timeout(300_000);
      report = runDifferential({ seed: SEED, perForm: CASES_PER_FORM, perFamily: PER_FAMILY }, { supported: supportedCodes(), emulator: new Emulator() });
    });

    after(() => {
      // The coverage report: forms covered and not covered, cases and mismatches per family.
      if (report) console.log(formatReport(report).replace(/^/gm, '    '));
    });

    it('implements every required (integer) form', () => {
      expect(report.missingRequired.map((f) => f.id), 'required forms the engine does not implement').to.deep.equal([]);
    });

    it('ran edge and random cases for every supported form, on every tier', () => {
      const run = report.results.filter((r) => r.supported);
      expect(run.length).to.be.greaterThan(500);
      for (const r of run) expect(r.cases, r.form.id).to.equal(r.form.family === 'x87' ? X87_CASES_PER_FORM : CASES_PER_FORM);
      expect(report.cases).to.be.greaterThan(5000);
    });

    for (const fam of allFamilies()) {
      it(`agrees with the native CPU: ${fam.name}`, () => {
        const rs = report.results.filter((r) => r.form.family === fam.name);
        const bad = rs.filter((r) => r.mismatches > 0).map((r) => `${r.form.id}: ${r.mismatches} of ${r.cases}`);
        const details = report.details.filter((d) => d.startsWith(`[${fam.name}]`)).slice(0, 4).join('\n\n');
        expect(bad, `mismatching forms; first cases:\n${details}\n`).to.deep.equal([]);
      });
    }
  });
});
