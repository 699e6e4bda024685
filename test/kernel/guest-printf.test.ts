/**
 * musl's floating-point printing and parsing in the guest, on both CPU tiers,
 * against the same binaries run natively: userspace/tests/k_printf.c (printf
 * %f %e %g %a and their long double forms, strtod/strtold round trips,
 * sqrt/floor/fmod/frexp/ldexp/expl/logl over tricky values) and BusyBox awk
 * and printf. musl formats through 80-bit long double arithmetic, so this
 * guards the exact x87 registers: with a double-precision x87, %.1f of 0.96
 * printed 0.9 (docs/cpu.md, "x87").
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import type { Tier } from '../../cpu/index.js';
import { Kernel } from '../../kernel/index.js';
import { rootfsDir } from '../../userspace/index.js';
import { hostTestProgram, runNative, testProgram } from './guest.js';

const TIERS: Tier[] = ['interp', 'compiled'];

/** Runs a guest program on the given CPU tier; stdout and the exit code. */
async function runOnTier(argv: string[], tier: Tier): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'nommu-printf-test-'));
  const outPath = join(dir, 'out'), errPath = join(dir, 'err');
  const out = openSync(outPath, 'w'), err = openSync(errPath, 'w');
  try {
    const kernel = new Kernel({
      root: rootfsDir(), memBytes: 64 << 20, cpuTier: tier,
      stdio: { input: Readable.from([]), output: { fd: out }, error: { fd: err } },
      env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root'],
    });
    kernel.spawn(argv[0], argv);
    const code = await kernel.run();
    kernel.shutdown();
    return { code, stdout: readFileSync(outPath, 'utf8'), stderr: readFileSync(errPath, 'utf8') };
  } finally {
    closeSync(out);
    closeSync(err);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** BusyBox from the rootfs, run on the host (its interpreter is the host's musl loader). */
function nativeBusybox(args: string[]): string {
  const r = spawnSync(join(rootfsDir(), 'bin/busybox'), args, { encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).to.equal(0);
  return r.stdout;
}

const AWK = ['awk', 'BEGIN{printf "%.6g %.1f %d\\n", 2/3, 0.96, 2^31}'];
const PRINTF = ['printf', '%.3f\\n', '3.14159'];

describe('kernel: floating-point printing in the guest (musl printf, strtod, libm; BusyBox awk and printf)', function () {
  this.timeout(600_000);

  let native = '';
  before(() => {
    const r = runNative([hostTestProgram('k_printf')]);
    expect(r.code, 'k_printf natively').to.equal(0);
    native = r.stdout;
  });

  it('k_printf passes its own checks natively (the reference is sound)', () => {
    expect(native).to.not.contain('FAIL');
    expect(native).to.contain('ok: %.1f of 0.96 = 1.0\n');
    expect(native).to.contain('ok: %.6g of 2/3 = 0.666667\n');
    expect(native.trim().split('\n').pop()).to.equal('PASSED');
  });

  it('BusyBox awk and printf give the known text natively', () => {
    expect(nativeBusybox(AWK)).to.equal('0.666667 1.0 -2147483648\n');
    expect(nativeBusybox(PRINTF)).to.equal('3.142\n');
  });

  for (const tier of TIERS) {
    describe(`CPU tier ${tier}`, () => {
      it('k_printf prints exactly what it prints natively, line for line', async () => {
        const r = await runOnTier([testProgram('k_printf')], tier);
        expect(r.stderr).to.equal('');
        expect(r.stdout.split('\n')).to.deep.equal(native.split('\n'));
        expect(r.code).to.equal(0);
      });

      it("busybox awk 'BEGIN{printf \"%.6g %.1f %d\\n\", 2/3, 0.96, 2^31}' and printf '%.3f\\n' 3.14159 as natively", async () => {
        const awk = await runOnTier(['/bin/busybox', ...AWK], tier);
        expect(awk.stdout).to.equal(nativeBusybox(AWK));
        expect(awk.code).to.equal(0);
        const printf = await runOnTier(['/bin/busybox', ...PRINTF], tier);
        expect(printf.stdout).to.equal(nativeBusybox(PRINTF));
        expect(printf.code).to.equal(0);
      });
    });
  }
});
