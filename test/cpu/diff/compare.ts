/** Judging an emulated result against the native one, and describing a mismatch. */
import { F80, formatF80, readF80 } from './f80.js';
import { disassemble } from './iced.js';
import { DATA_BASE } from './layout.js';
import { DiffCase, TRANS_ULPS, X87Rule } from './model.js';
import {
  AC, AF, CF, DF, FX_FCW, FX_FSW, FX_FTW, FX_MXCSR, FX_ST, FX_XMM, ID, IF, OF, Observed, PF, SF, ZF, hex64,
} from './state.js';
import { GPR_NAMES } from './names.js';

export interface Mismatch { what: string; native: string; emulated: string }

const FLAG_NAMES: Array<[number, string]> = [[CF, 'CF'], [PF, 'PF'], [AF, 'AF'], [ZF, 'ZF'], [SF, 'SF'], [DF, 'DF'], [OF, 'OF'],
  [IF, 'IF'], [AC, 'AC'], [ID, 'ID']];

export function flagsText(f: number): string {
  const set = FLAG_NAMES.filter(([b]) => f & b).map(([, n]) => n);
  return `0x${(f >>> 0).toString(16)} [${set.join(' ')}]`;
}

const same80 = (a: F80, b: F80): boolean => a.sign === b.sign && a.exp === b.exp && a.mant === b.mant;

/** A finite value as a signed integer count of 2^-16445 (the weight of a denormal's lowest bit). */
function scaled(v: F80): bigint {
  const m = v.mant << BigInt(Math.max(v.exp, 1) - 1);
  return v.sign ? -m : m;
}

/** Is the emulated register an acceptable result for the native one under `rule`? */
export function x87Matches(nat: F80, emu: F80, rule: X87Rule): boolean {
  if (same80(nat, emu)) return true;
  if (rule === 'exact') return false;
  // trans: NaNs, infinities and zeros (and an unnormal native result) must be exact.
  if (nat.exp === 0x7fff || emu.exp === 0x7fff || nat.mant === 0n || emu.mant === 0n) return false;
  if (nat.exp !== 0 && nat.mant >> 63n === 0n) return false;
  if (nat.sign !== emu.sign) return false;
  // |nat - emu| <= TRANS_ULPS * 2^(lead(nat) - 52), in units of 2^-16445; at least one unit
  // (a denormal result has fewer than 53 bits: one unit in its last place is the tolerance).
  const lead = BigInt(Math.max(nat.exp, 1) - 1 + nat.mant.toString(2).length - 1);
  const d = scaled(nat) - scaled(emu);
  const tol = lead >= 52n ? BigInt(TRANS_ULPS) << (lead - 52n) : 1n;
  return (d < 0n ? -d : d) <= tol;
}

const FSW_NAMES: Array<[number, string]> = [[0x8000, 'B'], [0x4000, 'C3'], [0x400, 'C2'], [0x200, 'C1'], [0x100, 'C0'],
  [0x80, 'ES'], [0x40, 'SF'], [0x20, 'PE'], [0x10, 'UE'], [0x8, 'OE'], [0x4, 'ZE'], [0x2, 'DE'], [0x1, 'IE']];

/** An x87 status word with its fields named. */
export function fswText(w: number): string {
  const set = FSW_NAMES.filter(([b]) => w & b).map(([, n]) => n);
  return `0x${w.toString(16)} [TOP=${(w >> 11) & 7} ${set.join(' ')}]`;
}

function hexBytes(b: Uint8Array): string { return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' '); }

function xmmText(x: Uint8Array, i: number): string {
  const dv = new DataView(x.buffer, x.byteOffset);
  return `${hex64(dv.getBigUint64(16 * i + 8, true)).slice(2)}_${hex64(dv.getBigUint64(16 * i, true)).slice(2)}`;
}

