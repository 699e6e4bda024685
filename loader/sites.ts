/**
 * The syscall-site scanner (DESIGN.md decision 8): disassemble the executable
 * parts of an image with iced-x86 on instruction boundaries and record every
 * `syscall` (0f 05) and `sysenter` (0f 34). A linear sweep alone can lose
 * sync on data in text, so decoding restarts at every function symbol (and at
 * the start of every gap between functions), as objdump does.
 *
 * iced's Decoder speaks BigInt for ip; that is fine here: this runs once per
 * file at load time, never per guest instruction.
 */
import { iced } from '../cpu/index.js';
import { SYSCALL_OPCODE, SYSENTER_OPCODE } from '../trampoline/index.js';
import { PF_X, SHF_ALLOC, SHF_EXECINSTR, SHT_NOBITS, STB_GLOBAL, STB_WEAK, STT_FUNC, STT_GNU_IFUNC, STT_OBJECT, SHN_UNDEF } from './elf-types.js';
import type { ElfImage, ElfSymbol, ProgramHeader } from './elf-types.js';

const { Decoder, DecoderOptions, Code } = iced;

export interface SyscallSite {
  /** Address in the ELF's own address space (p_vaddr based); the site is at base + offset once mapped. */
  offset: number;
  /** The function symbol that contains the site, or null when there is none. */
  symbol: string | null;
  /** The two original bytes, 0f 05 or 0f 34. */
  original: Uint8Array;
  kind: 'syscall' | 'sysenter';
}

/** A stretch of executable, file-backed image: [start, end) in p_vaddr terms and where its bytes are in the file. */
interface Region { start: number; end: number; fileOffset: number }

function fileBackedExec(elf: ElfImage): ProgramHeader[] {
  return elf.loads.filter((p) => (p.flags & PF_X) !== 0 && p.filesz > 0);
}

/** Executable sections clipped to executable segments; the segments themselves when no section says where code is. */
function codeRegions(elf: ElfImage): Region[] {
  const segs = fileBackedExec(elf);
  const regions: Region[] = [];
  const execSections = elf.sections.filter((s) =>
    (s.flags & SHF_EXECINSTR) !== 0 && (s.flags & SHF_ALLOC) !== 0 && s.type !== SHT_NOBITS && s.size > 0);
  for (const s of execSections) {
    for (const p of segs) {
      const start = Math.max(s.addr, p.vaddr);
      const end = Math.min(s.addr + s.size, p.vaddr + p.filesz);
      if (start < end) regions.push({ start, end, fileOffset: p.offset + (start - p.vaddr) });
    }
  }
  if (regions.length === 0) {
    for (const p of segs) regions.push({ start: p.vaddr, end: p.vaddr + p.filesz, fileOffset: p.offset });
  }
  regions.sort((a, b) => a.start - b.start);
  // Sections may overlap in a hostile file; keep each byte in one region only.
  const out: Region[] = [];
  for (const r of regions) {
    const prev = out[out.length - 1];
    const start = prev !== undefined ? Math.max(r.start, prev.end) : r.start;
    if (start < r.end) out.push({ start, end: r.end, fileOffset: r.fileOffset + (start - r.start) });
  }
  return out;
}

function isFunction(s: ElfSymbol): boolean {
  return (s.type === STT_FUNC || s.type === STT_GNU_IFUNC) && s.shndx !== SHN_UNDEF && s.name !== '';
}

/** A stretch of a region decoded from its own start, or skipped as data. */
interface Part { start: number; end: number; data: boolean }

/**
 * Splits a region at every function start, at the first byte after each run
 * of functions, and around every sized data object (STT_OBJECT in text, e.g.
 * lookup tables in hand-written assembly): code parts are decoded from their
 * start, data parts are skipped, so bytes of a table are never rewritten.
 */
function partition(region: Region, funcs: ElfSymbol[], objects: ElfSymbol[]): Part[] {
  const inRegion = (s: ElfSymbol): boolean => s.value >= region.start && s.value < region.end;
  const clip = (v: number): number => Math.min(region.end, v);
  const fs = funcs.filter(inRegion);
  const os = objects.filter(inRegion);
  const bounds = new Set<number>([region.start]);
  const funcStarts = new Set<number>();
  let coveredTo = region.start;
  for (const f of fs) {
    if (f.value > coveredTo && coveredTo > region.start) bounds.add(coveredTo);
    bounds.add(f.value);
    funcStarts.add(f.value);
    coveredTo = Math.max(coveredTo, clip(f.value + f.size));
  }
  if (coveredTo > region.start && coveredTo < region.end) bounds.add(coveredTo);
  for (const o of os) {
    bounds.add(o.value);
    if (clip(o.value + o.size) < region.end) bounds.add(o.value + o.size);
  }
  const sorted = [...bounds].sort((a, b) => a - b);
  const parts: Part[] = [];
  let oi = 0;
  let dataTo = region.start;
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i];
    for (; oi < os.length && os[oi].value <= start; oi++) dataTo = Math.max(dataTo, os[oi].value + os[oi].size);
    const end = i + 1 < sorted.length ? sorted[i + 1] : region.end;
    parts.push({ start, end, data: start < dataTo && !funcStarts.has(start) });
  }
  return parts;
}

