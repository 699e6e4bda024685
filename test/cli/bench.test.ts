import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  type CpuWorkloadResult, type SyscallRowResult, Footnotes, cpuModel, escapeXml, failed, formatRatio, formatValue,
  generateData, isRowName, logScale, measured, pairedRange, pairedRatio, parseLatencyLine, parseLatencyOutput, randomBlob, ratio,
  calibrate, fasterThan, warmUp, WARMUP_RUNS, type Sample, renderBarChart, renderCpuTable, renderSyscallTable, rowPlan, syscallChart, syscallRatios, unavailable, wordText,
} from '../../cli/bench/index.js';
import { checkWellFormed } from './bench-xml.js';

describe('cli/bench: lat_syscall output', () => {
  it('parses a result line into numbers', () => {
    const l = parseLatencyLine('row=syscall iterations=100000 warmup=10000 total_ns=15353040 ns_per_op=153.530');
    expect(l).to.deep.equal({ row: 'syscall', iterations: 100000, warmup: 10000, totalNs: 15353040, nsPerOp: 153.53 });
    expect(parseLatencyLine('row=open/close iterations=3 warmup=0 total_ns=9 ns_per_op=3.000')!.row).to.equal('open/close');
    expect(parseLatencyLine('row=vfork+execve iterations=2 warmup=0 total_ns=1 ns_per_op=0')!.nsPerOp).to.equal(0);
  });

  it('refuses lines that are not exactly a result', () => {
    for (const bad of [
      '', 'lat_syscall: stat: No such file', 'row=syscall iterations=10 warmup=1 total_ns=5',
      'row=syscall iterations=10 warmup=1 total_ns=5 ns_per_op=0.5 extra=1',
      'row=syscall iterations=ten warmup=1 total_ns=5 ns_per_op=0.5',
      'row=syscall iterations=0 warmup=1 total_ns=5 ns_per_op=0.5',
      'row=syscall iterations=10 warmup=-1 total_ns=5 ns_per_op=0.5',
      'row=syscall iterations=10 warmup=1 total_ns=5 ns_per_op=1e3',
      'row= iterations=10 warmup=1 total_ns=5 ns_per_op=0.5',
      'row=syscall iterations=10 iterations=10 total_ns=5 ns_per_op=0.5',
    ]) expect(parseLatencyLine(bad), bad).to.equal(null);
  });

  it('takes the result lines out of a whole output', () => {
    const out = 'row=read iterations=5 warmup=0 total_ns=50 ns_per_op=10.000\nnoise\n' +
      'row=write iterations=5 warmup=0 total_ns=25 ns_per_op=5.000\n';
    expect(parseLatencyOutput(out).map((l) => [l.row, l.nsPerOp])).to.deep.equal([['read', 10], ['write', 5]]);
  });

  it('knows the rows of the nommu UML table and any select-N', () => {
    for (const r of ['syscall', 'getpid', 'read', 'write', 'stat', 'open/close', 'select-10', 'select-100', 'select-1000', 'vfork+execve', 'vfork+sh']) {
      expect(isRowName(r), r).to.equal(true);
    }
    expect(isRowName('select-250')).to.equal(true);
    for (const r of ['select-0', 'select-2000', 'select-x', 'fork', '']) expect(isRowName(r), r).to.equal(false);
    // Larger select sets get fewer iterations, and the simulator fewer than the host.
    const a = rowPlan('select-50'), b = rowPlan('select-500');
    expect(b.host).to.be.below(a.host);
    expect(b.sim).to.be.below(a.sim);
    expect(a.sim).to.be.below(a.host);
    expect(() => rowPlan('fork')).to.throw(/unknown benchmark row/);
  });
});

describe('cli/bench: iteration calibration', () => {
  it('keeps a first run that took at least half the target', () => {
    expect(calibrate(1000, 300, 0.5)).to.equal(1000); // 0.3 s
    expect(calibrate(10, 30000, 0.5)).to.equal(10);
  });

  it('scales a short first run up to the target, two significant digits, never down', () => {
    expect(calibrate(100000, 0.2, 0.5)).to.equal(2500000); // 20 ms -> 0.5 s
    expect(calibrate(10000, 2.3, 0.5)).to.equal(220000);
    expect(calibrate(200, 308, 0.5)).to.equal(1600);
    expect(calibrate(50, 0, 0.5)).to.equal(50000); // no measurable time: at most 1000x
    expect(calibrate(10, 1e-6, 0.5)).to.equal(10000);
  });
});

