/**
 * BusyBox's makedevs conformance test in the simulator: makedevs creates
 * about 110 character and block device nodes from the table in the BusyBox
 * source tree under a host directory bound into the guest, and the listing
 * the test takes (`find ! -type d | sort | xargs ls -lnR`, filtered as
 * testsuite/makedevs.tests filters it) must equal what the same BusyBox
 * prints natively as root. The host directory must hold no device node
 * afterwards: hostfs keeps them as empty files plus metadata.
 */
import { copyFileSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { busyboxSrcDir, rootfsDir } from '../../userspace/index.js';
import { PATHS, runGuest } from './guest.js';

const TABLE = 'makedevs.device_table.txt';

/** The steps of makedevs.tests, every applet called through $BB (natively the host's tools are not BusyBox's). */
const SCRIPT = [
  'cd "$DIR" && rm -rf makedevs.testdir && mkdir makedevs.testdir && cd makedevs.testdir',
  `$BB makedevs -d ../${TABLE} . 2>&1`,
  'cd ..',
  // FILTER_LS of makedevs.tests: "maj, min" -> "maj,min", coalesce spaces, cut the date.
  "$BB find makedevs.testdir ! -type d | $BB sort | $BB xargs $BB ls -lnR | $BB sed -e 's/,  */,/g' -e 's/  */ /g' | $BB cut -d' ' -f 1-5,9-",
].join('\n');

/** The expected output written in makedevs.tests (used when the native run cannot be made). */
function expectedFromTestsuite(): string {
  const text = readFileSync(join(busyboxSrcDir(), 'testsuite/makedevs.tests'), 'utf8');
  const start = text.indexOf('"\\\nrootdir=.');
  const end = text.indexOf('\n" \\', start);
  if (start < 0 || end < 0) throw new Error('makedevs.tests: expected listing not found');
  return text.slice(start + 3, end + 1);
}

/** The same script run natively by the same BusyBox, as root in a host scratch directory; null if not root. */
function nativeListing(): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'nommu-makedevs-native-'));
  try {
    copyFileSync(join(busyboxSrcDir(), 'testsuite', TABLE), join(dir, TABLE));
    const bb = join(rootfsDir(), 'bin/busybox');
    const r = spawnSync(bb, ['sh', '-c', SCRIPT], {
      encoding: 'utf8', timeout: 60_000, env: { PATH: '/usr/bin:/bin', BB: bb, DIR: dir },
    });
    if (r.status !== 0) throw new Error(`native makedevs run failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every non-directory below dir, with whether the host sees it as a device node. */
function hostDevices(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const st = lstatSync(join(dir, e));
    if (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO() || st.isSocket()) out.push(e);
  }
  return out;
}

describe('kernel: mknod of device nodes through BusyBox makedevs', function () {
  this.timeout(600_000);
  let reference: string;
  before(() => {
    reference = nativeListing() ?? expectedFromTestsuite();
    expect(reference.split('\n').filter((l) => /^[cb]r/.test(l))).to.have.length.above(100);
  });

  for (const path of PATHS) {
    it(`makedevs -d ${TABLE} lists as natively (${path})`, async () => {
      const host = mkdtempSync(join(tmpdir(), 'nommu-makedevs-guest-'));
      try {
        copyFileSync(join(busyboxSrcDir(), 'testsuite', TABLE), join(host, TABLE));
        const r = await runGuest(['/bin/sh', '-c', SCRIPT], {
          syscallPath: path,
          binds: [{ host, guest: '/work', readonly: false }],
          env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'BB=/bin/busybox', 'DIR=/work'],
        });
        expect(r.stderr).to.equal('');
        expect(r.stdout).to.equal(reference);
        expect(r.code).to.equal(0);
        expect(hostDevices(host), 'nothing special is made on the host').to.deep.equal([]);
        expect(lstatSync(join(host, 'makedevs.testdir/dev/null')).isFile()).to.equal(true);
      } finally {
        rmSync(host, { recursive: true, force: true });
      }
    });
  }

  it('makedevs on the guest\'s /tmp (tmpfs) lists the same', async () => {
    const host = mkdtempSync(join(tmpdir(), 'nommu-makedevs-guest-'));
    try {
      copyFileSync(join(busyboxSrcDir(), 'testsuite', TABLE), join(host, TABLE));
      const r = await runGuest(['/bin/sh', '-c', `cp /work/${TABLE} /tmp/ && ${SCRIPT}`], {
        binds: [{ host, guest: '/work', readonly: true }],
        env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'BB=/bin/busybox', 'DIR=/tmp'],
      });
      expect(r.stderr).to.equal('');
      expect(r.stdout).to.equal(reference);
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });

  it('a node made on /dev opens its driver; without one ENXIO; on hostfs EACCES (nodev)', async () => {
    const host = mkdtempSync(join(tmpdir(), 'nommu-mknod-guest-'));
    try {
      const r = await runGuest(['/bin/sh', '-c', [
        'mknod -m 666 /dev/mynull c 1 3 && echo data > /dev/mynull && cat /dev/mynull | wc -c',
        'mknod /dev/myzero c 1 5 && head -c 4 /dev/myzero | od -An -tx1',
        'mknod /dev/fb0 c 29 0 && cat /dev/fb0',
        'mknod /dev/hda b 3 0 && cat /dev/hda',
        'mknod -m 666 /work/null c 1 3 && ls -ln /work/null | tr -s " " | cut -d" " -f1,3-6 && cat /work/null',
        'echo done',
      ].join('; ')], { binds: [{ host, guest: '/work', readonly: false }] });
      expect(r.stdout).to.equal('0\n 00 00 00 00\ncrw-rw-rw- 0 0 1, 3\ndone\n');
      expect(r.stderr).to.equal([
        "cat: can't open '/dev/fb0': No such device or address",
        "cat: can't open '/dev/hda': No such device or address",
        "cat: can't open '/work/null': Permission denied",
        '',
      ].join('\n'));
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });
});
