/**
 * A quick subset of the conformance run (`nommu-um conformance` runs it
 * all): a few applets' BusyBox tests and a few hush tests, natively with
 * the host shell as harness and in the guest (the guest's hush running
 * runtest and run-all) under both syscall paths. Every test of the subset
 * that passes natively must pass in the guest.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConformance } from '../../cli/conformance/index.js';
import type { Report, SideName } from '../../cli/conformance/index.js';

/** Small and varied: file I/O and pipes (cat, uniq), parsing, redirection, functions, and hush's nommu re-exec paths. */
const SUBSET = 'cat,uniq,hush-parsing/[a-g]*.tests,hush-misc/nommu*.tests,hush-misc/func[1-5].tests';
const GUESTS: SideName[] = ['guest-zpoline', 'guest-trap'];

describe('conformance: quick subset, native and in the guest', function () {
  this.timeout(15 * 60 * 1000);
  let work: string;
  let report: Report;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'nommu-um-conformance-'));
    report = await runConformance({
      suites: ['applets', 'hush'], only: SUBSET, sides: ['native', ...GUESTS], jobs: 2, timeoutSec: 300,
      cpuTier: 'interp', mem: '256M', workDir: work,
    });
  });

  after(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('runs the subset natively, and it passes there', () => {
    const native = report.sides.find((s) => s.name === 'native')!;
    // cat 6 + uniq 14 runtest tests, 21 hush-parsing, 3 nommu, 5 func.
    expect(native.counts.PASS).to.be.at.least(45);
    expect(native.counts.FAIL + native.counts.TIMEOUT + native.counts.MISSING).to.equal(0);
  });

  for (const side of GUESTS) {
    it(`passes under ${side} every test that passes natively`, () => {
      const broken = report.tests.filter((t) => t.outcomes.native === 'PASS' && t.outcomes[side] !== 'PASS')
        .map((t) => `${t.id}: ${t.outcomes[side]}\n${t.details[side] ?? ''}`);
      expect(broken, broken.join('\n\n')).to.deep.equal([]);
      const guest = report.sides.find((s) => s.name === side)!;
      expect(guest.counts.PASS).to.equal(report.sides.find((s) => s.name === 'native')!.counts.PASS);
    });
  }
});
