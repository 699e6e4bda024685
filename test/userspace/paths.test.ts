/** The userland's path helpers point at the repository and the guest's fixed locations. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  buildDir, busyboxSrcDir, cacheDir, guestBenchDir, guestInterpreter, guestTestsDir, repoRoot, rootfsDir,
} from '../../userspace/index.js';

describe('userspace: paths', () => {
  it('repoRoot is the directory with package.json and userspace/build.sh', () => {
    expect(existsSync(join(repoRoot(), 'package.json'))).to.equal(true);
    expect(existsSync(join(repoRoot(), 'userspace/build.sh'))).to.equal(true);
  });

  it('build outputs live under build/', () => {
    expect(buildDir()).to.equal(join(repoRoot(), 'build'));
    expect(rootfsDir()).to.equal(join(repoRoot(), 'build/rootfs'));
    expect(cacheDir()).to.equal(join(repoRoot(), 'build/cache'));
    expect(busyboxSrcDir()).to.equal(join(repoRoot(), 'build/busybox-1.35.0'));
  });

  it('guest locations are the ones build.sh installs to', () => {
    expect(guestTestsDir).to.equal('/usr/libexec/nommu-um/tests');
    expect(guestBenchDir).to.equal('/usr/libexec/nommu-um/bench');
    expect(guestInterpreter).to.equal('/lib/ld-musl-x86_64.so.1');
  });
});
