/**
 * mount(2) and umount2(2) seen by BusyBox's mount, umount and ls: the
 * "mount bind+rshared" case of BusyBox's testsuite/mount.tests (bind
 * mounts made shared, a bind between them, a bind propagated to a peer,
 * then everything unmounted so rmdir succeeds), and a tmpfs remounted
 * read-only. They run in a host scratch directory bound into the guest,
 * which must be empty afterwards, on both syscall paths.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { PATHS, runGuest } from './guest.js';

// testsuite/mount.tests, "mount bind+rshared", verbatim.
const BIND_RSHARED = `\
mkdir -p mount.dir mount.shared1 mount.shared2
touch mount.dir/a mount.dir/b

mount --bind         mount.shared1 mount.shared1 2>&1
mount --make-rshared mount.shared1               2>&1
mount --bind         mount.shared2 mount.shared2 2>&1
mount --make-rshared mount.shared2               2>&1

mount --bind mount.shared2 mount.shared1         2>&1
mount --bind mount.dir     mount.shared2         2>&1

ls -R mount.dir mount.shared1 mount.shared2      2>&1

umount mount.dir mount.shared1 mount.shared2 2>/dev/null
umount mount.dir mount.shared1 mount.shared2 2>/dev/null
umount mount.dir mount.shared1 mount.shared2 2>/dev/null
rm -f mount.dir/a mount.dir/b mount.dir/c
rmdir mount.dir mount.shared1 mount.shared2
`;
const BIND_RSHARED_OUT = `\
mount.dir:
a
b

mount.shared1:
a
b

mount.shared2:
a
b
`;

const TMPFS_RO = `\
mkdir t
mount -t tmpfs -o size=1m tmpfs t || exit 1
echo hi > t/f
mount | grep ' /scratch/t '
mount -o remount,ro t || exit 2
mount | grep ' /scratch/t '
echo x > t/g
echo "write: $?"
cat t/f
umount t || exit 3
rmdir t
grep -c ' /scratch/t ' /proc/mounts
`;

describe('kernel: mount and umount through BusyBox', function () {
  this.timeout(300_000);
  let scratch: string;
  beforeEach(() => { scratch = mkdtempSync(join(tmpdir(), 'nommu-guest-mount-')); });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  const run = (script: string, syscallPath: (typeof PATHS)[number]) => runGuest(['/bin/sh', '-c', `cd /scratch || exit 9\n${script}`], {
    syscallPath, binds: [{ host: scratch, guest: '/scratch', readonly: false }],
  });

  for (const path of PATHS) {
    it(`passes testsuite/mount.tests "mount bind+rshared" and leaves nothing behind (${path})`, async () => {
      const r = await run(BIND_RSHARED, path);
      expect(r.stderr).to.equal('');
      expect(r.stdout).to.equal(BIND_RSHARED_OUT);
      expect(r.code).to.equal(0);
      expect(readdirSync(scratch)).to.deep.equal([]);
    });

    it(`mounts a tmpfs, remounts it read-only (EROFS on write) and unmounts it (${path})`, async () => {
      const r = await run(TMPFS_RO, path);
      expect(r.stdout).to.equal(
        'tmpfs on /scratch/t type tmpfs (rw,relatime,size=1024k)\n' +
        'tmpfs on /scratch/t type tmpfs (ro,relatime,size=1024k)\n' +
        'write: 1\nhi\n0\n');
      expect(r.stderr).to.contain('Read-only file system');
      expect(readdirSync(scratch)).to.deep.equal([]);
    });
  }
});
