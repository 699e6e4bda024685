/**
 * exec of a file that ran before: the image cache gives back its parsed ELF
 * and prepared image, the pages that already hold the image are left alone
 * (the CPU keeps the code it decoded and compiled there), and the pages the
 * previous run changed (relocated data, bss, musl's state) are restored, so
 * the program behaves the same every time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
      // Three more runs of busybox + ld-musl decode next to nothing: their code was still in place.
      const extra = four.kernel.cpu.decodedBlocks - one.kernel.cpu.decodedBlocks;
      expect(extra).to.be.lessThan(one.kernel.cpu.decodedBlocks / 10);
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

describe('kernel: dispatcher clock reads', () => {
  it('every handler that reads t.callStartNs is in the dispatcher\'s NEEDS_START list', () => {
    // The dispatcher reads the clock at entry only for the calls it names (a clock read costs more
    // than a cheap syscall); a new handler using callStartNs must be added there.
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!readdirSync(dir).includes('package.json')) dir = dirname(dir);
    const kernel = join(dir, 'kernel');
    const users: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts') && readFileSync(p, 'utf8').includes('callStartNs')) users.push(p.slice(kernel.length + 1));
      }
    };
    walk(kernel);
    // A new reader is a reason to look at the list (and to extend this one).
    expect(users.sort()).to.deep.equal([
      'syscalls/dispatch.ts', 'syscalls/futex.ts', 'syscalls/signal.ts', 'syscalls/time.ts', 'task.ts', 'tty/jobctl.ts', 'tty/tty.ts',
    ]);
    const dispatch = readFileSync(join(kernel, 'syscalls/dispatch.ts'), 'utf8');
    const list = /const NEEDS_START = \[([^\]]*)\]/.exec(dispatch)?.[1] ?? '';
    // time.ts: nanosleep, clock_nanosleep; futex.ts; signal.ts: rt_sigtimedwait; tty.ts: VTIME of a read.
    for (const name of ['nanosleep', 'clock_nanosleep', 'futex', 'rt_sigtimedwait', 'read', 'readv', 'pread64', 'preadv', 'preadv2']) {
      expect(list).to.contain(`'${name}'`);
    }
  });
});
