/**
 * The native side: builds the C harness with gcc (cached by source hash under
 * build/cpu-harness/) and runs batches of cases through one harness process each.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CASE_IN_SIZE, CASE_OUT_SIZE, CODE_BASE, CODE_SIZE, CTRL_BASE, DATA_BASE, DATA_SIZE, MAX_CODE, SLOT_SIZE, dataPattern,
} from './layout.js';
import { FX_MXCSR, FX_XMM, InputState, Observed, initialData, x87FromFx } from './state.js';

const CFLAGS = ['-O2', '-Wall', '-Wextra', '-Werror', '-fPIE', '-pie'];

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (no package.json above the test files)');
    dir = up;
  }
}

/** Builds the harness if its source (or the flags) changed; returns the binary's path. */
export function buildHarness(): string {
  const root = repoRoot();
  const src = join(root, 'test/cpu/harness/harness.c');
  const outDir = join(root, 'build/cpu-harness');
  const bin = join(outDir, 'harness');
  const stampFile = join(outDir, 'harness.stamp');
  const stamp = createHash('sha256').update(readFileSync(src)).update(CFLAGS.join(' ')).digest('hex');
  if (existsSync(bin) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return bin;
  mkdirSync(outDir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  const r = spawnSync('gcc', [...CFLAGS, '-o', tmp, src], { encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run gcc to build the CPU harness: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`gcc failed building ${src}:\n${r.stderr}`);
  renameSync(tmp, bin);
  writeFileSync(stampFile, stamp);
  return bin;
}

let checkedLayout = '';

/** The harness's fixed addresses must be the ones this side uses. */
export function checkLayout(bin: string): void {
  if (checkedLayout === bin) return;
  const r = spawnSync(bin, ['--layout'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${bin} --layout failed: ${r.stderr}`);
  const got = JSON.parse(r.stdout) as Record<string, number>;
  const want: Record<string, number> = {
    codeBase: CODE_BASE, codeSize: CODE_SIZE, dataBase: DATA_BASE, dataSize: DATA_SIZE, ctrlBase: CTRL_BASE,
    slotSize: SLOT_SIZE, maxCode: MAX_CODE, caseIn: CASE_IN_SIZE, caseOut: CASE_OUT_SIZE,
  };
  for (const k of Object.keys(want)) {
    if (got[k] !== want[k]) throw new Error(`harness layout mismatch: ${k} is ${got[k]} in harness.c, ${want[k]} in layout.ts`);
  }
  checkedLayout = bin;
}

export interface NativeCase {
  code: Uint8Array;
  insnAddr: number;
  state: InputState;
}

function patchStream(state: InputState): Uint8Array {
  let n = 0;
  for (const p of state.patches) n += 4 + p.bytes.length;
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const p of state.patches) {
    dv.setUint16(o, p.off, true);
    dv.setUint16(o + 2, p.bytes.length, true);
    out.set(p.bytes, o + 4);
    o += 4 + p.bytes.length;
  }
  return out;
}

function serialize(cases: readonly NativeCase[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const c of cases) {
    if (c.code.length > MAX_CODE) throw new RangeError('instruction bytes too long');
    const off = c.insnAddr - CODE_BASE;
    if (off < 0 || off + c.code.length > CODE_SIZE) throw new RangeError('instruction outside the code page');
    const rec = new Uint8Array(CASE_IN_SIZE);
    const dv = new DataView(rec.buffer);
    const patches = patchStream(c.state);
    dv.setUint32(0, 0x45534143, true);
    dv.setUint32(4, off, true);
    dv.setUint32(8, c.code.length, true);
    dv.setUint32(12, c.state.dataSeed >>> 0, true);
    dv.setUint32(16, patches.length, true);
    for (let i = 0; i < 16; i++) dv.setBigUint64(24 + 8 * i, BigInt.asUintN(64, c.state.gpr[i]), true);
    dv.setBigUint64(152, BigInt(c.state.rflags >>> 0), true);
    rec.set(c.state.fx, 160);
    rec.set(c.code, 672);
    parts.push(rec, patches);
  }
  return Buffer.concat(parts);
}

/** Runs a batch natively; one harness process for the whole batch. */
export function runNative(bin: string, cases: readonly NativeCase[]): Observed[] {
  checkLayout(bin);
  if (cases.length === 0) return [];
  const r = spawnSync(bin, [], { input: serialize(cases), maxBuffer: 1 << 30, timeout: 600_000 });
  if (r.error || r.status !== 0) {
    throw new Error(`cpu harness failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}): ${r.stderr?.toString() ?? ''}`);
  }
  const out = r.stdout;
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const results: Observed[] = [];
  let o = 0;
  for (const c of cases) {
    if (o + CASE_OUT_SIZE > out.length || dv.getUint32(o, true) !== 0x544c5352) {
      throw new Error(`cpu harness output truncated or malformed at case ${results.length}`);
    }
    const signal = dv.getInt32(o + 4, true);
    const code = dv.getInt32(o + 8, true);
    const diffBytes = dv.getUint32(o + 12, true);
    const addr = dv.getBigUint64(o + 16, true);
    const gpr: bigint[] = [];
    for (let i = 0; i < 16; i++) gpr.push(dv.getBigUint64(o + 24 + 8 * i, true));
    const rip = dv.getBigUint64(o + 152, true);
    const rflags = Number(dv.getBigUint64(o + 160, true) & 0xffff_ffffn);
    const fx = new Uint8Array(out.subarray(o + 168, o + 168 + 512));
    o += CASE_OUT_SIZE;
    const data = initialData(c.state, dataPattern(c.state.dataSeed));
    const end = o + diffBytes;
    while (o < end) {
      const off = dv.getUint16(o, true);
      const len = dv.getUint16(o + 2, true);
      data.set(out.subarray(o + 4, o + 4 + len), off);
      o += 4 + len;
    }
    results.push({
      fault: signal === 0 ? null : { signal, code, addr },
      gpr, rip, rflags,
      xmm: fx.slice(FX_XMM, FX_XMM + 256),
      mxcsr: new DataView(fx.buffer).getUint32(FX_MXCSR, true),
      x87: x87FromFx(fx),
      data,
    });
  }
  return results;
}
