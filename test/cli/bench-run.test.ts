import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { runBench } from '../../cli/bench.js';
import { PATHS, hostPath, LAT_SYSCALL, runSyscallSuite } from '../../cli/bench/index.js';
import { rootfsDir } from '../../userspace/index.js';
import { checkWellFormed } from './bench-xml.js';

/** The compiled CLI next to this compiled test (same output directory). */
const CLI = fileURLToPath(new URL('../../cli/index.js', import.meta.url));

interface JsonCell { ok: boolean; value?: number; samples?: number[]; kind?: string; reason?: string }

async function bench(args: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '', err = '';
  const status = await runBench(args, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { status, out, err };
}

/** A cell holds a positive number, or says why it has none. */
function expectNumberOrReason(c: JsonCell | undefined, where: string): void {
  expect(c, where).to.not.equal(undefined);
  if (c!.ok) {
    expect(c!.value, where).to.be.a('number').above(0);
    expect(c!.samples, where).to.be.an('array').that.is.not.empty;
  } else {
    expect(c!.kind, where).to.be.oneOf(['failed', 'unavailable']);
    expect(c!.reason, where).to.be.a('string').that.is.not.empty;
  }
}

describe('cli: nommu-um bench (end to end)', function () {
  this.timeout(600_000);
  let dir = '';
  before(() => { dir = mkdtempSync(join(tmpdir(), 'nommu-um-bench-run-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the guest root holds lat_syscall', () => {
    expect(existsSync(hostPath(rootfsDir(), LAT_SYSCALL)), 'run npm run userspace').to.equal(true);
  });

  it('--rows syscall --iterations 50: every column has a number or a reason, in the table, the JSON and the chart', async () => {
    const json = join(dir, 'syscall.json'), svg = join(dir, 'syscall.svg');
    const r = await bench(['--rows', 'syscall', '--iterations', '50', '--repeat', '1', '--json', json, '--svg', svg]);
    expect(r.status, r.err).to.equal(0);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.suite).to.equal('syscall');
    expect(report.machine.cores).to.be.a('number').above(0);
    expect(report.machine.cpuModel).to.be.a('string').that.is.not.empty;
    expect(report.machine.node).to.equal(process.version);
    expect(report.machine).to.have.property('qemu');
    expect(Date.parse(report.machine.date)).to.be.a('number').not.NaN;
    expect(report.rows).to.have.length(1);
    const row = report.rows[0];
    expect(row.row).to.equal('syscall');
    for (const p of PATHS) {
      expectNumberOrReason(row.cells[p], p);
      expect(row.iterations[p]).to.equal(50);
    }
    for (const p of ['trap', 'zpoline']) {
      const c = row.counts[p];
      if (c.ok) expect(c.instructions, p).to.be.above(0); else expect(c.reason, p).to.be.a('string').that.is.not.empty;
    }
    // The table has the row with a value or a marked failure in each of the four path columns.
    const line = r.out.split('\n').find((l) => l.startsWith('syscall'))!;
    const cols = line.trim().split(/\s{2,}/);
    expect(cols).to.have.length(7);
    for (const c of cols.slice(1, 5)) expect(c).to.match(/^(\d+(\.\d+)?|failed\[\d+\]|n\/a\[\d+\]|not installed\[\d+\])$/);
    expect(r.err).to.match(/bench: \[1\/1\] syscall native \(n=50, run 1\/1\): \d/);
    const chart = readFileSync(svg, 'utf8');
    checkWellFormed(chart);
    const measured = PATHS.filter((p) => row.cells[p].ok).length;
    expect(chart.match(/<rect class="bar"/g) ?? []).to.have.length(measured);
  });

  it('on the reference interpreter both simulator paths measure, and count 1 syscall per op with fewer instructions on trap (no sled)', async () => {
    const json = join(dir, 'interp.json');
    const r = await bench(['--rows', 'syscall,read', '--iterations', '40', '--repeat', '1', '--paths', 'trap,zpoline', '--cpu-tier', 'interp', '--json', json]);
    expect(r.status, r.err).to.equal(0);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    for (const row of report.rows) {
      for (const p of ['trap', 'zpoline']) {
        expect(row.cells[p].ok, `${row.row} ${p}: ${row.cells[p].reason}`).to.equal(true);
        expect(row.counts[p].ok, `${row.row} ${p} count: ${row.counts[p].reason}`).to.equal(true);
        expect(row.counts[p].syscalls, `${row.row} ${p}`).to.equal(1);
      }
      // zpoline's round trip runs the call into page 0 and the nop sled (counted); the trap path has neither.
      expect(row.counts.zpoline.instructions).to.be.above(row.counts.trap.instructions);
      expect(row.cells).to.not.have.property('native');
    }
  });

  it('--suite cpu: the simulator computes what native computes (outputs compared), with guest MIPS', async () => {
    const json = join(dir, 'cpu.json');
    const r = await bench(['--suite', 'cpu', '--rows', 'md5sum,awk', '--scale', '0.01', '--paths', 'native,zpoline', '--cpu-tier', 'interp', '--json', json]);
    expect(r.status, r.err).to.equal(0);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.workloads.map((w: { name: string }) => w.name)).to.deep.equal(['md5sum', 'awk']);
    for (const w of report.workloads) {
      expect(w.checked, w.name).to.equal(true);
      expect(w.cells.native.ok, `${w.name} native: ${w.cells.native.reason}`).to.equal(true);
      expect(w.cells.zpoline.ok, `${w.name} zpoline: ${w.cells.zpoline.reason}`).to.equal(true);
      expect(w.sim.zpoline.retired, w.name).to.be.above(100_000);
      expect(w.sim.zpoline.mips, w.name).to.be.above(0);
    }
    expect(r.out.split('\n').find((l) => l.startsWith('workload'))).to.match(/sim\/native\s+guest Minsn\s+guest MIPS/);
  });

  it('without qemu-x86_64 the qemu column says "not installed" and how to install it, and nothing runs', async () => {
    const progress: string[] = [];
    const rows = await runSyscallSuite({
      root: rootfsDir(), paths: ['qemu'], repeat: 2, timeoutMs: 10_000, scratch: dir, qemu: null, hostMusl: true,
      progress: (l) => progress.push(l),
    }, ['syscall']);
    expect(rows[0].cells.qemu).to.deep.equal({ ok: false, kind: 'unavailable', reason: 'not installed (apt-get install qemu-user; userspace/build.sh installs it)' });
    expect(progress).to.deep.equal([]);
  });

  it('refuses unknown rows, paths and suites with exit status 2', () => {
    for (const args of [['--rows', 'fork'], ['--paths', 'native,vmware'], ['--suite', 'gpu'], ['--suite', 'cpu', '--iterations', '5'], ['--iterations', '0'], ['extra']]) {
      const r = spawnSync(process.execPath, [CLI, 'bench', ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).to.equal(2);
      expect(r.stderr, args.join(' ')).to.match(/^nommu-um bench: /);
      expect(r.stdout).to.equal('');
    }
  });
});
