/**
 * The mnemonic census (issue 4): every instruction form (iced Code) found in
 * BusyBox and the musl loader must be implemented by the engine. The census is
 * also written to build/census.json for the docs.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { supportedCodes } from '../../cpu/index.js';
import { CensusEntry, allFamilies, censusOf, mergeCensus, repoRoot } from './diff/index.js';

const BINARIES = ['build/rootfs/bin/busybox', 'build/rootfs/lib/ld-musl-x86_64.so.1'];

/** Census Codes that cannot run in the native harness: a real system call; a privileged instruction. */
const NOT_DIFFERENTIAL = ['Syscall', 'Hlt'];

describe('cpu: mnemonic census of busybox and the musl loader', function () {
  this.timeout(120_000);
  const root = repoRoot();
  const files = BINARIES.map((f) => join(root, f));
  let entries: CensusEntry[] = [];

  it('has the userland binaries to take the census of (built by npm run userspace)', () => {
    for (const f of files) expect(existsSync(f), `${f} is missing: run npm run userspace (npm test does it first)`).to.equal(true);
  });

  it('finds only instruction forms the engine implements', () => {
    const censuses = files.map((f) => censusOf(f));
    entries = mergeCensus(censuses);
    const supported = supportedCodes();
    mkdirSync(join(root, 'build'), { recursive: true });
    writeFileSync(join(root, 'build/census.json'), JSON.stringify({
      files: censuses.map((c) => ({
        file: c.file.slice(root.length + 1), instructions: c.instructions, undecodableBytes: c.undecodable, distinctCodes: c.codes.size,
      })),
      codes: entries.map((e) => ({ code: e.name, mnemonic: e.mnemonic, count: e.count, implemented: supported.has(e.code) })),
    }, null, 2) + '\n');
    for (const c of censuses) {
      // A sanity floor: the sweep decoded real code, not a handful of bytes.
      expect(c.instructions, c.file).to.be.greaterThan(10_000);
      expect(c.undecodable, `${c.file}: undecodable bytes`).to.be.lessThan(c.instructions / 100);
    }
    const missing = entries.filter((e) => !supported.has(e.code));
    const list = missing.map((e) => `${e.name} (${e.mnemonic}) x${e.count}`).join('\n  ');
    console.log(`    census: ${entries.length} distinct forms in ${censuses.reduce((a, c) => a + c.instructions, 0)} instructions; ${missing.length} not implemented`);
    expect(missing.length, `instruction forms used by the userland but not implemented:\n  ${list}`).to.equal(0);
  });

  it('has a differential-test form for every census Code (but syscall and hlt)', () => {
    expect(entries.length, 'the census ran').to.be.greaterThan(100);
    const forms = new Set(allFamilies().flatMap((f) => f.forms).map((f) => f.code));
    const untested = entries.filter((e) => !forms.has(e.code) && !NOT_DIFFERENTIAL.includes(e.name)).map((e) => `${e.name} x${e.count}`);
    expect(untested, 'census Codes without a differential-test form').to.deep.equal([]);
  });
});
