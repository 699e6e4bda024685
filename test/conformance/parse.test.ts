/**
 * The conformance runner's reading of harness output, unit selection and
 * side-by-side merge, on output captured from the real harnesses.
 */
import { expect } from 'chai';
import { buildReport, globMatch, parseRunAll, parseRuntest, regressions, renderReport, selectUnits, allUnits, implementedApplets } from '../../cli/conformance/index.js';
import type { UnitRun } from '../../cli/conformance/index.js';
import { busyboxSrcDir } from '../../userspace/index.js';

describe('conformance: runtest output', () => {
  it('reads PASS/FAIL/SKIPPED/UNTESTED and keeps the diff of a failure', () => {
    const lines = [
      '======================',
      "echo -ne '' >input",
      "echo -ne 'a\\n' | sed -e 's/a/b/'",
      'PASS: sed s',
      '======================',
      "echo -ne '' >input",
      "echo -ne '' | sed -e 'b nolabel'",
      'FAIL: sed nonexistent label',
      '--- expected',
      '+++ actual',
      '@@ -1 +1 @@',
      '-sed: can\'t find label for jump to \'nolabel\'',
      '+',
      '======================',
      'SKIPPED: sed -i with no arg [GNUFAIL]',
      'UNTESTED: md5sum-verifies-non-binary-file',
      '3 failure(s) detected; running with -v (verbose) will give more info',
    ];
    const r = parseRuntest(lines);
    expect(r.map((t) => [t.name, t.outcome])).to.deep.equal([
      ['sed s', 'PASS'], ['sed nonexistent label', 'FAIL'],
      ['sed -i with no arg [GNUFAIL]', 'SKIP'], ['md5sum-verifies-non-binary-file', 'UNTESTED'],
    ]);
    expect(r[0].detail).to.equal(undefined);
    expect(r[1].detail).to.include("echo -ne '' | sed -e 'b nolabel'").and.include('+++ actual').and.not.include('PASS: sed s');
  });

  it('finds a result that dash\'s echo of a "\\c" command left at the end of the verbose line', () => {
    const r = parseRuntest(['======================', "echo -ne '' >input", "echo -ne '' | busybox printf 'PASS: printf produces no further output 1"]);
    expect(r.map((t) => [t.name, t.outcome])).to.deep.equal([['printf produces no further output 1', 'PASS']]);
  });

  it('keeps a carriage return that ends a name (dash echoes "\\r" as one)', () => {
    expect(parseRuntest(['PASS: sed understands \r']).map((t) => t.name)).to.deep.equal(['sed understands \r']);
  });
});

describe('conformance: run-all output', () => {
  it('reads ok, fail (N) and skip, also when stray output splits a line', () => {
    const r = parseRunAll([
      'No ./hush - creating a link to ../../busybox',
      'hush-misc/func1.tests: ok',
      'hush-misc/func2.tests: fail (1)',
      'hush-misc/assignment4.tests: skip (feature disabled)',
      'hush-misc/sig.tests:stray output',
      ' ok',
    ]);
    expect(r.map((t) => [t.name, t.outcome])).to.deep.equal([
      ['hush-misc/func1.tests', 'PASS'], ['hush-misc/func2.tests', 'FAIL'],
      ['hush-misc/assignment4.tests', 'SKIP'], ['hush-misc/sig.tests', 'PASS'],
    ]);
  });
});

