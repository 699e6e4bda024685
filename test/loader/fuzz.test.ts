/**
 * No input makes the loader throw anything but ExecError(ENOEXEC): truncated
 * files, random bytes, and mutated real and synthetic images, run through
 * parsing, the PIE check, the span, the site scan and mapping.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { GuestMemory } from '../../cpu/memory.js';
import {
  ENOEXEC, ExecError, checkLoadable, findSyscallSites, imageSpan, mapImage, parseElf,
} from '../../loader/index.js';
import { EHDR, MUSL_LOADER, prng } from './helpers.js';
import { tinyElf } from './fixtures.js';

const ELF_IDENT = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1];

/** 'ok' or the errno of the ExecError thrown; any other exception fails the test. */
function parseOutcome(bytes: Uint8Array): 'ok' | number {
  try {
    parseElf(bytes);
    return 'ok';
  } catch (e) {
    if (!(e instanceof ExecError)) throw new Error(`non-ExecError escaped: ${String(e)}`);
    return e.errno;
  }
}

/** Runs every load-time step on bytes; only ExecError may come out of any of them. */
function loadOutcome(bytes: Uint8Array, mem: GuestMemory): 'ok' | number {
  try {
    const elf = parseElf(bytes);
    imageSpan(elf);
    findSyscallSites(elf, bytes);
    checkLoadable(elf);
    const span = imageSpan(elf);
    const base = Math.ceil((1 << 20) / span.align) * span.align - span.start;
    mapImage(mem, elf, bytes, base, findSyscallSites(elf, bytes));
    return 'ok';
  } catch (e) {
    if (!(e instanceof ExecError)) throw new Error(`non-ExecError escaped: ${e instanceof Error ? e.stack : String(e)}`);
    return e.errno;
  }
}

describe('loader: no input escapes as anything but ExecError', () => {
  const musl = readFileSync(MUSL_LOADER);
  const phnum = new DataView(musl.buffer, musl.byteOffset).getUint16(EHDR.phnum, true);

  it('every truncation of the musl loader within its headers is ENOEXEC', () => {
    const end = 64 + 56 * phnum;
    for (let n = 0; n <= end; n++) expect(parseOutcome(musl.subarray(0, n)), `truncated at ${n}`).to.equal(ENOEXEC);
  });

  it('truncation of the musl loader at every segment and section boundary is ENOEXEC', () => {
    const elf = parseElf(musl);
    const cuts = new Set<number>([elf.phoff, elf.shoff, musl.length - 1]);
    for (const p of elf.phdrs) { cuts.add(p.offset); cuts.add(p.offset + p.filesz - 1); }
    for (let i = 0; i < elf.shnum; i++) cuts.add(elf.shoff + 64 * i);
    for (const s of elf.sections) cuts.add(s.offset + Math.max(0, s.size - 1));
    for (const n of cuts) {
      if (n < musl.length) expect(parseOutcome(musl.subarray(0, n)), `truncated at ${n}`).to.equal(ENOEXEC);
    }
  });

  it('4000 random byte strings (half with an ELF64 identification) are ENOEXEC', () => {
    const rand = prng(0x5eed);
    for (let i = 0; i < 4000; i++) {
      const bytes = new Uint8Array(Math.floor(rand() * 1024));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rand() * 256);
      if (i % 2 === 0) bytes.set(ELF_IDENT.slice(0, Math.min(ELF_IDENT.length, bytes.length)));
      expect(parseOutcome(bytes), `case ${i}`).to.equal(ENOEXEC);
    }
  });

  it('3000 mutations of a synthetic image go through parse, scan and map without a stray exception', () => {
    const rand = prng(42);
    const base = tinyElf(true);
    const mem = new GuestMemory(16 << 20);
    const seen = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const bytes = base.slice();
      const flips = 1 + Math.floor(rand() * 6);
      for (let k = 0; k < flips; k++) {
        // Mostly the headers, where mutations change structure; sometimes anywhere.
        const at = rand() < 0.7 ? Math.floor(rand() * 64 + 56 * 3) : Math.floor(rand() * bytes.length);
        bytes[at] = rand() < 0.3 ? 0xff : Math.floor(rand() * 256);
      }
      const r = String(loadOutcome(bytes, mem));
      seen.set(r, (seen.get(r) ?? 0) + 1);
    }
    // Both outcomes occur: the mutations are neither all harmless nor all fatal.
    expect(seen.get('ok') ?? 0).to.be.greaterThan(100);
    expect(seen.get(String(ENOEXEC)) ?? 0).to.be.greaterThan(100);
    expect([...seen.keys()].every((k) => k === 'ok' || Number(k) > 0)).to.equal(true);
  });

  it('300 mutations of the musl loader\'s program and section headers parse or give ENOEXEC', () => {
    const rand = prng(7);
    const elf = parseElf(musl);
    const regions: Array<[number, number]> = [[0, 64 + 56 * phnum], [elf.shoff, elf.shoff + 64 * elf.shnum]];
    for (let i = 0; i < 300; i++) {
      const bytes = musl.slice();
      const [lo, hi] = regions[i % 2];
      for (let k = 0; k < 1 + (i % 4); k++) bytes[lo + Math.floor(rand() * (hi - lo))] = Math.floor(rand() * 256);
      const r = parseOutcome(bytes);
      expect(r === 'ok' || r === ENOEXEC, `case ${i}: ${r}`).to.equal(true);
    }
  });
});
