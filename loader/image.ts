/**
 * Images laid out once, placed many times. `prepareImage` builds the bytes
 * an image's span must hold in RAM (each PT_LOAD's file part at its p_vaddr,
 * zeros elsewhere, syscall sites rewritten); `placeImage` puts them at a base
 * page by page, writing only the pages whose bytes differ. A page left alone
 * keeps the code the CPU decoded and compiled there, so a program exec'd
 * again at the same base (the usual case: the first-fit allocator hands the
 * same pages back) starts with its blocks already compiled, while the pages
 * its previous run changed (data, bss, lazily rewritten sites) are restored
 * and their decoded code dropped (GuestMemory.notifyWrite).
 */
import { Buffer } from 'node:buffer';
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
  /** Pages of the span that were written (their bytes differed); the others already held the image. */
  pagesWritten: number;
}

/** An image as RAM must hold it, independent of where it goes. */
export interface PreparedImage {
  readonly elf: ElfImage;
  readonly span: { size: number; align: number; start: number };
  /** span.size bytes: what [base + span.start, base + span.start + span.size) holds once placed. */
  readonly bytes: Uint8Array;
  /** Sites rewritten to `call *%rax` in `bytes`. */
  readonly sites: number;
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

/**
 * The span's bytes with every known site rewritten (null: rewrite nothing,
 * the trap path). A site counts only inside an executable, file-backed part
 * of the image and only where the bytes still are what was recorded.
 */
export function prepareImage(elf: ElfImage, bytes: Uint8Array, sites: SyscallSite[] | null): PreparedImage {
  if (bytes.length !== elf.fileSize) {
    throw new ExecError(EINVAL, `file is ${bytes.length} bytes but the parsed image was ${elf.fileSize}`);
  }
  const span = imageSpan(elf);
  const out = new Uint8Array(span.size);
  for (const p of elf.loads) {
    if (p.filesz > 0) out.set(bytes.subarray(p.offset, p.offset + p.filesz), p.vaddr - span.start);
  }
  let rewritten = 0;
  if (sites !== null) {
    const exec = elf.loads.filter((p) => (p.flags & PF_X) !== 0);
    for (const s of sites) {
      const inCode = exec.some((p) => s.offset >= p.vaddr && s.offset + 2 <= p.vaddr + p.filesz);
      const at = s.offset - span.start;
      if (!inCode || !Number.isInteger(at) || out[at] !== s.original[0] || out[at + 1] !== s.original[1]) continue;
      if (!isSyscallOpcode(out[at], out[at + 1])) continue;
      out[at] = CALL_RAX[0];
      out[at + 1] = CALL_RAX[1];
      rewritten++;
    }
  }
  return { elf, span, bytes: out, sites: rewritten };
}

/** Pages compared in one native call before narrowing down to single pages. */
const CHUNK_PAGES = 16;

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/** Numbers of prepared images (their bytes never change), for GuestMemory.placed tokens. */
const imageIds = new WeakMap<PreparedImage, number>();
let nextImageId = 1;
/** Pages an image may have (4 GiB of RAM): a token is id * PAGES_PER_ID + page index + 1. */
const PAGES_PER_ID = 1 << 20;

/**
 * Puts a prepared image at `base`, writing (and notifying the CPU of) only
 * the pages whose bytes differ. Pages it leaves watched (GuestMemory.placed)
 * and nobody wrote since are known to hold their bytes still: an image exec'd
 * again at the same base (a vfork child running the same program) compares
 * only the pages its last run wrote, mostly its data.
 */
export function placeImage(mem: GuestMemory, img: PreparedImage, base: number): MappedImage {
  const { elf, span } = img;
  if (!Number.isInteger(base) || base % span.align !== 0) {
    throw new ExecError(EINVAL, `load base ${base} is not a multiple of the image alignment 0x${span.align.toString(16)}`);
  }
  const lo = base + span.start;
  const hi = lo + span.size;
  if (lo < PAGE_SIZE || hi > mem.size) {
    throw new ExecError(ENOMEM, `image [0x${lo.toString(16)}, 0x${hi.toString(16)}) does not fit in guest RAM`);
  }
  const u8 = mem.u8;
  const src = img.bytes;
  const chunk = CHUNK_PAGES * PAGE_SIZE;
  // Without a CPU nobody reports writes (notifyWrite does nothing): compare everything.
  const track = mem.onCodeWrite !== null && lo % PAGE_SIZE === 0;
  let id = imageIds.get(img);
  if (id === undefined) { id = nextImageId++; imageIds.set(img, id); }
  const first = lo / PAGE_SIZE, tok0 = id * PAGES_PER_ID + 1;
  const { placed, codePages } = mem;
  /** Whether the pages of [off, end) are all known to hold the image's bytes. */
  const known = (off: number, end: number): boolean => {
    if (!track) return false;
    for (let k = off / PAGE_SIZE, last = (end - 1) / PAGE_SIZE | 0; k <= last; k++) {
      if (placed[first + k] !== tok0 + k || codePages[first + k] === 0) return false;
    }
    return true;
  };
  let written = 0;
  for (let off = 0; off < span.size; off += chunk) {
    const end = Math.min(off + chunk, span.size);
    if (!known(off, end) && !same(u8.subarray(lo + off, lo + end), src.subarray(off, end))) {
      for (let p = off; p < end; p += PAGE_SIZE) {
        const q = Math.min(p + PAGE_SIZE, end);
        if (known(p, q)) continue;
        const page = src.subarray(p, q);
        if (same(u8.subarray(lo + p, lo + q), page)) continue;
        u8.set(page, lo + p);
        mem.notifyWrite(lo + p, q - p);
        written++;
      }
    }
    if (track) {
      // Watch them from now on: the next write to one of them reports it, and the CPU forgets the token.
      for (let k = off / PAGE_SIZE, last = (end - 1) / PAGE_SIZE | 0; k <= last; k++) {
        placed[first + k] = tok0 + k;
        codePages[first + k] |= 2;
      }
      mem.codeMarks++;
    }
  }
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
    sites: img.sites,
    tls: elf.tls === null ? null
      : { addr: base + elf.tls.vaddr, filesz: elf.tls.filesz, memsz: elf.tls.memsz, align: elf.tls.align },
    stackExecutable: elf.gnuStack !== null && (elf.gnuStack.flags & PF_X) !== 0,
    pagesWritten: written,
  };
}
