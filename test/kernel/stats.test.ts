/**
 * Syscall statistics and CPU-time accounting without a clock read per
 * syscall: counts are exact, host time is sampled for cheap calls (and
 * measured for slow ones), and user plus system time still add up to the
 * time the task ran.
 */
import { expect } from 'chai';
import { Stats } from '../../kernel/index.js';
import { runGuest } from './guest.js';
import { guestBenchDir } from '../../userspace/index.js';

describe('kernel: statistics', () => {
  it('counts completed calls per number (typed arrays below 1024, a map above), names unnamed numbers', () => {
    const s = new Stats();
    s.record(39, 'getpid', 0, true);
    s.record(39, 'getpid', 0.5, true);
    s.record(0, 'read', 0.25, false); // blocked: time, no completed call
    s.record(0, 'read', 0, true);
    s.record(5000, '', 0, true);
    s.record(333, '', 0, true);
    expect(s.rows()).to.deep.equal([
      { nr: 39, name: 'getpid', calls: 2, timeMs: 0.5 },
      { nr: 0, name: 'read', calls: 1, timeMs: 0.25 },
      { nr: 333, name: 'syscall_333', calls: 1, timeMs: 0 },
      { nr: 5000, name: 'syscall_5000', calls: 1, timeMs: 0 },
    ]);
    expect(s.totalCalls).to.equal(5);
  });

  it('gives the same counts with the real clock (sampled timing) as with --deterministic, and charges CPU time', async function () {
    this.timeout(120_000);
    const argv = [`${guestBenchDir}/lat_syscall`, '-n', '3000', '-w', '0', 'getpid'];
    const real = await runGuest(argv);
    const det = await runGuest(argv, { deterministic: true });
    expect(real.code).to.equal(0);
    const counts = (rows: ReturnType<Stats['rows']>) => rows.map((r) => [r.name, r.calls]);
    expect(counts(real.kernel.stats.rows())).to.deep.equal(counts(det.kernel.stats.rows()));
    expect(real.kernel.stats.rows().find((r) => r.name === 'getpid')?.calls).to.be.at.least(3000);
    // Sampled host time: some of the 3000 getpid calls were timed and stand for the others.
    expect(real.kernel.stats.rows().find((r) => r.name === 'getpid')?.timeMs).to.be.greaterThan(0);
    const p = real.kernel.initProcess!.cpuTimes();
    expect(p.utimeNs).to.be.greaterThan(0);
    expect(p.stimeNs).to.be.greaterThan(0);
    // --deterministic: user time is the instruction count (1 ns each), no host time at all.
    const d = det.kernel.initProcess!.cpuTimes();
    expect(d.stimeNs).to.equal(0);
    expect(d.utimeNs).to.equal(det.kernel.cpu.retiredTotal);
  });
});
