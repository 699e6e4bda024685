/**
 * ELF64 little-endian x86-64 parser. Every read is bounds-checked and every
 * refusal is an ExecError(ENOEXEC) with a precise reason: no input, however
 * malformed, makes this module throw anything else. Limits follow Linux's
 * fs/binfmt_elf.c where it has one (program header table <= 4096 bytes,
 * PT_INTERP between 2 and PATH_MAX bytes and NUL-terminated).
 */
import { noexec } from './errors.js';
import {
  EHDR_SIZE, ELFCLASS64, ELFDATA2LSB, EM_X86_64, ET_DYN, ET_EXEC, EV_CURRENT, PHDR_SIZE,
  PT_DYNAMIC, PT_GNU_STACK, PT_INTERP, PT_LOAD, PT_PHDR, PT_TLS, SHDR_SIZE, SHN_UNDEF,
  SHN_XINDEX, SHT_DYNSYM, SHT_NOBITS, SHT_NULL, SHT_STRTAB, SHT_SYMTAB, SYM_SIZE, elfTypeName,
} from './elf-types.js';
import type { ElfImage, ElfSymbol, ProgramHeader, SectionHeader } from './elf-types.js';

const PAGE = 4096;
/** Linux refuses a program header table larger than ELF_MIN_ALIGN (one page). */
const MAX_PHDR_TABLE = 4096;
const PATH_MAX = 4096;
/** An image larger than this cannot be meant for a small no-MMU machine. */
export const MAX_IMAGE_SPAN = 1 << 30;
/** x86-64 user space ends at 2^47 (4-level paging); anything past it is absurd. */
const USER_LIMIT = 2 ** 47;

const hex = (v: number): string => '0x' + v.toString(16);

/** Bounds-checked little-endian reads over the file. */
class Reader {
  private readonly dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number { return this.bytes.length; }
  /** Throws ENOEXEC unless [off, off+len) lies inside the file. */
  need(off: number, len: number, what: string): void {
    if (!(off >= 0 && len >= 0 && off + len <= this.bytes.length)) {
      throw noexec(`${what} (offset ${hex(off)}, ${len} bytes) extends past the end of the file (${this.bytes.length} bytes)`);
    }
  }
  u8(off: number): number { return this.bytes[off]; }
  u16(off: number): number { return this.dv.getUint16(off, true); }
  u32(off: number): number { return this.dv.getUint32(off, true); }
  /** A 64-bit field as a number; exact below 2^53, and larger values only ever fail range checks. */
  u64(off: number): number { return this.dv.getUint32(off, true) + this.dv.getUint32(off + 4, true) * 0x1_0000_0000; }
}

const decoder = new TextDecoder('utf-8');

/** The NUL-terminated string at `off` inside the table [start, start+size). */
function tableString(r: Reader, start: number, size: number, off: number, what: string): string {
  if (off >= size) throw noexec(`${what}: name offset ${hex(off)} is outside its string table (${size} bytes)`);
  const end = r.bytes.indexOf(0, start + off);
  if (end < 0 || end >= start + size) throw noexec(`${what}: string table is not NUL-terminated`);
  return decoder.decode(r.bytes.subarray(start + off, end));
}

function isPowerOfTwo(v: number): boolean {
  return v > 0 && Number.isInteger(Math.log2(v));
}

