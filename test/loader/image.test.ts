import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { Cpu, CpuContext, ExitReason, GuestMemory } from '../../cpu/index.js';
import {
  EINVAL, ENOMEM, ImageCache, SiteCache, findSyscallSites, imageSpan, mapImage, parseElf, placeImage, prepareImage, rewriteSiteAt,
} from '../../loader/index.js';
import type { FileIdentity } from '../../loader/index.js';
import { expectExecError, MUSL_LOADER } from './helpers.js';
import { tinyElf } from './fixtures.js';

const PAGE = 4096;

describe('loader: prepareImage / placeImage', () => {
  it('places the same bytes as mapImage (musl loader, sites rewritten)', () => {
    const bytes = readFileSync(MUSL_LOADER);
    const elf = parseElf(bytes);
    const sites = findSyscallSites(elf, bytes);
    const img = prepareImage(elf, bytes, sites);
    const span = imageSpan(elf);
    expect(img.bytes.length).to.equal(span.size);
    expect(img.sites).to.equal(sites.length);
    const a = new GuestMemory(16 << 20);
    const b = new GuestMemory(16 << 20);
    a.u8.fill(0x5a, 0x100000, 0x400000);
    b.u8.fill(0xa5, 0x100000, 0x400000);
    const base = 0x200000;
    mapImage(a, elf, bytes, base, sites);
    const m = placeImage(b, img, base);
    expect(m.sites).to.equal(sites.length);
    expect(Buffer.compare(a.u8.subarray(base + span.start, base + span.start + span.size),
      b.u8.subarray(base + span.start, base + span.start + span.size))).to.equal(0);
    expect(m.pagesWritten).to.equal(span.size / PAGE); // every page held 0xa5
  });

  it('writes and notifies only the pages whose bytes differ: data changed by a previous run, bss, nothing else', () => {
    const bytes = tinyElf(true);
    const elf = parseElf(bytes);
    const img = prepareImage(elf, bytes, null);
    const mem = new GuestMemory(1 << 20);
    const base = 0x10000;
    const text = base + 0x1000, data = base + 0x2000;
    expect(placeImage(mem, img, base).pagesWritten).to.equal(2);
    const notified: number[] = [];
    mem.onCodeWrite = (p) => notified.push(p);
    mem.codePages.fill(1, text / PAGE, data / PAGE + 1); // pretend the CPU decoded code on both pages

    // The same image again: nothing to write, no decoded code dropped.
    expect(placeImage(mem, img, base).pagesWritten).to.equal(0);
    expect(notified).to.deep.equal([]);

    // The previous run wrote its data and its bss: only that page is restored. (Writes are reported, as
    // every store of the CPU and every kernel copy to a watched page is: GuestMemory.notifyWrite.)
    mem.writeU8(data + 3, 0x77);
    mem.writeU8(data + 0x80, 0x99); // bss (filesz 8, memsz 0x100)
    notified.length = 0;
    const m = placeImage(mem, img, base);
    expect(m.pagesWritten).to.equal(1);
    expect(notified).to.deep.equal([data / PAGE]);
    expect(mem.u8[data + 3]).to.equal(img.bytes[0x1003]);
    expect(mem.u8[data + 0x80]).to.equal(0);

    // A change in the text page is put back too.
    notified.length = 0;
    mem.writeU8(text + 5, 0xcc);
    notified.length = 0;
    expect(placeImage(mem, img, base).pagesWritten).to.equal(1);
    expect(notified).to.deep.equal([text / PAGE]);
    expect(mem.u8[text + 5]).to.equal(0x0f);
  });

  it('keeps the CPU\'s decoded blocks on unchanged pages and drops them where the image had to be restored', () => {
    const bytes = tinyElf(true);
    const elf = parseElf(bytes);
    const img = prepareImage(elf, bytes, null); // the trap path: syscall stays syscall
    const mem = new GuestMemory(1 << 20);
    const cpu = new Cpu(mem);
    const base = 0x10000;
    const f1 = base + 0x1000; // mov eax, 60; syscall; ret
    const runF1 = (exit = ExitReason.SyscallTrap): CpuContext => {
      const ctx = new CpuContext();
      ctx.rip = f1;
      ctx.setReg(4, 0x80000);
      expect(cpu.run(ctx, 100)).to.equal(exit);
      return ctx;
    };
    placeImage(mem, img, base);
    runF1();
    const decoded = cpu.decodedBlocks;
    expect(cpu.cachedBlocks).to.equal(1);

    // Exec of the same file at the same base, after the run dirtied only data: the block survives.
    mem.writeU32(base + 0x2004, 0xdeadbeef);
    expect(placeImage(mem, img, base).pagesWritten).to.equal(1);
    runF1();
    expect(cpu.decodedBlocks).to.equal(decoded);

    // The site was rewritten at run time (lazypoline); placing the unrewritten image restores it and drops the block.
    expect(rewriteSiteAt(mem, f1 + 5)).to.equal(true);
    expect(cpu.cachedBlocks).to.equal(0);
    runF1(ExitReason.Gate); // call *%rax with rax = 60 now
    expect(placeImage(mem, img, base).pagesWritten).to.equal(1);
    expect(mem.u8[f1 + 5]).to.equal(0x0f);
    expect(cpu.cachedBlocks).to.equal(0);
    const ctx = runF1();
    expect(ctx.trapSiteAddr).to.equal(f1 + 5);
  });

  it('compares only pages written since it placed them: watched pages that nobody wrote are known', () => {
    const bytes = readFileSync(MUSL_LOADER);
    const elf = parseElf(bytes);
    const img = prepareImage(elf, bytes, findSyscallSites(elf, bytes));
    const span = imageSpan(elf);
    const mem = new GuestMemory(16 << 20);
    const cpu = new Cpu(mem);
    const base = 0x200000, lo = base + span.start;
    const pages = span.size / PAGE;
    const compared = (): number => {
      const orig = Buffer.compare;
      let bytesCompared = 0;
      Buffer.compare = ((a: Uint8Array, b: Uint8Array) => { bytesCompared += a.length; return orig(a, b); }) as typeof Buffer.compare;
      try { placeImage(mem, img, base); } finally { Buffer.compare = orig; }
      return bytesCompared / PAGE;
    };
    // First placement over other bytes: each 16-page chunk, then its pages.
    expect(compared()).to.equal(2 * pages);
    // Placed again with nothing written: no page compared, nothing written.
    expect(compared()).to.equal(0);
    // A store by the CPU into a page of it (the guest's data), and a kernel copy into another.
    const data = lo + (pages - 2) * PAGE;
    const ctx = new CpuContext();
    mem.u8.set([0x89, 0x18, 0x0f, 0x0b], 0x300000); // mov [rax], ebx; ud2
    ctx.rip = 0x300000;
    ctx.setReg(0, data + 16);
    ctx.setReg(3, 0x12345678);
    expect(cpu.run(ctx, 10)).to.equal(ExitReason.Fault);
    expect(mem.readU32(data + 16)).to.equal(0x12345678);
    mem.writeBytes(lo + 5 * PAGE + 100, new Uint8Array([1, 2, 3]));
    // Only those two pages' chunks (16 pages each, then page by page inside) are compared, and they are restored.
    const n = compared();
    expect(n).to.be.above(1).and.at.most(2 * 16 + 2 * 16);
    expect(mem.readU32(data + 16)).to.equal(new DataView(img.bytes.buffer).getUint32(data + 16 - lo, true));
    expect(Buffer.compare(mem.u8.subarray(lo, lo + span.size), img.bytes)).to.equal(0);
    expect(compared()).to.equal(0);
  });

  it('refuses a misaligned base, an image that does not fit, and bytes that are not the parsed file', () => {
    const bytes = tinyElf(false);
    const elf = parseElf(bytes);
    const img = prepareImage(elf, bytes, null);
    const mem = new GuestMemory(1 << 20);
    expectExecError(() => placeImage(mem, img, 0x10010), EINVAL, /not a multiple/);
    expectExecError(() => placeImage(mem, img, (1 << 20) - 0x2000), ENOMEM, /does not fit/);
    expectExecError(() => placeImage(mem, img, -0x1000), ENOMEM, /does not fit/);
    expectExecError(() => prepareImage(elf, bytes.subarray(0, 100), null), EINVAL);
  });
});

