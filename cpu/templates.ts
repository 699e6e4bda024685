/**
 * Decoded blocks by their bytes, for the same code placed at another address.
 *
 * On a no-MMU system every exec places its image wherever free memory is:
 * BusyBox and the musl loader run at a different base in each process of a
 * pipeline or a script, with byte-for-byte the same text. Decoding is the
 * costly step of a new block (iced-x86, then the family builders), so a
 * block decoded once is kept here as a template, keyed by its first bytes;
 * a block wanted at an address holding the same bytes is a relocated copy of
 * the template (relocatedInsn: addresses move, nothing else). The compiled
 * tier then finds the copy's function already made, since emitted code is
 * position-independent (emit.ts, Gen.base).
 *
 * Correctness does not rest on the key: a template is used only when every
 * byte of the block is equal and every page it spans is executable, exactly
 * the conditions under which decoding would give the same instructions
 * (DecodedBlock.relocatable excludes the blocks that depend on more).
 * Process-wide, like the compiled-block factories: every kernel a test or a
 * benchmark boots in this process finds the code it has seen.
 */
import { Insn, relocatedInsn } from './insn.js';
import { PERM_X, type GuestMemory } from './memory.js';

/**
 * A template's identity: every block relocated from it (and the block first
 * decoded into it) has the same instructions up to their addresses, so a
 * compile of one stands for all of them (compile.ts remembers compiles by it).
 */
export type CodeShape = object;

interface Template {
  addr: number;
  end: number;
  /** The block's bytes, [lo, hi) (decode.ts, DecodedBlock). */
  lo: number;
  hi: number;
  bytes: Uint8Array;
  insns: Insn[];
}

/** Templates kept (whole blocks), oldest dropped first. */
const MAX_TEMPLATES = 1 << 16;

const templates = new Map<number, Template[]>();
let count = 0;

/** Diagnostics: blocks relocated from a template, and templates added. */
export const templateStats = { hits: 0, added: 0 };

/** The key of the code at addr: its first 8 bytes (-1 when fewer remain in RAM). */
function keyAt(mem: GuestMemory, addr: number): number {
  if (addr < 0 || addr + 8 > mem.size) return -1;
  const lo = mem.dv.getInt32(addr, true), hi = mem.dv.getInt32(addr + 4, true);
  return (Math.imul(lo, 0x9e3779b1) ^ hi) >>> 0;
}

function sameBytes(mem: GuestMemory, addr: number, t: Template): boolean {
  const n = t.bytes.length;
  const from = addr + (t.lo - t.addr);
  if (from < 0 || from + n > mem.size) return false;
  const u8 = mem.u8, b = t.bytes;
  for (let k = 0; k < n; k++) if (u8[from + k] !== b[k]) return false;
  for (let p = from >>> 12, last = (from + n - 1) >>> 12; p <= last; p++) {
    if ((mem.perm[p] & PERM_X) === 0) return false;
  }
  return true;
}

/** The instructions of the block at addr relocated from a template of the same bytes, or null. */
export function relocatedBlock(mem: GuestMemory, addr: number): { insns: Insn[]; end: number; lo: number; hi: number; shape: CodeShape } | null {
  const key = keyAt(mem, addr);
  if (key < 0) return null;
  const list = templates.get(key);
  if (list === undefined) return null;
  for (const t of list) {
    if (!sameBytes(mem, addr, t)) continue;
    const delta = addr - t.addr;
    const insns = t.insns.map((i) => relocatedInsn(i, delta));
    templateStats.hits++;
    return { insns, end: t.end + delta, lo: t.lo + delta, hi: t.hi + delta, shape: t };
  }
  return null;
}

/** Keeps a freshly decoded relocatable block as a template; returns its shape (null: not kept). */
export function addTemplate(mem: GuestMemory, addr: number, lo: number, hi: number, end: number, insns: Insn[]): CodeShape | null {
  const key = keyAt(mem, addr);
  if (key < 0 || hi <= lo) return null;
  let list = templates.get(key);
  if (list === undefined) { list = []; templates.set(key, list); }
  // The originals stay with their block; the template keeps copies nobody runs.
  const t: Template = { addr, end, lo, hi, bytes: mem.u8.slice(lo, hi), insns: insns.map((i) => relocatedInsn(i, 0)) };
  list.push(t);
  templateStats.added++;
  if (++count > MAX_TEMPLATES) {
    for (const [k, l] of templates) {
      templates.delete(k);
      count -= l.length;
      if (count <= MAX_TEMPLATES * 0.75) break;
    }
  }
  return t;
}