describe('cli/bench: simulator warm-up', () => {
  /** A fake timed run: the given us/op in turn, recording the counts asked for. */
  const runs = (us: number[]) => {
    const asked: number[] = [];
    const run = async (n: number): Promise<Sample> => { asked.push(n); return { ok: true, us: us[Math.min(asked.length - 1, us.length - 1)] }; };
    return { run, asked };
  };

  it('progress means more than 5% faster than the best run so far', () => {
    expect(fasterThan(1000, 940)).to.equal(true);
    expect(fasterThan(1000, 960)).to.equal(false);
    expect(fasterThan(1000, 1200)).to.equal(false);
  });

  it('stops after two runs in a row without progress', async () => {
    const { run, asked } = runs([1500, 1200, 1100, 1090, 1080, 900]);
    const w = await warmUp(run, 500, 2000);
    expect(w).to.deep.equal({ ok: true, n: 500, runs: 5 });
    expect(asked).to.deep.equal([500, 500, 500, 500, 500]);
  });

  it('a run too short for the target recalibrates and does not count as calm', async () => {
    const { run, asked } = runs([1000, 1000, 1000]);
    const w = await warmUp(run, 10, 1000);
    expect(w).to.deep.equal({ ok: true, n: 1000, runs: 3 });
    expect(asked).to.deep.equal([10, 1000, 1000]);
  });

  it('gives up after WARMUP_RUNS runs of an engine that keeps getting faster', async () => {
    const { run, asked } = runs(Array.from({ length: 20 }, (_, k) => 5000 * 0.9 ** k));
    const w = await warmUp(run, 1000, 6000);
    expect(w.ok && w.runs).to.equal(WARMUP_RUNS);
    expect(asked).to.have.length(WARMUP_RUNS);
  });

  it('a failed run ends the warm-up with its reason', async () => {
    let k = 0;
    const w = await warmUp(async () => (++k < 2 ? { ok: true, us: 900 } : { ok: false, reason: 'exit status 1' }), 2000, 1000);
    expect(w).to.deep.equal({ ok: false, reason: 'exit status 1' });
  });
});