describe('loader: ImageCache', () => {
  const bytes = readFileSync(MUSL_LOADER);
  const id: FileIdentity = { dev: 7, ino: 42, size: bytes.length, mtimeMs: 1700000000000 };

  it('parses and prepares once per file; each syscall path has its own prepared image', () => {
    const sites = new SiteCache(null);
    const c = sites.images;
    const elf = c.parse(id, bytes);
    expect(c.parse(id, Uint8Array.from(bytes))).to.equal(elf); // equal bytes, another buffer
    expect(c.stats.parses).to.equal(1);
    expect(c.stats.parseHits).to.equal(1);
    const z = c.prepare(id, elf, bytes, true);
    const t = c.prepare(id, elf, bytes, false);
    expect(z).to.not.equal(t);
    expect(c.prepare(id, elf, bytes, true)).to.equal(z);
    expect(c.prepare(id, elf, bytes, false)).to.equal(t);
    expect(c.stats).to.include({ prepares: 2, prepareHits: 2 });
    expect(sites.stats.scans).to.equal(1);
    expect(z.sites).to.be.greaterThan(0);
    expect(t.sites).to.equal(0);
    expect(c.size).to.equal(bytes.length + z.bytes.length + t.bytes.length);
  });

  it('does not trust the identity alone: other bytes under the same identity are parsed again', () => {
    const c = new SiteCache(null).images;
    const elf = c.parse(id, bytes);
    const changed = Uint8Array.from(bytes);
    changed[changed.length - 1] ^= 0xff; // past every segment's start: still a valid ELF
    const elf2 = c.parse(id, changed);
    expect(elf2).to.not.equal(elf);
    expect(c.stats.parses).to.equal(2);
    expect(c.prepare(id, elf2, changed, false)).to.not.equal(c.prepare(id, elf, bytes, false));
  });

  it('drops the least recently used file past its byte budget', () => {
    const small = tinyElf(true);
    const a: FileIdentity = { dev: 1, ino: 1, size: small.length, mtimeMs: 1 };
    const b: FileIdentity = { ...a, ino: 2 };
    const c: FileIdentity = { ...a, ino: 3 };
    const budget = 2 * small.length + 10;
    const limited = new ImageCache(new SiteCache(null), budget);
    limited.parse(a, small);
    limited.parse(b, small);
    limited.parse(a, small); // a is now the most recent
    limited.parse(c, small); // over budget: b goes
    expect(limited.size).to.be.at.most(budget);
    const parses = limited.stats.parses;
    limited.parse(a, small);
    expect(limited.stats.parses).to.equal(parses);
    limited.parse(b, small);
    expect(limited.stats.parses).to.equal(parses + 1);
  });
});
