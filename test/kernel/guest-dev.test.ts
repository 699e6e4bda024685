/**
 * Devices and procfs seen by real programs: /dev/random and /dev/urandom
 * read the kernel's own generator (seeded under --deterministic, as
 * getrandom and AT_RANDOM), and /proc/PID/stat shows the console as the
 * controlling terminal (tty_nr 5:1, tpgid its foreground group) when the
 * host gives the guest a terminal, so `ps` shows the tty.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { Kernel } from '../../kernel/index.js';
import { FakeTtyHost, installConsoleTty } from '../../kernel/tty/index.js';
import { rootfsDir } from '../../userspace/index.js';
import { runGuest } from './guest.js';

const READ_BOTH = ['/bin/sh', '-c', 'od -An -tx1 -N16 /dev/urandom; od -An -tx1 -N16 /dev/random'];
const SIXTEEN_BYTES = /^( [0-9a-f]{2}){16}$/;

/** Fields of a /proc/PID/stat line after "(comm)": index 0 is field 3 (state). */
function statFields(line: string): string[] {
  return line.slice(line.lastIndexOf(')') + 2).split(' ');
}

describe('kernel: devices and procfs through the simulator', function () {
  this.timeout(300_000);

  it('/dev/urandom and /dev/random give the same bytes in two --deterministic runs, different ones otherwise', async () => {
    const a = await runGuest(READ_BOTH, { deterministic: true });
    const b = await runGuest(READ_BOTH, { deterministic: true });
    const lines = a.stdout.split('\n').filter((l) => l !== '');
    expect(lines).to.have.length(2);
    for (const l of lines) expect(l).to.match(SIXTEEN_BYTES);
    expect(lines[0], 'one stream: the second read goes on from the first').to.not.equal(lines[1]);
    expect(b.stdout).to.equal(a.stdout);
    const c = await runGuest(READ_BOTH);
    const d = await runGuest(READ_BOTH);
    for (const l of c.stdout.split('\n').filter((x) => x !== '')) expect(l).to.match(SIXTEEN_BYTES);
    expect(c.stdout).to.not.equal(d.stdout);
    expect(c.stdout).to.not.equal(a.stdout);
  });

  it('/proc/PID/stat has tty_nr 0 and tpgid -1 without a terminal; ps shows no tty', async () => {
    const r = await runGuest(['/bin/sh', '-c', 'cat /proc/self/stat; ps -o pid,tty,comm']);
    const [stat, ...ps] = r.stdout.split('\n');
    const f = statFields(stat);
    expect([f[4], f[5]]).to.deep.equal(['0', '-1']);
    expect(ps.filter((l) => / sh$| ps$/.test(l)).map((l) => l.trim().split(/\s+/)[1])).to.deep.equal(['?', '?']);
  });

  it('/proc/PID/stat shows the console (5:1) and its foreground group on a terminal; ps shows it; setsid drops it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nommu-guest-tty-'));
    const outFd = openSync(join(dir, 'out'), 'w+');
    try {
      const k = new Kernel({
        memBytes: 64 << 20, root: rootfsDir(), siteCacheDir: null,
        stdio: { input: new PassThrough(), output: { fd: outFd }, error: { fd: outFd } },
      });
      const first = k.spawn('/bin/sh', ['sh', '-c', 'cat /proc/self/stat; setsid cat /proc/self/stat; ps -o pid,tty,comm'],
        ['PATH=/usr/sbin:/usr/bin:/sbin:/bin']);
      const term = new FakeTtyHost(true);
      const tty = installConsoleTty(k, first, term);
      expect(tty).to.not.equal(null);
      const code = await k.run();
      k.shutdown();
      tty!.stop();
      expect(code).to.equal(0);
      // The terminal writes through the console device to its host fd (OPOST|ONLCR: CR LF).
      const text = readFileSync(join(dir, 'out'), 'latin1').replace(/\r\n/g, '\n');
      const [own, detached, ...ps] = text.split('\n');
      const f = statFields(own);
      // Field 5 pgrp, 6 session, 7 tty_nr (new_encode_dev(5, 1)), 8 tpgid.
      expect([f[2], f[3], f[4], f[5]]).to.deep.equal([String(first.pgid), String(first.sid), String((5 << 8) | 1), String(first.pgid)]);
      const g = statFields(detached);
      expect([g[4], g[5]], 'a new session has no controlling terminal').to.deep.equal(['0', '-1']);
      expect(ps.filter((l) => / sh$| ps$/.test(l)).map((l) => l.trim().split(/\s+/)[1])).to.deep.equal(['5,1', '5,1']);
    } finally {
      closeSync(outFd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