describe('conformance: units', () => {
  it('globs as the shell does', () => {
    expect(globMatch('hush-*', 'hush-misc')).to.equal(true);
    expect(globMatch('func?.tests', 'func1.tests')).to.equal(true);
    expect(globMatch('func?.tests', 'func10.tests')).to.equal(false);
    expect(globMatch('[a-c]*', 'cat')).to.equal(true);
    expect(globMatch('[!a-c]*', 'cat')).to.equal(false);
    expect(globMatch('mkfs.minix', 'mkfsXminix')).to.equal(false);
  });

  it('lists the applets the build implements, and those runtest has tests for', () => {
    const src = busyboxSrcDir();
    const applets = implementedApplets(src);
    expect(applets).to.include.members(['sed', 'cat', 'hush', 'sh']);
    expect(applets).to.not.include('ash');
    const units = allUnits(src, ['applets', 'hush']);
    const names = units.map((u) => u.name);
    expect(names[0]).to.equal('busybox');
    expect(names).to.include.members(['sed', 'echo', 'hush-misc', 'hush-parsing']);
    // ash.tests exists but a nommu build has no ash: runtest would not run it.
    expect(names).to.not.include('ash');
  });

  it('selects whole units or test files inside them', () => {
    const src = busyboxSrcDir();
    const sel = selectUnits(allUnits(src, ['applets', 'hush']), 'sed,hush-parsing/escape*.tests', src);
    expect(sel.map((u) => u.name)).to.deep.equal(['sed', 'hush-parsing']);
    expect(sel[0].files).to.equal(undefined);
    expect(sel[1].files).to.include('escape1.tests');
    expect(sel[1].files!.every((f) => f.startsWith('escape') && f.endsWith('.tests'))).to.equal(true);
  });
});

describe('conformance: report', () => {
  const unit = { suite: 'applets' as const, name: 'sed' };
  const run = (side: UnitRun['side'], results: UnitRun['results'], timedOut = false): UnitRun =>
    ({ side, unit, results, exitCode: timedOut ? null : 0, timedOut, attempts: 1, durationMs: 1000 });
  const meta = {
    busybox: 'x', cpuTier: 'interp', timeoutSec: 60, jobs: 1, unavailable: {},
    sides: [{ name: 'native' as const, harness: 'dash' }, { name: 'native-hush' as const, harness: 'hush' }, { name: 'guest-zpoline' as const, harness: 'guest' }],
  };

  it('matches names across harness shells and marks what a killed run never reported', () => {
    const report = buildReport([
      run('native', [{ name: 'sed s with \t (GNU ext)', outcome: 'PASS' }, { name: 'sed a cmd understands ', outcome: 'PASS' }, { name: 'sed x', outcome: 'PASS' }]),
      run('native-hush', [{ name: 'sed s with \\t (GNU ext)', outcome: 'PASS' }, { name: 'sed a cmd understands \\n,\\t,\\r', outcome: 'PASS' }, { name: 'sed x', outcome: 'PASS' }]),
      run('guest-zpoline', [{ name: 'sed s with \\t (GNU ext)', outcome: 'FAIL', detail: 'diff' }], true),
    ], meta);
    expect(report.reference).to.equal('native-hush');
    expect(report.tests.map((t) => t.name)).to.deep.equal(['sed s with \\t (GNU ext)', 'sed a cmd understands \\n,\\t,\\r', 'sed x']);
    expect(report.tests.map((t) => t.outcomes['guest-zpoline'])).to.deep.equal(['FAIL', 'TIMEOUT', 'MISSING']);
    expect(report.tests[0].details['guest-zpoline']).to.equal('diff');
    expect(report.harnessDifferences).to.have.length(0);
    expect(report.differences).to.have.length(3);
    expect(regressions(report)).to.have.length(3);
    const guest = report.sides.find((s) => s.name === 'guest-zpoline')!;
    expect(guest.counts).to.include({ PASS: 0, FAIL: 1, TIMEOUT: 1, MISSING: 1 });
    expect(renderReport(report)).to.match(/guest-zpoline\s+0\s+1\s+0\s+0\s+1\s+1/);
  });

  it('does not count a test that fails natively too as a regression', () => {
    const report = buildReport([
      run('native-hush', [{ name: 'sed embedded NUL', outcome: 'FAIL' }]),
      run('guest-zpoline', [{ name: 'sed embedded NUL', outcome: 'FAIL' }]),
    ], meta);
    expect(report.differences).to.have.length(0);
    expect(regressions(report)).to.have.length(0);
  });
});
