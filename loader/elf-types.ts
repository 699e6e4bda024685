/**
 * ELF64 constants and the parsed-image shapes (include/uapi/linux/elf.h,
 * System V gABI). Only what the loader and `inspect` use.
 */

export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const EV_CURRENT = 1;
export const EM_X86_64 = 62;

export const ET_NONE = 0, ET_REL = 1, ET_EXEC = 2, ET_DYN = 3, ET_CORE = 4;

export const PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4;
export const PT_SHLIB = 5, PT_PHDR = 6, PT_TLS = 7;
export const PT_GNU_EH_FRAME = 0x6474e550, PT_GNU_STACK = 0x6474e551;
export const PT_GNU_RELRO = 0x6474e552, PT_GNU_PROPERTY = 0x6474e553;

export const PF_X = 1, PF_W = 2, PF_R = 4;

export const SHT_NULL = 0, SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3;
export const SHT_NOBITS = 8, SHT_DYNSYM = 11;
export const SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4;
export const SHN_UNDEF = 0, SHN_LORESERVE = 0xff00, SHN_ABS = 0xfff1, SHN_XINDEX = 0xffff;

export const STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4;
export const STT_TLS = 6, STT_GNU_IFUNC = 10;
export const STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2;

export const EHDR_SIZE = 64;
export const PHDR_SIZE = 56;
export const SHDR_SIZE = 64;
export const SYM_SIZE = 24;

/** A program header (Elf64_Phdr); 64-bit fields as numbers (values past 2^53 are refused as absurd anyway). */
export interface ProgramHeader {
  index: number;
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
  align: number;
}

/** A section header (Elf64_Shdr) with its name resolved. */
export interface SectionHeader {
  index: number;
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

/** A symbol (Elf64_Sym) from .symtab or .dynsym. */
export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  /** STT_* */
  type: number;
  /** STB_* */
  bind: number;
  shndx: number;
  table: 'symtab' | 'dynsym';
}

/** A parsed, validated ELF64 little-endian x86-64 file. */
export interface ElfImage {
  /** ET_EXEC or ET_DYN (anything else is refused by parseElf). */
  type: number;
  machine: number;
  osabi: number;
  flags: number;
  entry: number;
  phoff: number;
  phentsize: number;
  phnum: number;
  shoff: number;
  shnum: number;
  shstrndx: number;
  fileSize: number;
  /** Every program header, in file order. */
  phdrs: ProgramHeader[];
  /** PT_LOAD headers with p_memsz > 0, ascending by p_vaddr, non-overlapping. */
  loads: ProgramHeader[];
  /** The PT_INTERP path (the first PT_INTERP, as Linux uses it), or null. */
  interp: string | null;
  dynamic: ProgramHeader | null;
  tls: ProgramHeader | null;
  gnuStack: ProgramHeader | null;
  phdrSegment: ProgramHeader | null;
  /** Section headers when the file has them (empty when stripped of them). */
  sections: SectionHeader[];
  /** Symbols of .symtab then .dynsym (empty when absent). */
  symbols: ElfSymbol[];
}

export function elfTypeName(type: number): string {
  switch (type) {
    case ET_NONE: return 'ET_NONE';
    case ET_REL: return 'ET_REL';
    case ET_EXEC: return 'ET_EXEC';
    case ET_DYN: return 'ET_DYN';
    case ET_CORE: return 'ET_CORE';
    default: return `type 0x${type.toString(16)}`;
  }
}

export function segmentTypeName(type: number): string {
  switch (type) {
    case PT_NULL: return 'NULL';
    case PT_LOAD: return 'LOAD';
    case PT_DYNAMIC: return 'DYNAMIC';
    case PT_INTERP: return 'INTERP';
    case PT_NOTE: return 'NOTE';
    case PT_SHLIB: return 'SHLIB';
    case PT_PHDR: return 'PHDR';
    case PT_TLS: return 'TLS';
    case PT_GNU_EH_FRAME: return 'GNU_EH_FRAME';
    case PT_GNU_STACK: return 'GNU_STACK';
    case PT_GNU_RELRO: return 'GNU_RELRO';
    case PT_GNU_PROPERTY: return 'GNU_PROPERTY';
    default: return `0x${type.toString(16)}`;
  }
}

/** "RWX"-style flags as readelf prints them. */
export function segmentFlags(flags: number): string {
  return (flags & PF_R ? 'R' : '-') + (flags & PF_W ? 'W' : '-') + (flags & PF_X ? 'X' : '-');
}