describe('cli/bench: cells, ratios and tables', () => {
  const row = (name: string, native: number, qemu: number, trap: number, zpoline: number): SyscallRowResult => ({
    row: name, iterations: {},
    cells: { native: measured([native]), qemu: measured([qemu]), trap: measured([trap]), zpoline: measured([zpoline]) },
    counts: {
      trap: { ok: true, instructions: 51, syscalls: 1, iterations: [200, 400] },
      zpoline: { ok: true, instructions: 529, syscalls: 1, iterations: [200, 400] },
    },
  });

  it('keeps the best sample and computes ratios only between values', () => {
    const m = measured([3, 1.5, 2]);
    expect(m.value).to.equal(1.5);
    expect(m.samples).to.deep.equal([3, 1.5, 2]);
    expect(() => measured([])).to.throw();
    expect(ratio(measured([3]), measured([1.5]))).to.equal(2);
    expect(ratio(failed('boom'), measured([1]))).to.equal(null);
    expect(ratio(measured([1]), unavailable('not installed'))).to.equal(null);
    expect(ratio(measured([1]), undefined)).to.equal(null);
  });

  it('pairs trap and zpoline round by round: the median of the rounds\' ratios, not best against best', () => {
    expect(pairedRatio([2, 4, 6], [1, 2, 4])).to.equal(2);
    expect(pairedRatio([1, 3], [1, 1])).to.equal(2);
    expect(pairedRatio([5], [])).to.equal(null);
    expect(pairedRatio([5, 1], [0, 2])).to.equal(0.5);
    // Trap 5% slower than zpoline in two rounds of three; in the first a burst of load hit zpoline's turn and
    // trap's run there is the fastest sample of all. Best against best says 0.95x; the pairs say 1.05x.
    const zp = [1.3, 1.0, 1.1], tr = [0.95, 1.05, 1.155];
    expect(Math.min(...tr) / Math.min(...zp)).to.be.below(1);
    const r = row('stat', 1, 2, Math.min(...tr), Math.min(...zp));
    r.cells.trap = measured(tr);
    r.cells.zpoline = measured(zp);
    expect(syscallRatios(r).trapZpoline).to.be.closeTo(1.05, 1e-12);
    expect(renderSyscallTable([r], ['native', 'qemu', 'trap', 'zpoline'], 3)).to.match(/trap\/zpoline: the median over the rounds/);
    // One round of three had zpoline slower: the rounds disagree, and the table says so for that row alone.
    expect(pairedRange(tr, zp)).to.deep.equal({ min: 0.95 / 1.3, max: 1.155 / 1.1 });
    expect(syscallRatios(r).trapZpolineRange).to.deep.equal(pairedRange(tr, zp));
    expect(pairedRange([1], [])).to.equal(null);
    const clear = row('syscall', 0.1, 0.3, 0.4, 0.1);
    clear.cells.trap = measured([0.4, 0.5]);
    clear.cells.zpoline = measured([0.1, 0.11]);
    const text = renderSyscallTable([clear, r], ['native', 'qemu', 'trap', 'zpoline'], 3);
    expect(text).to.include('rounds on both sides of 1 (trap faster in some, zpoline in others; the difference is within this run\'s spread): stat 0.73-1.05\n');
    expect(renderSyscallTable([clear], ['native', 'qemu', 'trap', 'zpoline'], 3)).to.not.include('both sides of 1');
  });

  it('formats values with about three significant digits', () => {
    expect([0.0999, 0.1734, 1.234, 29.94, 152384.3, 0].map(formatValue)).to.deep.equal(['0.100', '0.173', '1.23', '29.9', '152384', '0.000']);
    expect(formatValue(0.001234)).to.equal('0.0012');
    expect(formatRatio(0.576)).to.equal('0.576x');
    expect(formatRatio(null)).to.equal('-');
  });

  it('prints zpoline/native and trap/zpoline for each row', () => {
    const r = row('syscall', 0.2, 1.2, 0.3, 0.1);
    const q = syscallRatios(r);
    expect(q.zpolineNative).to.be.closeTo(0.5, 1e-12);
    expect(q.trapZpoline).to.be.closeTo(3, 1e-12);
    const text = renderSyscallTable([r], ['native', 'qemu', 'trap', 'zpoline'], 3);
    const lines = text.split('\n');
    const header = lines.find((l) => l.startsWith('row'))!;
    expect(header.split(/\s{2,}/)).to.deep.equal(['row', 'native', 'qemu-user', 'trap', 'zpoline', 'zpoline/native', 'trap/zpoline']);
    const data = lines.find((l) => l.startsWith('syscall'))!;
    expect(data.trim().split(/\s+/)).to.deep.equal(['syscall', '0.200', '1.20', '0.300', '0.100', '0.500x', '3.00x']);
    expect(text).to.match(/best of 3 runs/);
    const counts = lines.filter((l) => l.startsWith('syscall'))[1];
    expect(counts.trim().split(/\s+/)).to.deep.equal(['syscall', '51.0', '1.00', '529', '1.00']);
  });

  it('shows a failed cell as failed with its reason in a footnote, and qemu as not installed', () => {
    const r = row('vfork+sh', 400, 3000, 1, 1);
    r.cells.zpoline = failed('killed by signal 11');
    r.cells.qemu = unavailable('not installed (apt-get install qemu-user)');
    r.counts.trap = failed('timed out after 300 s');
    const text = renderSyscallTable([r], ['native', 'qemu', 'trap', 'zpoline'], 1);
    const data = text.split('\n').find((l) => l.startsWith('vfork+sh'))!;
    expect(data).to.match(/not installed\[1\]/);
    expect(data).to.match(/failed\[2\]/);
    expect(data.trim().split(/\s+/).slice(-2)).to.deep.equal(['-', '-']); // no ratio without a zpoline value
    expect(text).to.include('[1] vfork+sh qemu-user: not installed (apt-get install qemu-user)');
    expect(text).to.include('[2] vfork+sh zpoline: killed by signal 11');
    expect(text).to.include('[3] vfork+sh trap count: timed out after 300 s');
    expect(text).to.match(/best of 1 run;/);
  });

  it('leaves out ratio columns whose paths did not run', () => {
    const r = row('read', 1, 2, 3, 4);
    const header = renderSyscallTable([r], ['native', 'zpoline'], 1).split('\n').find((l) => l.startsWith('row'))!;
    expect(header.split(/\s{2,}/)).to.deep.equal(['row', 'native', 'zpoline', 'zpoline/native']);
  });

  it('numbers footnotes once per distinct reason', () => {
    const n = new Footnotes();
    expect(n.add('a')).to.equal(1);
    expect(n.add('b')).to.equal(2);
    expect(n.add('a')).to.equal(1);
    expect(n.render()).to.equal('[1] a\n[2] b\n');
  });

  it('prints the CPU table with sim/qemu, sim/native and guest MIPS', () => {
    const w: CpuWorkloadResult = {
      name: 'md5sum', input: '16 MiB random', argv: [], checked: true,
      cells: { native: measured([0.1]), qemu: measured([0.5]), zpoline: measured([5, 4]) },
      sim: { zpoline: { retired: 200e6, mips: 50, syscalls: 30 } },
    };
    const text = renderCpuTable([w], ['native', 'qemu', 'zpoline'], 2);
    const header = text.split('\n').find((l) => l.startsWith('workload'))!;
    expect(header.split(/\s{2,}/)).to.deep.equal(['workload', 'input', 'native s', 'qemu-user s', 'sim zpoline s', 'sim/qemu', 'sim/native', 'guest Minsn', 'guest MIPS']);
    const data = text.split('\n').find((l) => l.startsWith('md5sum'))!;
    expect(data.split(/\s{2,}/)).to.deep.equal(['md5sum', '16 MiB random', '0.100', '0.500', '4.000', '8.00x', '40.0x', '200.0', '50.0']);
  });
});

