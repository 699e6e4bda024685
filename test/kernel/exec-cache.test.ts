/**
 * exec of a file that ran before: the image cache gives back its parsed ELF
 * and prepared image, the pages that already hold the image are left alone
 * (the CPU keeps the code it decoded and compiled there), and the pages the
 * previous run changed (relocated data, bss, musl's state) are restored, so
 * the program behaves the same every time.
 */
import { expect } from 'chai';
import { PATHS, runGuest } from './guest.js';

/** `n` runs of the same BusyBox applet from one shell, each printing the same line. */
const script = (n: number): string => Array.from({ length: n }, () => '/bin/busybox basename /x/y/zz').join('; ');

describe('kernel: exec of the same file again', function () {
  this.timeout(600_000);

  for (const path of PATHS) {
    it(`keeps the decoded code and restores what the previous run changed (${path})`, async () => {
      const one = await runGuest(['/bin/sh', '-c', script(1)], { syscallPath: path });
      const four = await runGuest(['/bin/sh', '-c', script(4)], { syscallPath: path });
      expect(one.stdout).to.equal('zz\n');
      expect(four.stdout).to.equal('zz\n'.repeat(4));
      expect([one.code, four.code]).to.deep.equal([0, 0]);
      // sh itself, then one exec per applet run.
      expect(one.kernel.stats.execs).to.equal(2);
      expect(four.kernel.stats.execs).to.equal(5);
      // Three more runs of busybox + ld-musl make next to no blocks: their code was still in place.
      // (Counted as built, decoded or from a template: an earlier test in this process may have left templates.)
      const extra = four.kernel.cpu.builtBlocks - one.kernel.cpu.builtBlocks;
      expect(one.kernel.cpu.builtBlocks).to.be.greaterThan(1000);
      expect(extra).to.be.lessThan(one.kernel.cpu.builtBlocks / 10);
      // Each later exec found most pages in place and rewrote some (the data the previous run changed).
      const kept = four.kernel.stats.execPagesKept - one.kernel.stats.execPagesKept;
      const written = four.kernel.stats.execPagesWritten - one.kernel.stats.execPagesWritten;
      expect(kept).to.be.greaterThan(3 * 300);
      expect(written).to.be.greaterThan(0);
      expect(written).to.be.lessThan(kept / 10);
      // The image cache parsed busybox and ld-musl once each.
      const images = four.kernel.siteCache.images.stats;
      expect(images.parses).to.equal(2);
      expect(images.parseHits).to.equal(8);
    });
  }
});