/** Picks the symbol to name a site by: the smallest sized function around it, else a size-0 one right before it. */
function symbolFor(addr: number, sortedFuncs: ElfSymbol[]): string | null {
  let best: ElfSymbol | null = null;
  const rank = (s: ElfSymbol): number => (s.bind === STB_GLOBAL ? 0 : s.bind === STB_WEAK ? 1 : 2);
  for (const s of sortedFuncs) {
    if (s.value > addr) break;
    if (s.size > 0 && addr < s.value + s.size) {
      if (best === null || s.size < best.size || (s.size === best.size && (rank(s) < rank(best) ||
          (rank(s) === rank(best) && s.name < best.name)))) best = s;
    }
  }
  if (best !== null) return best.name;
  let prev: ElfSymbol | null = null;
  for (const s of sortedFuncs) {
    if (s.value > addr) break;
    prev = s;
  }
  return prev !== null && prev.size === 0 ? prev.name : null;
}

/** Every syscall/sysenter instruction of the image's executable code, ascending by offset. */
export function findSyscallSites(elf: ElfImage, bytes: Uint8Array): SyscallSite[] {
  const funcs = elf.symbols.filter(isFunction).sort((a, b) => a.value - b.value || a.size - b.size);
  const objects = elf.symbols.filter((s) => s.type === STT_OBJECT && s.size > 0 && s.shndx !== SHN_UNDEF)
    .sort((a, b) => a.value - b.value);
  const found = new Map<number, SyscallSite>();
  for (const region of codeRegions(elf)) {
    if (region.fileOffset + (region.end - region.start) > bytes.length) continue; // parseElf guarantees otherwise
    const code = bytes.subarray(region.fileOffset, region.fileOffset + (region.end - region.start));
    const decoder = new Decoder(64, code, DecoderOptions.None);
    const instr = new iced.Instruction();
    try {
      for (const part of partition(region, funcs, objects)) {
        if (part.data) continue;
        const partEnd = part.end - region.start;
        let pos = part.start - region.start;
        decoder.position = pos;
        while (pos < partEnd) {
          decoder.decodeOut(instr);
          const len = instr.length;
          if (pos + len > partEnd) break; // runs into the next restart point: not trusted
          const c = instr.code;
          if (c === Code.INVALID) {
            pos += 1;
            decoder.position = pos;
            continue;
          }
          // A prefixed syscall (66 0f 05 ...) is left to the trap path: rewriting its
          // last two bytes would keep the prefix on the call.
          if ((c === Code.Syscall || c === Code.Sysenter) && len === 2) {
            const offset = region.start + pos;
            found.set(offset, {
              offset, symbol: null, original: code.slice(pos, pos + 2),
              kind: c === Code.Syscall ? 'syscall' : 'sysenter',
            });
          }
          pos += len;
        }
      }
    } finally {
      instr.free();
      decoder.free();
    }
  }
  const sites = [...found.values()].sort((a, b) => a.offset - b.offset);
  for (const s of sites) s.symbol = symbolFor(s.offset, funcs);
  return sites;
}

/** True when the two bytes are `syscall` or `sysenter`. */
export function isSyscallOpcode(b0: number, b1: number): boolean {
  return b0 === SYSCALL_OPCODE[0] && (b1 === SYSCALL_OPCODE[1] || b1 === SYSENTER_OPCODE[1]);
}

/** True when a recorded site lies in executable, file-backed image and the file holds its original bytes there. */
export function siteMatchesFile(elf: ElfImage, bytes: Uint8Array, site: SyscallSite): boolean {
  if (site.original.length !== 2 || !isSyscallOpcode(site.original[0], site.original[1])) return false;
  for (const p of fileBackedExec(elf)) {
    if (site.offset >= p.vaddr && site.offset + 2 <= p.vaddr + p.filesz) {
      const o = p.offset + (site.offset - p.vaddr);
      return o + 2 <= bytes.length && bytes[o] === site.original[0] && bytes[o + 1] === site.original[1];
    }
  }
  return false;
}
