/** Shared test helpers: repo paths, an ELF writer for synthetic images, a seeded PRNG, objdump counts. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { ExecError } from '../../loader/index.js';

/** The repository root: the first directory upwards holding package.json (the build output dir may vary). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the test file');
    dir = up;
  }
  return dir;
}

/** Files of the guest userland built by `npm run userspace` (npm test builds it first). */
export const MUSL_LOADER = join(repoRoot(), 'build/rootfs/lib/ld-musl-x86_64.so.1');
export const BUSYBOX = join(repoRoot(), 'build/rootfs/bin/busybox');

/** The independent count: syscall/sysenter lines of objdump's disassembly. */
export function objdumpSiteCount(file: string): number {
  const text = execFileSync('objdump', ['-d', '--no-show-raw-insn', file], { maxBuffer: 1 << 30, encoding: 'utf8' });
  return text.split('\n').filter((l) => /\ssyscall|\ssysenter/.test(l)).length;
}

/** mulberry32: a small deterministic PRNG so fuzz cases are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs fn and checks that it throws an ExecError with this errno (and, if given, a message matching re). */
export function expectExecError(fn: () => unknown, errno: number, re?: RegExp): ExecError {
  let caught: unknown = null;
  try { fn(); } catch (e) { caught = e; }
  expect(caught, 'expected an ExecError').to.be.instanceOf(ExecError);
  const err = caught as ExecError;
  expect(err.errno, err.message).to.equal(errno);
  if (re !== undefined) expect(err.message).to.match(re);
  return err;
}

export interface SegSpec {
  type: number;
  flags: number;
  vaddr: number;
  data?: Uint8Array;
  memsz?: number;
  align?: number;
}

export interface SymSpec { name: string; value: number; size: number; type: number; bind?: number }

export interface ElfSpec {
  type?: number;
  machine?: number;
  entry?: number;
  segments: SegSpec[];
  /** When given, .text (covering the first executable segment), .symtab, .strtab and .shstrtab are written. */
  symbols?: SymSpec[];
}

/** Byte offsets of the fields the tests corrupt. */
export const EHDR = { type: 16, machine: 18, version: 20, entry: 24, phoff: 32, shoff: 40, phentsize: 54, phnum: 56, shentsize: 58, shnum: 60, shstrndx: 62 };
export const PHDR = { type: 0, flags: 4, offset: 8, vaddr: 16, filesz: 32, memsz: 40, align: 48 };

