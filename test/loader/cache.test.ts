import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SiteCache, findSyscallSites, parseElf } from '../../loader/index.js';
import type { FileIdentity, SyscallSite } from '../../loader/index.js';
import { MUSL_LOADER } from './helpers.js';
import { tinyElf } from './fixtures.js';

const plain = (sites: SyscallSite[]): unknown[] =>
  sites.map((s) => ({ offset: s.offset, symbol: s.symbol, kind: s.kind, original: [...s.original] }));

describe('loader: SiteCache', () => {
  let dir = '';
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'nommu-um-cache-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const bytes = readFileSync(MUSL_LOADER);
  const elf = parseElf(bytes);
  const id: FileIdentity = { dev: 2049, ino: 123456, size: bytes.length, mtimeMs: 1700000000123.5 };

  it('scans once, then hits memory; a new cache on the same directory hits disk with the same sites', () => {
    const a = new SiteCache(dir);
    const first = a.sites(id, elf, bytes);
    expect(a.stats).to.deep.equal({ memoryHits: 0, diskHits: 0, scans: 1 });
    expect(plain(first)).to.deep.equal(plain(findSyscallSites(elf, bytes)));
    expect(a.sites(id, elf, bytes)).to.equal(first);
    expect(a.stats).to.deep.equal({ memoryHits: 1, diskHits: 0, scans: 1 });
    expect(readdirSync(dir)).to.have.length(1);

    const b = new SiteCache(dir);
    const again = b.sites(id, elf, bytes);
    expect(b.stats).to.deep.equal({ memoryHits: 0, diskHits: 1, scans: 0 });
    expect(plain(again)).to.deep.equal(plain(first));
    b.sites(id, elf, bytes);
    expect(b.stats.memoryHits).to.equal(1);
  });

  it('misses when the mtime (or any part of the identity) changes, and replaces the entry', () => {
    new SiteCache(dir).sites(id, elf, bytes);
    const c = new SiteCache(dir);
    c.sites({ ...id, mtimeMs: id.mtimeMs + 1 }, elf, bytes);
    expect(c.stats).to.deep.equal({ memoryHits: 0, diskHits: 0, scans: 1 });
    expect(readdirSync(dir)).to.have.length(1);
    const d = new SiteCache(dir);
    d.sites(id, elf, bytes);
    expect(d.stats.scans).to.equal(1); // the old identity's entry was replaced
    c.sites({ ...id, ino: id.ino + 1 }, elf, bytes);
    expect(c.stats.scans).to.equal(2);
  });

  it('ignores and rewrites a corrupt or lying disk entry', () => {
    new SiteCache(dir).sites(id, elf, bytes);
    const file = join(dir, readdirSync(dir)[0]);
    const good = readFileSync(file, 'utf8');
    const variants = [
      'not json {',
      '[]',
      JSON.stringify({ ...JSON.parse(good), format: 'other' }),
      good.replace(/"original":"0f05"/, '"original":"zz"'),
      // A site moved onto bytes that are not a syscall: caught by checking against the file.
      good.replace(/"offset":(\d+)/, (_m, v: string) => `"offset":${Number(v) + 1}`),
    ];
    for (const text of variants) {
      writeFileSync(file, text);
      const c = new SiteCache(dir);
      const sites = c.sites(id, elf, bytes);
      expect(c.stats, text.slice(0, 40)).to.deep.equal({ memoryHits: 0, diskHits: 0, scans: 1 });
      expect(sites.length).to.equal(findSyscallSites(elf, bytes).length);
      expect(readFileSync(file, 'utf8')).to.equal(good);
    }
  });

  it('works without a disk directory, and survives an unwritable one', () => {
    const tiny = tinyElf(true);
    const tid: FileIdentity = { dev: 1, ino: 2, size: tiny.length, mtimeMs: 3 };
    const m = new SiteCache(null);
    m.sites(tid, parseElf(tiny), tiny);
    m.sites(tid, parseElf(tiny), tiny);
    expect(m.stats).to.deep.equal({ memoryHits: 1, diskHits: 0, scans: 1 });
    const blocker = join(dir, 'file');
    writeFileSync(blocker, '');
    const u = new SiteCache(join(blocker, 'sub')); // a path under a regular file cannot be created
    expect(u.sites(tid, parseElf(tiny), tiny)).to.have.length(4);
  });
});
