/**
 * Places a parsed image in guest RAM at a base the kernel chose: copy the
 * file-backed part of every PT_LOAD to base + p_vaddr, zero the rest of the
 * span (bss, gaps between segments), and rewrite each known syscall site to
 * `call *%rax`. Without an MMU there is nothing to map: this is a copy, and
 * page protections are left as the kernel's allocator set them.
 */
import type { GuestMemory } from '../cpu/memory.js';
import { CALL_RAX, PAGE_SIZE } from '../trampoline/index.js';
import { EINVAL, ENOMEM, ExecError } from './errors.js';
import { imageSpan } from './elf.js';
import { PF_X, PT_LOAD } from './elf-types.js';
import type { ElfImage } from './elf-types.js';
import { isSyscallOpcode } from './sites.js';
import type { SyscallSite } from './sites.js';

export interface MappedImage {
  /** Load bias: the image's p_vaddr 0 is at this address. */
  base: number;
  /** base + the highest p_vaddr + p_memsz (where Linux would start brk). */
  end: number;
  /** base + e_entry. */
  entry: number;
  /** Address of the program headers in memory (AT_PHDR), by Linux's rule (just base when no segment holds them). */
  phdr: number;
  phent: number;
  phnum: number;
  interp: string | null;
  /** Number of sites rewritten to `call *%rax`. */
  sites: number;
  /** The PT_TLS initialisation image in memory, when there is one. */
  tls: { addr: number; filesz: number; memsz: number; align: number } | null;
  stackExecutable: boolean;
}

/** Linux (fs/binfmt_elf.c): the PT_LOAD whose file range holds e_phoff gives AT_PHDR; PT_PHDR is the fallback. */
function phdrAddress(elf: ElfImage): number | null {
  for (const p of elf.phdrs) {
    if (p.type === PT_LOAD && p.offset <= elf.phoff && elf.phoff < p.offset + p.filesz) {
      return elf.phoff - p.offset + p.vaddr;
    }
  }
  return elf.phdrSegment !== null ? elf.phdrSegment.vaddr : null;
}

/** Writes `call *%rax` over the site at addr if it holds syscall/sysenter. Raw access: code pages may be execute-only. */
function rewrite(mem: GuestMemory, addr: number): boolean {
  if (!Number.isInteger(addr) || addr < PAGE_SIZE || addr + 2 > mem.size) return false;
  if (!isSyscallOpcode(mem.u8[addr], mem.u8[addr + 1])) return false;
  mem.u8[addr] = CALL_RAX[0];
  mem.u8[addr + 1] = CALL_RAX[1];
  return true;
}

/** Lazy rewrite of one site found at run time (lazypoline); false if the bytes there are not syscall/sysenter. */
export function rewriteSiteAt(mem: GuestMemory, addr: number): boolean {
  if (!rewrite(mem, addr)) return false;
  mem.notifyWrite(addr, 2);
  return true;
}

/** Copies the image to base and rewrites `sites` (null: rewrite nothing, the trap path). */
export function mapImage(mem: GuestMemory, elf: ElfImage, bytes: Uint8Array, base: number,
  sites: SyscallSite[] | null): MappedImage {
  if (bytes.length !== elf.fileSize) {
    throw new ExecError(EINVAL, `file is ${bytes.length} bytes but the parsed image was ${elf.fileSize}`);
  }
  const span = imageSpan(elf);
  if (!Number.isInteger(base) || base % span.align !== 0) {
    throw new ExecError(EINVAL, `load base ${base} is not a multiple of the image alignment 0x${span.align.toString(16)}`);
  }
  const lo = base + span.start;
  const hi = lo + span.size;
  if (lo < PAGE_SIZE || hi > mem.size) {
    throw new ExecError(ENOMEM, `image [0x${lo.toString(16)}, 0x${hi.toString(16)}) does not fit in guest RAM`);
  }
  mem.u8.fill(0, lo, hi);
  for (const p of elf.loads) {
    if (p.filesz > 0) mem.u8.set(bytes.subarray(p.offset, p.offset + p.filesz), base + p.vaddr);
  }
  let rewritten = 0;
  if (sites !== null) {
    const exec = elf.loads.filter((p) => (p.flags & PF_X) !== 0);
    for (const s of sites) {
      // A site must lie in executable, file-backed image and still hold what was recorded.
      const inCode = exec.some((p) => s.offset >= p.vaddr && s.offset + 2 <= p.vaddr + p.filesz);
      const addr = base + s.offset;
      if (!inCode || mem.u8[addr] !== s.original[0] || mem.u8[addr + 1] !== s.original[1]) continue;
      if (rewrite(mem, addr)) rewritten++;
    }
  }
  mem.notifyWrite(lo, span.size);
  const phdr = phdrAddress(elf);
  const last = elf.loads[elf.loads.length - 1];
  return {
    base,
    end: base + last.vaddr + last.memsz,
    entry: base + elf.entry,
    phdr: base + (phdr ?? 0),
    phent: elf.phentsize,
    phnum: elf.phnum,
    interp: elf.interp,
    sites: rewritten,
    tls: elf.tls === null ? null
      : { addr: base + elf.tls.vaddr, filesz: elf.tls.filesz, memsz: elf.tls.memsz, align: elf.tls.align },
    stackExecutable: elf.gnuStack !== null && (elf.gnuStack.flags & PF_X) !== 0,
  };
}