/** Writes a small, valid ELF64 x86-64 image from a spec (segment contents congruent to their vaddr modulo 4096). */
export function buildElf(spec: ElfSpec): Uint8Array {
  const phnum = spec.segments.length;
  const chunks: Array<{ off: number; data: Uint8Array }> = [];
  let off = 64 + 56 * phnum;
  const segOffsets: number[] = [];
  for (const s of spec.segments) {
    const data = s.data ?? new Uint8Array(0);
    const want = s.vaddr % 4096;
    off = off % 4096 <= want ? off - (off % 4096) + want : off - (off % 4096) + 4096 + want;
    segOffsets.push(off);
    chunks.push({ off, data });
    off += data.length;
  }
  // Section data: symtab, strtab, shstrtab; then the section headers.
  let shoff = 0, shnum = 0;
  const shdrs: Array<{ name: number; type: number; flags: number; addr: number; off: number; size: number; link: number; info: number; entsize: number }> = [];
  if (spec.symbols !== undefined) {
    const text = spec.segments.findIndex((s) => s.type === 1 && (s.flags & 1) !== 0);
    const names = ['', '.text', '.symtab', '.strtab', '.shstrtab'];
    const shstr = new TextEncoder().encode(names.join('\0') + '\0');
    const nameOff = (i: number): number => names.slice(0, i).reduce((n, s) => n + s.length + 1, 0);
    const strParts: string[] = [''];
    const symtab = new Uint8Array(24 * (spec.symbols.length + 1));
    const sdv = new DataView(symtab.buffer);
    let strLen = 1;
    spec.symbols.forEach((sym, i) => {
      const o = 24 * (i + 1);
      sdv.setUint32(o, strLen, true);
      sdv.setUint8(o + 4, ((sym.bind ?? 1) << 4) | sym.type);
      sdv.setUint16(o + 6, 1, true); // .text
      sdv.setBigUint64(o + 8, BigInt(sym.value), true);
      sdv.setBigUint64(o + 16, BigInt(sym.size), true);
      strParts.push(sym.name);
      strLen += sym.name.length + 1;
    });
    const strtab = new TextEncoder().encode(strParts.join('\0') + '\0');
    off = Math.ceil(off / 8) * 8;
    const symOff = off; chunks.push({ off, data: symtab }); off += symtab.length;
    const strOff = off; chunks.push({ off, data: strtab }); off += strtab.length;
    const shstrOff = off; chunks.push({ off, data: shstr }); off += shstr.length;
    const t = spec.segments[text];
    shdrs.push({ name: 0, type: 0, flags: 0, addr: 0, off: 0, size: 0, link: 0, info: 0, entsize: 0 });
    shdrs.push({ name: nameOff(1), type: 1, flags: 6, addr: t.vaddr, off: segOffsets[text], size: t.data?.length ?? 0, link: 0, info: 0, entsize: 0 });
    shdrs.push({ name: nameOff(2), type: 2, flags: 0, addr: 0, off: symOff, size: symtab.length, link: 3, info: 1, entsize: 24 });
    shdrs.push({ name: nameOff(3), type: 3, flags: 0, addr: 0, off: strOff, size: strtab.length, link: 0, info: 0, entsize: 0 });
    shdrs.push({ name: nameOff(4), type: 3, flags: 0, addr: 0, off: shstrOff, size: shstr.length, link: 0, info: 0, entsize: 0 });
    off = Math.ceil(off / 8) * 8;
    shoff = off;
    shnum = shdrs.length;
    off += 64 * shnum;
  }
  const out = new Uint8Array(off);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  dv.setUint16(EHDR.type, spec.type ?? 3, true);
  dv.setUint16(EHDR.machine, spec.machine ?? 62, true);
  dv.setUint32(EHDR.version, 1, true);
  const firstExec = spec.segments.find((s) => s.type === 1 && (s.flags & 1) !== 0);
  dv.setBigUint64(EHDR.entry, BigInt(spec.entry ?? firstExec?.vaddr ?? 0), true);
  dv.setBigUint64(EHDR.phoff, 64n, true);
  dv.setBigUint64(EHDR.shoff, BigInt(shoff), true);
  dv.setUint16(52, 64, true);
  dv.setUint16(EHDR.phentsize, 56, true);
  dv.setUint16(EHDR.phnum, phnum, true);
  dv.setUint16(EHDR.shentsize, 64, true);
  dv.setUint16(EHDR.shnum, shnum, true);
  dv.setUint16(EHDR.shstrndx, shnum > 0 ? 4 : 0, true);
  spec.segments.forEach((s, i) => {
    const o = 64 + 56 * i;
    const filesz = s.data?.length ?? 0;
    dv.setUint32(o + PHDR.type, s.type, true);
    dv.setUint32(o + PHDR.flags, s.flags, true);
    dv.setBigUint64(o + PHDR.offset, BigInt(segOffsets[i]), true);
    dv.setBigUint64(o + PHDR.vaddr, BigInt(s.vaddr), true);
    dv.setBigUint64(o + 24, BigInt(s.vaddr), true);
    dv.setBigUint64(o + PHDR.filesz, BigInt(filesz), true);
    dv.setBigUint64(o + PHDR.memsz, BigInt(s.memsz ?? filesz), true);
    dv.setBigUint64(o + PHDR.align, BigInt(s.align ?? 4096), true);
  });
  for (const c of chunks) out.set(c.data, c.off);
  shdrs.forEach((s, i) => {
    const o = shoff + 64 * i;
    dv.setUint32(o, s.name, true);
    dv.setUint32(o + 4, s.type, true);
    dv.setBigUint64(o + 8, BigInt(s.flags), true);
    dv.setBigUint64(o + 16, BigInt(s.addr), true);
    dv.setBigUint64(o + 24, BigInt(s.off), true);
    dv.setBigUint64(o + 32, BigInt(s.size), true);
    dv.setUint32(o + 40, s.link, true);
    dv.setUint32(o + 44, s.info, true);
    dv.setBigUint64(o + 48, 8n, true);
    dv.setBigUint64(o + 56, BigInt(s.entsize), true);
  });
  return out;
}

/** Sets a little-endian field of a copy of bytes. */
export function patched(bytes: Uint8Array, offset: number, size: 1 | 2 | 4 | 8, value: number | bigint): Uint8Array {
  const out = bytes.slice();
  const dv = new DataView(out.buffer);
  if (size === 1) dv.setUint8(offset, Number(value));
  else if (size === 2) dv.setUint16(offset, Number(value), true);
  else if (size === 4) dv.setUint32(offset, Number(value), true);
  else dv.setBigUint64(offset, BigInt(value), true);
  return out;
}