function parseHeader(r: Reader): Omit<ElfImage, 'phdrs' | 'loads' | 'interp' | 'dynamic' | 'tls' | 'gnuStack' | 'phdrSegment' | 'sections' | 'symbols'> {
  const b = r.bytes;
  if (b.length < 4 || b[0] !== 0x7f || b[1] !== 0x45 || b[2] !== 0x4c || b[3] !== 0x46) {
    throw noexec('not an ELF file (no \\x7fELF magic)');
  }
  if (b.length < 7) throw noexec(`truncated ELF identification: ${b.length} of 16 bytes`);
  if (b[4] !== ELFCLASS64) throw noexec(`ELF class ${b[4]} is not ELFCLASS64 (${b[4] === 1 ? '32-bit' : 'invalid'} file; only x86-64 is supported)`);
  if (b[5] !== ELFDATA2LSB) throw noexec(`ELF data encoding ${b[5]} is not little-endian (ELFDATA2LSB)`);
  if (b[6] !== EV_CURRENT) throw noexec(`ELF identification version ${b[6]} is not EV_CURRENT`);
  if (b.length < EHDR_SIZE) throw noexec(`truncated ELF header: ${b.length} of ${EHDR_SIZE} bytes`);
  const type = r.u16(16);
  if (type !== ET_EXEC && type !== ET_DYN) {
    const what = type === 1 ? ' (relocatable object)' : type === 4 ? ' (core dump)' : '';
    throw noexec(`ELF type ${elfTypeName(type)}${what} is not executable (need ET_DYN or ET_EXEC)`);
  }
  const machine = r.u16(18);
  if (machine !== EM_X86_64) throw noexec(`ELF machine ${machine} is not x86-64 (EM_X86_64 = 62)`);
  const version = r.u32(20);
  if (version !== EV_CURRENT) throw noexec(`ELF version ${version} is not EV_CURRENT`);
  const phentsize = r.u16(54);
  const phnum = r.u16(56);
  const phoff = r.u64(32);
  if (phentsize !== PHDR_SIZE) throw noexec(`e_phentsize ${phentsize} is not ${PHDR_SIZE} (sizeof Elf64_Phdr)`);
  if (phnum < 1) throw noexec('no program headers (e_phnum = 0)');
  if (phnum * PHDR_SIZE > MAX_PHDR_TABLE) {
    throw noexec(`e_phnum ${phnum}: program header table of ${phnum * PHDR_SIZE} bytes exceeds Linux's limit of ${MAX_PHDR_TABLE}`);
  }
  r.need(phoff, phnum * PHDR_SIZE, 'program header table');
  return {
    type, machine, osabi: b[7], flags: r.u32(48), entry: r.u64(24),
    phoff, phentsize, phnum,
    shoff: r.u64(40), shnum: r.u16(60), shstrndx: r.u16(62),
    fileSize: b.length,
  };
}

function parseProgramHeaders(r: Reader, phoff: number, phnum: number): ProgramHeader[] {
  const out: ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * PHDR_SIZE;
    out.push({
      index: i, type: r.u32(o), flags: r.u32(o + 4), offset: r.u64(o + 8), vaddr: r.u64(o + 16),
      paddr: r.u64(o + 24), filesz: r.u64(o + 32), memsz: r.u64(o + 40), align: r.u64(o + 48),
    });
  }
  return out;
}

/** Checks a segment whose contents come from the file. */
function checkFileBacked(r: Reader, p: ProgramHeader, what: string): void {
  if (p.filesz > p.memsz) throw noexec(`${what}: p_filesz ${hex(p.filesz)} is larger than p_memsz ${hex(p.memsz)}`);
  if (p.filesz > 0) r.need(p.offset, p.filesz, what);
}

function checkLoads(r: Reader, phdrs: ProgramHeader[]): ProgramHeader[] {
  const loads: ProgramHeader[] = [];
  for (const p of phdrs) {
    if (p.type !== PT_LOAD) continue;
    const what = `PT_LOAD segment ${p.index}`;
    checkFileBacked(r, p, what);
    if (p.vaddr >= USER_LIMIT || p.memsz >= USER_LIMIT || p.vaddr + p.memsz > USER_LIMIT) {
      throw noexec(`${what}: address range ${hex(p.vaddr)}+${hex(p.memsz)} lies outside the x86-64 user address space`);
    }
    if (p.align > MAX_IMAGE_SPAN) throw noexec(`${what}: p_align ${hex(p.align)} is absurd (more than 1 GiB)`);
    if (p.memsz > 0) loads.push(p);
  }
  if (loads.length === 0) throw noexec('no PT_LOAD segment with contents');
  for (let i = 1; i < loads.length; i++) {
    const prev = loads[i - 1], cur = loads[i];
    if (cur.vaddr < prev.vaddr) {
      throw noexec(`PT_LOAD segments ${prev.index} and ${cur.index} are not in ascending p_vaddr order`);
    }
    if (cur.vaddr < prev.vaddr + prev.memsz) {
      throw noexec(`PT_LOAD segments ${prev.index} and ${cur.index} overlap (${hex(prev.vaddr)}+${hex(prev.memsz)} and ${hex(cur.vaddr)})`);
    }
  }
  const first = Math.floor(loads[0].vaddr / PAGE) * PAGE;
  const last = loads[loads.length - 1];
  const span = Math.ceil((last.vaddr + last.memsz) / PAGE) * PAGE - first;
  if (span > MAX_IMAGE_SPAN) throw noexec(`PT_LOAD segments span ${hex(span)} bytes, more than 1 GiB`);
  return loads;
}

