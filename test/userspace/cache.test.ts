/** The userland build is cached: a second run with unchanged inputs does nothing and says so. */
import { spawnSync } from 'node:child_process';
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildDir, busyboxSrcDir, repoRoot, rootfsDir } from '../../userspace/index.js';
import { requireRootfs } from './helpers.js';

/** Path -> mtime (ns) of everything under dir, links not followed. */
function mtimes(dir: string, out = new Map<string, bigint>()): Map<string, bigint> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p, { bigint: true });
    out.set(p, st.mtimeNs);
    if (st.isDirectory()) mtimes(p, out);
  }
  return out;
}

describe('userspace: build cache', () => {
  before(requireRootfs);

  it('a second build.sh run prints "up to date" and changes nothing', function () {
    this.timeout(600_000);
    const before = mtimes(rootfsDir());
    const stamp = join(buildDir(), 'userspace.stamp');
    const binary = join(busyboxSrcDir(), 'busybox_unstripped');
    const stampBefore = lstatSync(stamp, { bigint: true }).mtimeNs;
    const binaryBefore = lstatSync(binary, { bigint: true }).mtimeNs;

    const r = spawnSync('bash', [join(repoRoot(), 'userspace/build.sh')], { encoding: 'utf8', cwd: repoRoot() });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/^userspace: up to date/m);
    expect(r.stderr.trim().split('\n')).to.have.length(1);

    expect(mtimes(rootfsDir())).to.deep.equal(before);
    expect(lstatSync(stamp, { bigint: true }).mtimeNs).to.equal(stampBefore);
    expect(lstatSync(binary, { bigint: true }).mtimeNs).to.equal(binaryBefore);
  });
});