const bytesOf = (a: Uint8Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/**
 * Flags whose value after a native fault depends on the host's vendor.
 * A repe/repne cmps or scas that faults part way: Intel restores the
 * arithmetic flags to their value before the instruction (SDM, REP), as the
 * engine does; other hosts keep the last compare's. Tested on the engine
 * alone in test/cpu/string-fault.test.ts.
 */
function vendorFaultFlags(c: DiffCase): number {
  return /^(Cmps|Scas)\w* rep(n)?e$/.test(c.form.id) ? CF | PF | AF | ZF | SF | OF : 0;
}

export function compareCase(c: DiffCase, nat: Observed, emu: Observed): Mismatch[] {
  const out: Mismatch[] = [];
  const chk = c.check;
  const push = (what: string, n: string, e: string): void => { out.push({ what, native: n, emulated: e }); };
  if (emu.exit) push('exit', 'fault or completion', emu.exit);
  const nf = nat.fault, ef = emu.fault;
  const faultText = (f: Observed['fault']): string => (f ? `signal ${f.signal} code ${f.code} addr ${hex64(f.addr)}` : 'none');
  if ((nf === null) !== (ef === null) || (nf && ef && (nf.signal !== ef.signal || nf.code !== ef.code || nf.addr !== ef.addr))) {
    push('fault', faultText(nf), faultText(ef));
  }
  if (nat.rip !== emu.rip) push('rip', hex64(nat.rip), hex64(emu.rip));
  for (let i = 0; i < 16; i++) {
    if (chk.gprIgnore & (1 << i)) continue;
    if (nat.gpr[i] !== emu.gpr[i]) push(GPR_NAMES[i], hex64(nat.gpr[i]), hex64(emu.gpr[i]));
  }
  const flags = chk.flags & ~(nat.fault !== null ? vendorFaultFlags(c) : 0);
  if (((nat.rflags ^ emu.rflags) & flags) !== 0) {
    push(`rflags (compared bits ${flagsText(flags)})`, flagsText(nat.rflags & flags), flagsText(emu.rflags & flags));
  }
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      if (nat.xmm[16 * i + j] !== emu.xmm[16 * i + j]) { push(`xmm${i}`, xmmText(nat.xmm, i), xmmText(emu.xmm, i)); break; }
    }
  }
  if (((nat.mxcsr ^ emu.mxcsr) & chk.mxcsrMask) !== 0) push('mxcsr', `0x${nat.mxcsr.toString(16)}`, `0x${emu.mxcsr.toString(16)}`);
  const nx = nat.x87, ex = emu.x87;
  if (nx.fcw !== ex.fcw) push('x87 control word', `0x${nx.fcw.toString(16)}`, `0x${ex.fcw.toString(16)}`);
  if (((nx.fsw ^ ex.fsw) & chk.x87.statusMask) !== 0) {
    push(`x87 status word (mask 0x${chk.x87.statusMask.toString(16)})`, fswText(nx.fsw), fswText(ex.fsw));
  }
  if (nx.tag !== ex.tag) push('x87 tag (valid bits)', `0x${nx.tag.toString(16)}`, `0x${ex.tag.toString(16)}`);
  // Every register, the empty ones too: their contents survive pops and reach signal frames (fxsave).
  for (let i = 0; i < 8; i++) {
    if (!x87Matches(nx.st[i], ex.st[i], chk.x87.rule)) push(`st(${i}) [${chk.x87.rule}]`, formatF80(nx.st[i]), formatF80(ex.st[i]));
  }
  // Equal data areas (nearly every case) are recognised by one memcmp; the byte walk finds the differences.
  if (bytesOf(nat.data).equals(bytesOf(emu.data))) return out;
  const ignored = new Uint8Array(nat.data.length);
  for (const [off, len] of chk.dataIgnore) ignored.fill(1, Math.max(0, off), Math.min(ignored.length, off + len));
  let ranges = 0;
  for (let i = 0; i < nat.data.length && ranges < 4; i++) {
    if (ignored[i] || nat.data[i] === emu.data[i]) continue;
    let j = i;
    while (j < nat.data.length && j - i < 16 && !ignored[j] && nat.data[j] !== emu.data[j]) j++;
    push(`memory 0x${(DATA_BASE + i).toString(16)}`, hexBytes(nat.data.subarray(i, j)), hexBytes(emu.data.subarray(i, j)));
    ranges++;
    i = j;
  }
  return out;
}

/** A readable report of one failing case: the instruction, its inputs, and what differed. */
export function describeMismatch(c: DiffCase, mismatches: readonly Mismatch[]): string {
  const lines: string[] = [];
  const text = disassemble(c.code, c.insnAddr);
  lines.push(`[${c.form.family}] ${c.form.id}  case #${c.index}`);
  lines.push(`  ${text}    (${hexBytes(c.code)} at 0x${c.insnAddr.toString(16)})`);
  if (c.nativeCode !== c.code) lines.push(`  run natively as: ${disassemble(c.nativeCode, c.insnAddr)} (${hexBytes(c.nativeCode)})`);
  for (const n of c.check.notes) lines.push(`  note: ${n}`);
  const s = c.state;
  const regs = s.gpr.map((v, i) => `${GPR_NAMES[i]}=${hex64(v)}`);
  for (let i = 0; i < 16; i += 4) lines.push(`  in: ${regs.slice(i, i + 4).join(' ')}`);
  lines.push(`  in: rflags=${flagsText(s.rflags)}`);
  const fx = s.fx;
  const dv = new DataView(fx.buffer, fx.byteOffset);
  const xmms = new Set<number>();
  for (const m of text.matchAll(/xmm(\d+)/g)) xmms.add(Number(m[1]));
  for (const m of mismatches) { const r = /^xmm(\d+)\b/.exec(m.what); if (r) xmms.add(Number(r[1])); }
  if (xmms.size || /mxcsr/.test(text) || mismatches.some((m) => m.what.startsWith('mxcsr'))) {
    lines.push(`  in: mxcsr=0x${dv.getUint32(FX_MXCSR, true).toString(16)}`);
    for (const i of xmms) lines.push(`  in: xmm${i}=${xmmText(fx.subarray(FX_XMM), i)}`);
  }
  if (/^f/.test(text) || mismatches.some((m) => m.what.startsWith('x87') || m.what.startsWith('st('))) {
    const fsw = dv.getUint16(FX_FSW, true);
    lines.push(`  in: fcw=0x${dv.getUint16(FX_FCW, true).toString(16)} fsw=0x${fsw.toString(16)} (top ${(fsw >> 11) & 7}) tag=0x${fx[FX_FTW].toString(16)}`);
    const top = (fsw >> 11) & 7;
    for (let i = 0; i < 8; i++) {
      const empty = (fx[FX_FTW] & (1 << ((top + i) & 7))) === 0;
      lines.push(`  in: st(${i})=${formatF80(readF80(fx, FX_ST + 16 * i))}${empty ? ' (empty)' : ''}`);
    }
  }
  for (const p of s.patches.slice(0, 6)) {
    lines.push(`  in: mem 0x${(DATA_BASE + p.off).toString(16)} = ${hexBytes(p.bytes.subarray(0, 32))}${p.bytes.length > 32 ? ' ...' : ''}`);
  }
  lines.push(`  in: other data bytes from seed 0x${(s.dataSeed >>> 0).toString(16)}`);
  for (const m of mismatches) lines.push(`  DIFF ${m.what}: native ${m.native} | emulated ${m.emulated}`);
  return lines.join('\n');
}