function parseInterp(r: Reader, p: ProgramHeader): string {
  if (p.filesz < 2 || p.filesz > PATH_MAX) {
    throw noexec(`PT_INTERP size ${p.filesz} is outside 2..${PATH_MAX} bytes`);
  }
  r.need(p.offset, p.filesz, 'PT_INTERP');
  if (r.u8(p.offset + p.filesz - 1) !== 0) throw noexec('PT_INTERP path is not NUL-terminated');
  const end = r.bytes.indexOf(0, p.offset);
  return decoder.decode(r.bytes.subarray(p.offset, end));
}

function parseSections(r: Reader, shoff: number, shnumField: number, shstrndxField: number, shentsize: number): SectionHeader[] {
  if (shoff === 0) return [];
  if (shentsize !== SHDR_SIZE) throw noexec(`e_shentsize ${shentsize} is not ${SHDR_SIZE} (sizeof Elf64_Shdr)`);
  r.need(shoff, SHDR_SIZE, 'section header table');
  // Extended numbering: counts that do not fit in 16 bits live in section 0.
  const count = shnumField !== 0 ? shnumField : r.u64(shoff + 32);
  if (count === 0) return [];
  if (count > r.length / SHDR_SIZE) throw noexec(`section count ${count} cannot fit in a file of ${r.length} bytes`);
  r.need(shoff, count * SHDR_SIZE, 'section header table');
  const strndx = shstrndxField === SHN_XINDEX ? r.u32(shoff + 40) : shstrndxField;
  const raw: Array<Omit<SectionHeader, 'name'> & { nameOff: number }> = [];
  for (let i = 0; i < count; i++) {
    const o = shoff + i * SHDR_SIZE;
    const s = {
      index: i, nameOff: r.u32(o), type: r.u32(o + 4), flags: r.u64(o + 8), addr: r.u64(o + 16),
      offset: r.u64(o + 24), size: r.u64(o + 32), link: r.u32(o + 40), info: r.u32(o + 44),
      addralign: r.u64(o + 48), entsize: r.u64(o + 56),
    };
    if (s.type !== SHT_NOBITS && s.type !== SHT_NULL) r.need(s.offset, s.size, `section ${i}`);
    raw.push(s);
  }
  let names: ((off: number, i: number) => string) = () => '';
  if (strndx !== SHN_UNDEF) {
    if (strndx >= count) throw noexec(`section name table index ${strndx} is past the ${count} sections`);
    const t = raw[strndx];
    if (t.type !== SHT_STRTAB) throw noexec(`section name table (section ${strndx}) is not SHT_STRTAB`);
    names = (off, i) => tableString(r, t.offset, t.size, off, `section ${i} name`);
  }
  return raw.map(({ nameOff, ...s }) => ({ ...s, name: names(nameOff, s.index) }));
}

