import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { runBench } from '../../cli/bench.js';
import { type ProcessSamples, THIS_DIST, geometricMean, median, resolveDist, summarize } from '../../cli/bench/index.js';

async function bench(args: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '', err = '';
  const status = await runBench(args, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { status, out, err };
}

describe('cli: nommu-um bench --compare', function () {
  this.timeout(300_000);

  it('summarize: per-process median paired ratios, their geometric mean, range, count and load-order means', () => {
    const p: ProcessSamples[] = [
      // this first: rounds 0.5/1, 0.2/0.25 (0.8), 0.9/1 -> median 0.8
      { thisFirst: true, iterations: 10, this: [0.5, 0.2, 0.9], other: [1, 0.25, 1] },
      // other first: 1.25 in every round
      { thisFirst: false, iterations: 10, this: [1.25, 2.5], other: [1, 2] },
    ];
    const s = summarize('syscall', p);
    expect(s.ratios[0]).to.be.closeTo(0.8, 1e-12);
    expect(s.ratios[1]).to.be.closeTo(1.25, 1e-12);
    expect(s.ratio).to.be.closeTo(1, 1e-12);
    expect([s.min, s.max]).to.deep.equal([s.ratios[0], s.ratios[1]]);
    expect(s.faster).to.equal(1);
    expect(s.thisFirst).to.be.closeTo(0.8, 1e-12);
    expect(s.otherFirst).to.be.closeTo(1.25, 1e-12);
    // Median of the processes' medians: this 0.5 and 1.875, other 1 and 1.5.
    expect(s.thisUs).to.be.closeTo((0.5 + 1.875) / 2, 1e-12);
    expect(s.otherUs).to.be.closeTo(1.25, 1e-12);
    expect(summarize('x', [p[0]]).otherFirst).to.equal(null);
  });

  it('geometricMean and median', () => {
    expect(geometricMean([2, 8])).to.be.closeTo(4, 1e-12);
    expect(median([3, 1, 2])).to.equal(2);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
    expect(() => geometricMean([])).to.throw(/at least one/);
    expect(() => summarize('x', [{ thisFirst: true, iterations: 1, this: [], other: [] }])).to.throw(/pair of samples/);
  });

  it('resolveDist: a checkout and its dist directory name the same build; a directory without one is null', () => {
    const checkout = dirname(THIS_DIST);
    expect(resolveDist(checkout)).to.equal(THIS_DIST);
    expect(resolveDist(THIS_DIST)).to.equal(THIS_DIST);
    const empty = mkdtempSync(join(tmpdir(), 'nommu-um-compare-empty-'));
    try {
      expect(resolveDist(empty)).to.equal(null);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('usage errors: another suite, a non-simulator path, a chart', async () => {
    for (const args of [
      ['--compare', THIS_DIST, '--suite', 'cpu'],
      ['--compare', THIS_DIST, '--paths', 'native'],
      ['--compare', THIS_DIST, '--paths', 'trap,zpoline'],
      ['--compare', THIS_DIST, '--svg', 'x.svg'],
      ['--compare', THIS_DIST, '--processes', '0'],
    ]) {
      const r = await bench(args);
      expect(r.status, args.join(' ')).to.equal(2);
      expect(r.err, args.join(' ')).to.match(/^nommu-um bench: /);
    }
  });

  it('a directory without a build: exit status 1 and why', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'nommu-um-compare-empty-'));
    try {
      const r = await bench(['--compare', empty, '--processes', '1']);
      expect(r.status).to.equal(1);
      expect(r.err).to.include(`${empty} holds no built nommu-um`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('this build against itself: both sides measured in every round of every process, the load order alternating', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nommu-um-compare-'));
    try {
      const json = join(dir, 'c.json');
      const r = await bench(['--compare', dirname(THIS_DIST), '--rows', 'syscall,select-10', '--processes', '2',
        '--repeat', '2', '--iterations', '500', '--paths', 'trap', '--json', json]);
      expect(r.status, r.err).to.equal(0);
      expect(r.out).to.match(/^syscall\s+\d+\.\d{3}\s+\d+\.\d{3}\s+\d+\.\d{3}\s+\d+\.\d{3}-\d+\.\d{3}\s+[0-2]\/2\s/m);
      expect(r.out).to.match(/^select-10\s/m);
      expect(r.err).to.match(/process 2\/2 \(other build loaded first\) select-10: this \d/);
      const report = JSON.parse(readFileSync(json, 'utf8'));
      expect(report.options).to.deep.include({ path: 'trap', rounds: 2, processes: 2, iterations: 500 });
      expect(report.rows.map((x: { row: string }) => x.row)).to.deep.equal(['syscall', 'select-10']);
      for (const row of report.rows) {
        expect(row.processes.map((p: ProcessSamples) => p.thisFirst)).to.deep.equal([true, false]);
        for (const p of row.processes as ProcessSamples[]) {
          expect(p.iterations).to.equal(500);
          expect(p.this).to.have.length(2);
          expect(p.other).to.have.length(2);
          for (const us of [...p.this, ...p.other]) expect(us).to.be.a('number').above(0);
        }
        expect(row.ratio).to.be.a('number').above(0);
        expect(row.ratios).to.have.length(2);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