describe('cli/bench: SVG chart', () => {
  const spec = (values: Array<Array<number | string | null>>, groups = values.map((_, i) => `g${i}`)) => ({
    title: 'test chart', subtitle: 'machine', yLabel: 'µs (log)', xLabel: 'row', groups,
    series: [{ name: 'native', color: '#111111' }, { name: 'qemu-user', color: '#222222' }, { name: 'zpoline', color: '#333333' }],
    values,
  });
  const bars = (svg: string): Array<{ group: string; series: string; value: number; y: number; height: number }> =>
    [...svg.matchAll(/<rect class="bar" data-group="([^"]*)" data-series="([^"]*)" data-value="([^"]*)" x="[^"]*" y="([^"]*)" width="[^"]*" height="([^"]*)"/g)]
      .map((m) => ({ group: m[1], series: m[2], value: Number(m[3]), y: Number(m[4]), height: Number(m[5]) }));

  it('is well-formed XML with one bar per measured cell and a mark per failed cell', () => {
    const svg = renderBarChart(spec([[0.15, 2.7, 'killed by signal 11'], [1200, 'not installed (apt-get install qemu-user)', 33000], [0.26, null, 65]], ['syscall', 'vfork+<&>"sh', 'read']));
    checkWellFormed(svg);
    expect(svg.startsWith('<?xml')).to.equal(true);
    expect(bars(svg)).to.have.length(6);
    expect(bars(svg).map((b) => b.value)).to.deep.equal([0.15, 2.7, 1200, 33000, 0.26, 65]);
    const marks = [...svg.matchAll(/<text class="nobar"[^>]*><title>([^<]*)<\/title>([^<]*)<\/text>/g)];
    expect(marks.map((m) => m[2])).to.deep.equal(['× failed', '× not installed']);
    expect(marks[0][1]).to.equal('syscall, zpoline: killed by signal 11');
    expect(svg).to.include('vfork+&lt;&amp;&gt;&quot;sh');
    // Every bar has its value printed, and the legend names every series.
    for (const v of ['0.15', '2.7', '1200', '33000', '0.26', '65']) expect(svg).to.match(new RegExp(`<text class="value"[^>]*>${v}</text>`));
    for (const s of ['native', 'qemu-user', 'zpoline']) expect(svg).to.match(new RegExp(`<g class="legend">.*>${s}</text></g>`));
    expect(svg).to.include('µs (log)');
  });

  it('draws bar heights on a log scale: taller for larger values, equal steps per decade', () => {
    const svg = renderBarChart(spec([[0.1, 1, 10], [100, 1000, 3]]));
    checkWellFormed(svg);
    const b = bars(svg).sort((x, y) => x.value - y.value);
    for (let i = 1; i < b.length; i++) expect(b[i].height, `${b[i].value}`).to.be.above(b[i - 1].height);
    const h = (v: number): number => b.find((x) => x.value === v)!.height;
    const decade = h(1) - h(0.1);
    expect(decade).to.be.above(10);
    for (const [lo, hi] of [[1, 10], [10, 100], [100, 1000]]) expect(h(hi) - h(lo)).to.be.closeTo(decade, 0.25);
    expect(h(3) - h(1)).to.be.closeTo(decade * Math.log10(3), 0.25);
    // Bars stand on the axis: y + height is the same for all.
    const base = b[0].y + b[0].height;
    for (const x of b) expect(x.y + x.height).to.be.closeTo(base, 0.11);
  });

  it('spans whole decades that hold every value', () => {
    const s = logScale([0.15, 33000], 100, 440);
    expect(s.lo).to.be.closeTo(0.1, 1e-12);
    expect(s.hi).to.be.closeTo(1e5, 1e-6);
    expect(s.decades).to.have.length(7);
    expect(s.y(s.lo)).to.be.closeTo(440, 1e-9);
    expect(s.y(s.hi)).to.be.closeTo(100, 1e-9);
    const one = logScale([5, 5], 0, 100);
    expect(one.lo).to.equal(1);
    expect(one.hi).to.equal(10);
  });

  it('charts a syscall result with a group per row and a bar per path', () => {
    const rows: SyscallRowResult[] = ['syscall', 'read'].map((r, i) => ({
      row: r, iterations: {}, counts: {},
      cells: { native: measured([0.2 + i]), qemu: unavailable('not installed'), trap: measured([60 + i]), zpoline: failed('x') },
    }));
    const svg = syscallChart(rows, ['native', 'qemu', 'trap', 'zpoline'], {
      cpuModel: 'Test CPU', cores: 2, memBytes: 1 << 30, loadavg: [1, 2, 3], hostKernel: '6.1', node: 'v20', qemu: null, date: '2026-01-01T00:00:00Z',
    });
    checkWellFormed(svg);
    expect(bars(svg).map((b) => `${b.group}/${b.series}`)).to.deep.equal(['syscall/native', 'syscall/trap', 'read/native', 'read/trap']);
    expect(svg).to.include('Test CPU, 2 cores');
  });

  it('has a well-formedness check that rejects broken XML', () => {
    checkWellFormed('<?xml version="1.0"?>\n<a x="1"><b/>t &amp; u</a>\n');
    for (const bad of ['<a><b></a></b>', '<a>x & y</a>', '<a></a><b/>', '<a x=1></a>', '<a x="1" x="2"/>', '<a>', 'text<a/>']) {
      expect(() => checkWellFormed(bad), bad).to.throw();
    }
  });

  it('escapes XML specials', () => {
    expect(escapeXml(`a<b>&"c'`)).to.equal('a&lt;b&gt;&amp;&quot;c&apos;');
  });
});