function parseSymbols(r: Reader, sections: SectionHeader[]): ElfSymbol[] {
  const out: ElfSymbol[] = [];
  for (const s of sections) {
    if (s.type !== SHT_SYMTAB && s.type !== SHT_DYNSYM) continue;
    const table = s.type === SHT_SYMTAB ? 'symtab' : 'dynsym';
    const what = `${table} (section ${s.index})`;
    if (s.entsize !== SYM_SIZE) throw noexec(`${what}: sh_entsize ${s.entsize} is not ${SYM_SIZE}`);
    if (s.size % SYM_SIZE !== 0) throw noexec(`${what}: size ${s.size} is not a multiple of ${SYM_SIZE}`);
    if (s.link >= sections.length || sections[s.link].type !== SHT_STRTAB) {
      throw noexec(`${what}: sh_link ${s.link} is not a string table`);
    }
    const strtab = sections[s.link];
    // Entry 0 is the reserved undefined symbol.
    for (let o = s.offset + SYM_SIZE; o < s.offset + s.size; o += SYM_SIZE) {
      const info = r.u8(o + 4);
      out.push({
        name: tableString(r, strtab.offset, strtab.size, r.u32(o), `${what} symbol ${(o - s.offset) / SYM_SIZE}`),
        type: info & 0xf, bind: info >> 4, shndx: r.u16(o + 6),
        value: r.u64(o + 8), size: r.u64(o + 16), table,
      });
    }
  }
  return out;
}

/** Parses and validates an ELF64 LE x86-64 file; throws ExecError(ENOEXEC, reason) for anything else. */
export function parseElf(bytes: Uint8Array): ElfImage {
  const r = new Reader(bytes);
  const h = parseHeader(r);
  const phdrs = parseProgramHeaders(r, h.phoff, h.phnum);
  const loads = checkLoads(r, phdrs);
  const first = (type: number): ProgramHeader | null => phdrs.find((p) => p.type === type) ?? null;
  const interpHdr = first(PT_INTERP);
  const interp = interpHdr === null ? null : parseInterp(r, interpHdr);
  const dynamic = first(PT_DYNAMIC);
  if (dynamic !== null) checkFileBacked(r, dynamic, 'PT_DYNAMIC');
  const tls = first(PT_TLS);
  if (tls !== null) {
    checkFileBacked(r, tls, 'PT_TLS');
    if (tls.align > PAGE * 16 || (tls.align > 1 && !isPowerOfTwo(tls.align))) {
      throw noexec(`PT_TLS alignment ${hex(tls.align)} is not a power of two up to 64 KiB`);
    }
  }
  const sections = parseSections(r, h.shoff, h.shnum, h.shstrndx, r.u16(58));
  const symbols = parseSymbols(r, sections);
  return {
    ...h, shnum: sections.length, phdrs, loads, interp, dynamic, tls,
    gnuStack: first(PT_GNU_STACK), phdrSegment: first(PT_PHDR), sections, symbols,
  };
}

/** The DYN-only rule of a no-MMU kernel (binfmt_elf_fdpic refuses non-FDPIC ET_EXEC without an MMU). */
export function checkLoadable(elf: ElfImage): void {
  if (elf.type === ET_EXEC) {
    throw noexec('not a position-independent executable (ET_EXEC): a no-MMU kernel can only load PIE (ET_DYN) ' +
      'programs, at a base address it chooses; rebuild with -fPIE -pie');
  }
  if (elf.type !== ET_DYN) throw noexec(`ELF type ${elfTypeName(elf.type)} cannot be loaded`);
}

/**
 * The contiguous RAM an image needs. Allocate `size` bytes at an address A
 * aligned to `align`, then map with base = A - start (start is 0 for every
 * ordinary PIE, whose first PT_LOAD is at p_vaddr 0).
 */
export function imageSpan(elf: ElfImage): { size: number; align: number; start: number } {
  let align = PAGE;
  for (const p of elf.loads) if (isPowerOfTwo(p.align) && p.align > align) align = p.align;
  const start = Math.floor(elf.loads[0].vaddr / align) * align;
  const last = elf.loads[elf.loads.length - 1];
  const end = Math.ceil((last.vaddr + last.memsz) / PAGE) * PAGE;
  return { size: end - start, align, start };
}
