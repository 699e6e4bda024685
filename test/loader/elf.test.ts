import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  ENOEXEC, ET_DYN, ET_EXEC, PF_R, PF_W, PF_X, PT_INTERP, PT_LOAD, checkLoadable, findSyscallSites, imageSpan, parseElf,
} from '../../loader/index.js';
import { BUSYBOX, EHDR, MUSL_LOADER, PHDR, buildElf, expectExecError, objdumpSiteCount, patched } from './helpers.js';
import { tinyElf } from './fixtures.js';

/** PT_LOAD rows of `readelf -lW`: offset, vaddr, filesz, memsz (an independent parser to compare with). */
function readelfLoads(file: string): number[][] {
  const text = execFileSync('readelf', ['-lW', file], { encoding: 'utf8' });
  return text.split('\n').filter((l) => /^\s+LOAD\s/.test(l))
    .map((l) => l.trim().split(/\s+/).slice(1, 6).filter((_, i) => i !== 2).map((v) => Number.parseInt(v, 16)));
}

describe('loader: parseElf on real files', () => {
  for (const [name, file] of [['musl loader', MUSL_LOADER], ['busybox', BUSYBOX]] as const) {
    it(`parses the ${name} and agrees with readelf on its PT_LOAD segments`, () => {
      const bytes = readFileSync(file);
      const elf = parseElf(bytes);
      expect(elf.type).to.equal(ET_DYN);
      expect(elf.phentsize).to.equal(56);
      expect(elf.loads.map((p) => [p.offset, p.vaddr, p.filesz, p.memsz])).to.deep.equal(readelfLoads(file));
      expect(() => checkLoadable(elf)).not.to.throw();
      const span = imageSpan(elf);
      expect(span.start).to.equal(0);
      expect(span.size % 4096).to.equal(0);
      const last = elf.loads[elf.loads.length - 1];
      expect(span.size).to.be.at.least(last.vaddr + last.memsz).and.below(last.vaddr + last.memsz + 4096);
    });
  }

  it('reads the interpreter of busybox and none for the musl loader', () => {
    expect(parseElf(readFileSync(BUSYBOX)).interp).to.equal('/lib/ld-musl-x86_64.so.1');
    expect(parseElf(readFileSync(MUSL_LOADER)).interp).to.equal(null);
  });

  it('reads the dynamic symbols of the musl loader (as many as readelf lists)', () => {
    const elf = parseElf(readFileSync(MUSL_LOADER));
    const text = execFileSync('readelf', ['--dyn-syms', '-W', MUSL_LOADER], { encoding: 'utf8' });
    const rows = text.split('\n').filter((l) => /^\s+\d+:/.test(l)).length;
    expect(elf.symbols.filter((s) => s.table === 'dynsym')).to.have.length(rows - 1); // minus the null symbol
    expect(elf.symbols.some((s) => s.name === 'malloc')).to.equal(true);
  });
});

