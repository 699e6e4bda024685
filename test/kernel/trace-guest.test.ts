/**
 * Syscall loops run as traces (cpu/trace.ts): lat_syscall's rows, on the
 * reference interpreter and on the compiled tier, where each loop through
 * the gate becomes one trace. Under the deterministic clock (time = retired
 * instructions) the program's own output is its instruction count, so equal
 * output and equal totals mean the traces retired exactly what the
 * interpreter did, system calls included.
 */
import { expect } from 'chai';
import { runGuest } from './guest.js';
import { guestBenchDir } from '../../userspace/index.js';

describe('kernel: syscall loops as traces', function () {
  this.timeout(600_000);

  // select-10's loop (12 blocks, 171 instructions) would be a 50 KB trace, over the cap: it runs as blocks.
  const traced: Record<string, boolean> = { getpid: true, syscall: true, read: true, write: true, 'select-10': false };
  for (const [row, isTraced] of Object.entries(traced)) {
    it(`lat_syscall ${row}: the same output and counts on the interpreter and in traces`, async () => {
      const argv = [`${guestBenchDir}/lat_syscall`, '-n', '3000', '-w', '0', row];
      const interp = await runGuest(argv, { deterministic: true, cpuTier: 'interp' });
      const compiled = await runGuest(argv, { deterministic: true, cpuTier: 'compiled' });
      expect(interp.code, interp.stderr).to.equal(0);
      expect(compiled.code, compiled.stderr).to.equal(0);
      expect(compiled.stdout).to.match(new RegExp(`^row=${row} iterations=3000 `));
      expect(compiled.stdout).to.equal(interp.stdout);
      expect(compiled.kernel.cpu.retiredTotal).to.equal(interp.kernel.cpu.retiredTotal);
      expect(compiled.kernel.stats.totalCalls).to.equal(interp.kernel.stats.totalCalls);
      expect(interp.kernel.cpu.tracesMade).to.equal(0);
      expect(compiled.kernel.cpu.tracesMade > 0).to.equal(isTraced);
    });
  }
});
