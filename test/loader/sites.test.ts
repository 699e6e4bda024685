import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { findSyscallSites, parseElf } from '../../loader/index.js';
import { BUSYBOX, MUSL_LOADER, objdumpSiteCount } from './helpers.js';
import { SITES_SWEEP, SITES_WITH_SYMBOLS, tinyElf } from './fixtures.js';

describe('loader: syscall-site scanner', () => {
  for (const [name, file] of [['musl loader', MUSL_LOADER], ['busybox', BUSYBOX]] as const) {
    it(`finds as many sites in the ${name} as objdump shows`, () => {
      const bytes = readFileSync(file);
      const elf = parseElf(bytes);
      const sites = findSyscallSites(elf, bytes);
      expect(sites.length).to.equal(objdumpSiteCount(file));
      expect(elf.symbols.length).to.be.greaterThan(300); // the restart-at-symbols path is exercised
      for (const s of sites) {
        expect(s.original).to.have.length(2);
        expect(s.original[0]).to.equal(0x0f);
        expect(s.original[1]).to.be.oneOf([0x05, 0x34]);
        expect(s.kind).to.equal(s.original[1] === 0x05 ? 'syscall' : 'sysenter');
      }
    });
  }

  it('the musl loader has hundreds of sites, each at the file bytes 0f 05, ascending', () => {
    const bytes = readFileSync(MUSL_LOADER);
    const elf = parseElf(bytes);
    const sites = findSyscallSites(elf, bytes);
    expect(sites.length).to.be.greaterThan(300);
    const text = elf.loads.find((p) => (p.flags & 1) !== 0)!;
    for (let i = 0; i < sites.length; i++) {
      const o = text.offset + sites[i].offset - text.vaddr;
      expect([bytes[o], bytes[o + 1]]).to.deep.equal([...sites[i].original]);
      if (i > 0) expect(sites[i].offset).to.be.greaterThan(sites[i - 1].offset);
    }
    // Exported functions that make a system call themselves are named.
    expect(sites.some((s) => s.symbol === 'sysconf' || s.symbol === '_Exit')).to.equal(true);
  });

  it('decodes on instruction boundaries, restarts at function symbols and skips data objects', () => {
    const bytes = tinyElf(true);
    const sites = findSyscallSites(parseElf(bytes), bytes);
    expect(sites.map((s) => s.offset)).to.deep.equal(SITES_WITH_SYMBOLS);
    expect(sites.map((s) => s.symbol)).to.deep.equal(['f1', 'f2', null, 'f3']);
    expect(sites.map((s) => s.kind)).to.deep.equal(['syscall', 'sysenter', 'syscall', 'syscall']);
  });

  it('without symbols falls back to a linear sweep of the executable segments', () => {
    const bytes = tinyElf(false);
    const elf = parseElf(bytes);
    expect(elf.sections).to.have.length(0);
    expect(findSyscallSites(elf, bytes).map((s) => s.offset)).to.deep.equal(SITES_SWEEP);
  });
});