describe('loader: the PIE-only rule', () => {
  let dir = '';
  let nonPie = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nommu-um-nopie-'));
    writeFileSync(join(dir, 'hello.c'), '#include <unistd.h>\nint main(void) { write(1, "hello\\n", 6); return 0; }\n');
    nonPie = join(dir, 'hello');
    execFileSync('musl-gcc', ['-static', '-no-pie', '-O1', '-o', nonPie, join(dir, 'hello.c')]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('parses an ET_EXEC built with musl-gcc -static -no-pie but refuses to load it', () => {
    const elf = parseElf(readFileSync(nonPie));
    expect(elf.type).to.equal(ET_EXEC);
    expectExecError(() => checkLoadable(elf), ENOEXEC, /not a position-independent executable \(ET_EXEC\).*no-MMU/);
  });

  it('scans the static ET_EXEC with its symbol table and finds every site objdump shows', () => {
    const bytes = readFileSync(nonPie);
    const elf = parseElf(bytes);
    expect(elf.symbols.filter((s) => s.table === 'symtab').length).to.be.greaterThan(20);
    const sites = findSyscallSites(elf, bytes);
    expect(sites.length).to.be.greaterThan(0);
    expect(sites.length).to.equal(objdumpSiteCount(nonPie));
    expect(sites.every((s) => s.symbol !== null)).to.equal(true);
  });

  it('accepts an ET_DYN image', () => {
    expect(() => checkLoadable(parseElf(tinyElf(true)))).not.to.throw();
  });
});

describe('loader: malformed ELF files are refused with ENOEXEC and a precise reason', () => {
  const good = tinyElf(true);
  const ph = (i: number, field: number): number => 64 + 56 * i + field;
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['empty file', new Uint8Array(0), /not an ELF file/],
    ['wrong magic', patched(good, 1, 1, 0x46), /not an ELF file/],
    ['32-bit class', patched(good, 4, 1, 1), /ELF class 1 .*32-bit/],
    ['invalid class', patched(good, 4, 1, 7), /ELF class 7/],
    ['big-endian', patched(good, 5, 1, 2), /little-endian/],
    ['identification version', patched(good, 6, 1, 0), /identification version/],
    ['header cut short', good.slice(0, 40), /truncated ELF header: 40 of 64/],
    ['ET_REL', patched(good, EHDR.type, 2, 1), /ET_REL.*relocatable/],
    ['ET_CORE', patched(good, EHDR.type, 2, 4), /ET_CORE/],
    ['wrong machine (aarch64)', patched(good, EHDR.machine, 2, 183), /machine 183 is not x86-64/],
    ['e_version', patched(good, EHDR.version, 4, 2), /ELF version 2/],
    ['e_phentsize', patched(good, EHDR.phentsize, 2, 32), /e_phentsize 32/],
    ['no program headers', patched(good, EHDR.phnum, 2, 0), /no program headers/],
    ['e_phnum 74 (table > 4096 bytes)', patched(good, EHDR.phnum, 2, 74), /e_phnum 74.*4096/],
    ['e_phnum 65535', patched(good, EHDR.phnum, 2, 65535), /e_phnum 65535/],
    ['program headers past the end', patched(good, EHDR.phoff, 8, good.length - 60), /program header table .* past the end/],
    ['e_phoff near 2^64', patched(good, EHDR.phoff, 8, 0xffff_ffff_ffff_ff00n), /program header table/],
    ['segment past the end of file', patched(good, ph(0, PHDR.offset), 8, good.length - 4), /PT_LOAD segment 0 .* past the end/],
    ['segment size absurd', patched(good, ph(0, PHDR.filesz), 8, 0x7fff_ffff_ffff_0000n), /PT_LOAD segment 0/],
    ['p_filesz > p_memsz', patched(good, ph(1, PHDR.memsz), 8, 4), /p_filesz 0x8 is larger than p_memsz 0x4/],
    ['overlapping PT_LOAD', patched(good, ph(1, PHDR.vaddr), 8, 0x1010), /PT_LOAD segments 0 and 1 overlap/],
    ['descending PT_LOAD', patched(good, ph(1, PHDR.vaddr), 8, 0x800), /ascending p_vaddr/],
    ['span over 1 GiB', patched(good, ph(1, PHDR.vaddr), 8, 0x4000_2000), /span .* more than 1 GiB/],
    ['vaddr past user space', patched(good, ph(1, PHDR.vaddr), 8, 0xffff_8000_0000_0000n), /user address space/],
    ['absurd p_align', patched(good, ph(0, PHDR.align), 8, 2n ** 40n), /p_align/],
    ['no PT_LOAD', patched(patched(good, ph(0, PHDR.type), 4, 4), ph(1, PHDR.type), 4, 4), /no PT_LOAD/],
    ['e_shentsize', patched(good, EHDR.shentsize, 2, 40), /e_shentsize 40/],
    ['e_shnum 65535', patched(good, EHDR.shnum, 2, 65535), /section/],
    ['section table past the end', patched(good, EHDR.shoff, 8, good.length - 10), /section header table .* past the end/],
    ['section name table index', patched(good, EHDR.shstrndx, 2, 60), /section name table index 60/],
    ['section name table not a string table', patched(good, EHDR.shstrndx, 2, 2), /not SHT_STRTAB/],
  ];
  for (const [name, bytes, re] of cases) {
    it(name, () => { expectExecError(() => parseElf(bytes), ENOEXEC, re); });
  }

  it('extended section numbering with an absurd count', () => {
    const shoff = Number(new DataView(good.buffer).getBigUint64(EHDR.shoff, true));
    const bytes = patched(patched(good, EHDR.shnum, 2, 0), shoff + 32, 8, 2n ** 40n);
    expectExecError(() => parseElf(bytes), ENOEXEC, /section count/);
  });

  it('a section extending past the end of file', () => {
    const shoff = Number(new DataView(good.buffer).getBigUint64(EHDR.shoff, true));
    expectExecError(() => parseElf(patched(good, shoff + 64 * 2 + 32, 8, good.length)), ENOEXEC, /section 2 .* past the end/);
  });

  it('a string table that is not NUL-terminated', () => {
    const shoff = Number(new DataView(good.buffer).getBigUint64(EHDR.shoff, true));
    const dv = new DataView(good.buffer);
    const strOff = Number(dv.getBigUint64(shoff + 64 * 3 + 24, true));
    const strSize = Number(dv.getBigUint64(shoff + 64 * 3 + 32, true));
    expectExecError(() => parseElf(patched(good, strOff + strSize - 1, 1, 0x41)), ENOEXEC, /not NUL-terminated/);
  });

  it('a symbol table with a bad entry size or string table link', () => {
    const shoff = Number(new DataView(good.buffer).getBigUint64(EHDR.shoff, true));
    expectExecError(() => parseElf(patched(good, shoff + 64 * 2 + 56, 8, 16)), ENOEXEC, /sh_entsize 16/);
    expectExecError(() => parseElf(patched(good, shoff + 64 * 2 + 40, 4, 1)), ENOEXEC, /sh_link 1 is not a string table/);
    expectExecError(() => parseElf(patched(good, shoff + 64 * 2 + 32, 8, 30)), ENOEXEC, /not a multiple of 24/);
  });

  it('PT_INTERP: read when valid, refused when empty, too long, unterminated or outside the file', () => {
    const interp = new TextEncoder().encode('/lib/ld-musl-x86_64.so.1\0');
    const make = (data: Uint8Array): Uint8Array => buildElf({
      segments: [
        { type: PT_INTERP, flags: PF_R, vaddr: 0x3000, data },
        { type: PT_LOAD, flags: PF_R | PF_X, vaddr: 0x1000, data: Uint8Array.of(0xc3) },
      ],
    });
    expect(parseElf(make(interp)).interp).to.equal('/lib/ld-musl-x86_64.so.1');
    expectExecError(() => parseElf(make(Uint8Array.of(0))), ENOEXEC, /PT_INTERP size 1/);
    expectExecError(() => parseElf(make(new Uint8Array(4097).fill(0x61))), ENOEXEC, /PT_INTERP size 4097/);
    expectExecError(() => parseElf(make(interp.subarray(0, interp.length - 1))), ENOEXEC, /not NUL-terminated/);
    const outside = patched(make(interp), 64 + PHDR.offset, 8, 1 << 20);
    expectExecError(() => parseElf(outside), ENOEXEC, /PT_INTERP .* past the end/);
  });

  it('a writable-only image parses (what is executable is the rewriter\'s concern)', () => {
    const elf = parseElf(buildElf({ segments: [{ type: PT_LOAD, flags: PF_R | PF_W, vaddr: 0x1000, data: Uint8Array.of(1) }] }));
    expect(elf.loads).to.have.length(1);
  });
});
