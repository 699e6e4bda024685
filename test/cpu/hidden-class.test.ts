/**
 * The engine's hot objects keep their hidden classes through real work.
 * A numeric field that widens (small integer -> double) after the compiled
 * blocks were optimized throws all of them away (cpu/double-field.ts); this
 * runs the probe in a child Node with V8's test hooks and checks that no
 * class changed. Reverting one DOUBLE_ZERO (Core.left, Block.addr...) fails it.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const PROBE = fileURLToPath(new URL('./hidden-class-probe.js', import.meta.url));

describe('compiled tier: hidden classes stay put through real runs', function () {
  this.timeout(300_000);

  it('Core, CpuContext, Block, Cpu and Insn made after exec, syscall and BusyBox runs on both paths have the classes made before', () => {
    const r = spawnSync(process.execPath, ['--allow-natives-syntax', PROBE], { encoding: 'utf8', timeout: 240_000 });
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { same: Record<string, boolean>; failures: string[] };
    expect(out.failures).to.deep.equal([]);
    expect(out.same).to.deep.equal({ Core: true, CpuContext: true, Block: true, Cpu: true, Insn: true });
  });
});
