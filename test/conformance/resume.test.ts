/**
 * A test of an applet's .tests script that hangs is killed, recorded as
 * TIMEOUT under its own name, and the script's later tests still run: the
 * runner resumes the script through the shim tree.ts puts in the scratch
 * copy of testing.sh. Runs natively (host shell as harness) over a source
 * tree whose testsuite has the real runtest and testing.sh and one
 * made-up `true.tests` with a hanging second test.
 */
import { expect } from 'chai';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runUnit } from '../../cli/conformance/runner.js';
import { nativeSide } from '../../cli/conformance/sides.js';
import { addResumeShim } from '../../cli/conformance/tree.js';
import { busyboxSrcDir, rootfsDir } from '../../userspace/index.js';

const TESTS = `#!/bin/sh
. ./testing.sh
testing "first" "echo a" "a\\n" "" ""
testing "second hangs" "sleep 1000; echo b" "b\\n" "" ""
testing "third" "echo c" "c\\n" "" ""
testing "fourth fails" "echo d" "x\\n" "" ""
exit $FAILCOUNT
`;

describe('conformance: resuming a .tests script after a hung test', function () {
  this.timeout(120_000);
  let work: string;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'nommu-um-resume-'));
    const src = join(work, 'src');
    const real = busyboxSrcDir();
    mkdirSync(join(src, 'testsuite'), { recursive: true });
    mkdirSync(join(src, 'scripts'), { recursive: true });
    mkdirSync(join(src, 'shell', 'hush_test'), { recursive: true });
    cpSync(join(real, '.config'), join(src, '.config'));
    cpSync(join(real, 'scripts', 'echo.c'), join(src, 'scripts', 'echo.c'));
    for (const f of ['runtest', 'testing.sh']) cpSync(join(real, 'testsuite', f), join(src, 'testsuite', f));
    writeFileSync(join(src, 'testsuite', 'true.tests'), TESTS);
    chmodSync(join(src, 'testsuite', 'true.tests'), 0o755);
  });

  after(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('leaves testing() unchanged unless NOMMU_UM_RESUME is set, and refuses a testing.sh it does not recognise', () => {
    const copy = join(work, 'testing.sh');
    cpSync(join(busyboxSrcDir(), 'testsuite', 'testing.sh'), copy);
    addResumeShim(copy);
    const text = readFileSync(copy, 'utf8');
    expect(text).to.match(/NAME="\$2"\n {2}# nommu-um conformance: resume after a hung test/);
    expect(text).to.contain('if [ -n "$NOMMU_UM_RESUME" ]; then');
    writeFileSync(copy, 'testing() { :; }\n');
    expect(() => addResumeShim(copy)).to.throw(/cannot add the resume shim/);
  });

  it('records the hung test as TIMEOUT by name and runs the tests after it', async () => {
    const side = nativeSide({ srcDir: join(work, 'src'), rootfs: rootfsDir(), workDir: join(work, 'trees'), cpuTier: 'compiled', mem: '64M', straceDir: null });
    const tree = side.prepare(0);
    const run = await runUnit(side, { suite: 'applets', name: 'true' }, tree, 0, { timeoutMs: 4000 });
    const outcomes = run.results.map((r) => `${r.outcome} ${r.name}`);
    expect(outcomes).to.deep.equal(['PASS first', 'TIMEOUT second hangs', 'PASS third', 'FAIL fourth fails']);
    expect(run.attempts).to.equal(2);
    expect(run.timedOut).to.equal(false);
    // What the killed run printed last explains the timeout.
    expect(run.results[1].detail ?? '').to.contain('sleep 1000');
  });
});
