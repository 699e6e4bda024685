import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { GuestMemory } from '../../cpu/memory.js';
import {
  EINVAL, ENOMEM, findSyscallSites, imageSpan, mapImage, parseElf, rewriteSiteAt,
} from '../../loader/index.js';
import { expectExecError, MUSL_LOADER } from './helpers.js';
import { DATA, TEXT, tinyElf } from './fixtures.js';

describe('loader: mapImage', () => {
  it('maps the musl loader: sites become ff d0, all other file bytes are copied, bss is zero', () => {
    const bytes = readFileSync(MUSL_LOADER);
    const elf = parseElf(bytes);
    const sites = findSyscallSites(elf, bytes);
    const mem = new GuestMemory(16 << 20);
    mem.u8.fill(0xaa, 0x100000, 0x400000); // stale contents that must not survive as bss
    const base = 0x200000;
    const m = mapImage(mem, elf, bytes, base, sites);
    expect(m.sites).to.equal(sites.length);
    expect(m.entry).to.equal(base + elf.entry);
    expect(m.phnum).to.equal(elf.phnum);
    expect(m.phent).to.equal(56);
    expect(m.phdr).to.equal(base + elf.phoff); // the first PT_LOAD maps file offset 0 at vaddr 0
    const siteByte = new Map<number, number>(sites.flatMap((s): Array<[number, number]> => [[s.offset, 0xff], [s.offset + 1, 0xd0]]));
    let compared = 0;
    for (const p of elf.loads) {
      for (let i = 0; i < p.memsz; i++) {
        const v = p.vaddr + i;
        const got = mem.u8[base + v];
        const want = siteByte.get(v);
        if (want !== undefined) {
          if (got !== want) expect.fail(`site byte at 0x${v.toString(16)} is 0x${got.toString(16)}`);
        } else if (i < p.filesz) {
          if (got !== bytes[p.offset + i]) expect.fail(`byte at 0x${v.toString(16)} differs from the file`);
          compared++;
        } else if (got !== 0) {
          expect.fail(`bss byte at 0x${v.toString(16)} is not zero`);
        }
      }
    }
    expect(compared).to.be.greaterThan(bytes.length / 2);
    const last = elf.loads[elf.loads.length - 1];
    expect(m.end).to.equal(base + last.vaddr + last.memsz);
    expect(last.memsz).to.be.greaterThan(last.filesz); // musl has a bss: the zero check above saw it
  });

  it('with sites null (trap path) copies the image unchanged', () => {
    const bytes = tinyElf(true);
    const elf = parseElf(bytes);
    const mem = new GuestMemory(1 << 20);
    const m = mapImage(mem, elf, bytes, 0x10000, null);
    expect(m.sites).to.equal(0);
    expect([...mem.u8.subarray(0x11000, 0x11000 + TEXT.length)]).to.deep.equal([...TEXT]);
    expect([...mem.u8.subarray(0x12000, 0x12000 + DATA.length)]).to.deep.equal([...DATA]);
    expect(mem.u8.subarray(0x12000 + DATA.length, 0x12100).every((b) => b === 0)).to.equal(true);
  });

  it('rewrites only recorded sites that hold their original bytes inside executable segments', () => {
    const bytes = tinyElf(true);
    const elf = parseElf(bytes);
    const mem = new GuestMemory(1 << 20);
    const good = findSyscallSites(elf, bytes);
    const bogus = [
      { offset: 0x2000, symbol: null, original: Uint8Array.of(0x0f, 0x05), kind: 'syscall' as const }, // data segment
      { offset: 0x1000, symbol: null, original: Uint8Array.of(0x0f, 0x05), kind: 'syscall' as const }, // not a syscall there
    ];
    const m = mapImage(mem, elf, bytes, 0x10000, [...good, ...bogus]);
    expect(m.sites).to.equal(good.length);
    for (const s of good) expect([mem.u8[0x10000 + s.offset], mem.u8[0x10001 + s.offset]]).to.deep.equal([0xff, 0xd0]);
    expect([mem.u8[0x12000], mem.u8[0x12001]]).to.deep.equal([0x0f, 0x05]);
    expect(mem.u8[0x11000]).to.equal(0xb8);
  });

  it('reports the writes to the CPU so cached code is dropped', () => {
    const bytes = tinyElf(true);
    const elf = parseElf(bytes);
    const mem = new GuestMemory(1 << 20);
    const pages: number[] = [];
    mem.codePages[0x11] = 1;
    mem.onCodeWrite = (p) => pages.push(p);
    mapImage(mem, elf, bytes, 0x10000, findSyscallSites(elf, bytes));
    expect(pages).to.include(0x11);
  });

  it('refuses a base that is misaligned or does not fit', () => {
    const bytes = tinyElf(true);
    const elf = parseElf(bytes);
    const mem = new GuestMemory(1 << 20);
    expect(imageSpan(elf)).to.deep.equal({ start: 0x1000, size: 0x2000, align: 4096 });
    expectExecError(() => mapImage(mem, elf, bytes, 0x10010, null), EINVAL, /not a multiple/);
    expectExecError(() => mapImage(mem, elf, bytes, (1 << 20) - 0x2000, null), ENOMEM, /does not fit/);
    expectExecError(() => mapImage(mem, elf, bytes, -0x1000, null), ENOMEM, /does not fit/); // would cover page 0
    expectExecError(() => mapImage(mem, elf, bytes.subarray(0, 100), 0x10000, null), EINVAL);
  });
});

describe('loader: rewriteSiteAt (lazy rewriting)', () => {
  it('rewrites syscall and sysenter, and nothing else', () => {
    const mem = new GuestMemory(1 << 20);
    mem.u8.set([0x0f, 0x05, 0x0f, 0x34, 0x0f, 0x06, 0x90, 0x90], 0x5000);
    expect(rewriteSiteAt(mem, 0x5000)).to.equal(true);
    expect(rewriteSiteAt(mem, 0x5002)).to.equal(true);
    expect(rewriteSiteAt(mem, 0x5004)).to.equal(false);
    expect(rewriteSiteAt(mem, 0x5000)).to.equal(false); // already ff d0
    expect([...mem.u8.subarray(0x5000, 0x5008)]).to.deep.equal([0xff, 0xd0, 0xff, 0xd0, 0x0f, 0x06, 0x90, 0x90]);
  });

  it('refuses addresses in page 0 or past the end of RAM', () => {
    const mem = new GuestMemory(1 << 20);
    mem.u8.set([0x0f, 0x05], 0x10);
    mem.u8.set([0x0f], (1 << 20) - 1);
    expect(rewriteSiteAt(mem, 0x10)).to.equal(false);
    expect(rewriteSiteAt(mem, (1 << 20) - 1)).to.equal(false);
    expect(rewriteSiteAt(mem, -2)).to.equal(false);
    expect(rewriteSiteAt(mem, 1.5)).to.equal(false);
  });
});