describe('cli/bench: generated data and machine', () => {
  let dir = '';
  before(() => { dir = mkdtempSync(join(tmpdir(), 'nommu-um-bench-data-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('generates the same bytes for the same seed', () => {
    const a = randomBlob(1000, 7), b = randomBlob(1000, 7), c = randomBlob(1000, 8);
    expect(a.length).to.equal(1000);
    expect(Buffer.from(a).equals(Buffer.from(b))).to.equal(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).to.equal(false);
    // Not degenerate: many distinct byte values.
    expect(new Set(a).size).to.be.above(200);
  });

  it('writes word lines for sort and awk', () => {
    const t = wordText(5000, 3);
    expect(t.length).to.be.at.least(5000);
    const lines = t.trimEnd().split('\n');
    for (const l of lines) expect(l).to.match(/^\d{6} [a-z]+ [a-z]+ \d{1,3}$/);
    expect(wordText(5000, 3)).to.equal(t);
  });

  it('writes the suite inputs at the asked scale', () => {
    const files = generateData(dir, 0.01);
    expect(files.map((f) => f.name)).to.deep.equal(['md5.bin', 'sha256.bin', 'gzip.txt', 'text.txt']);
    for (const f of files) expect(statSync(join(dir, f.name)).size).to.equal(f.bytes);
    expect(files[0].bytes).to.equal(671744); // 64 MiB * 0.01, in whole 4 KiB pages
    expect(files[1].bytes).to.equal(335872);
    expect(readFileSync(join(dir, 'text.txt'), 'utf8')).to.equal(wordText(files[3].bytes, 4));
  });

  it('reads the CPU model from /proc/cpuinfo text', () => {
    expect(cpuModel('processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nflags\t: fpu\n')).to.equal('AMD EPYC 7B13');
    // A VM naming only the brand: the family and model numbers tell the generation.
    expect(cpuModel('vendor_id\t: AuthenticAMD\ncpu family\t: 26\nmodel\t\t: 2\nmodel name\t: AMD EPYC\nstepping\t: 0\n'))
      .to.equal('AMD EPYC (family 26 model 2)');
  });
});
