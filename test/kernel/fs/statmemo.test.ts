/**
 * Host lstat answers reused within one syscall (kernel/fs/statmemo.ts):
 * nothing is reused outside a call or across calls, every change the kernel
 * makes to the host tree drops what was seen, and an exec asks the host far
 * fewer times than its path walks and checks would.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { expect } from 'chai';
import { StatMemo, beginCall, endCall, hostChanged } from '../../../kernel/fs/statmemo.js';
import { runGuest } from '../guest.js';

describe('statmemo: lstat answers within one syscall', function () {
  this.timeout(120_000);

  it('remembers only inside a call, and forgets at the next call and at any change', () => {
    const m = new StatMemo();
    m.set('a', null);
    expect(m.get('a')).to.equal(undefined);
    beginCall();
    expect(m.get('a')).to.equal(undefined);
    m.set('a', null);
    m.set('b', -13);
    expect(m.get('a')).to.equal(null);
    expect(m.get('b')).to.equal(-13);
    hostChanged();
    expect(m.get('a')).to.equal(undefined);
    m.set('a', -2);
    endCall();
    expect(m.get('a')).to.equal(undefined);
    beginCall();
    expect(m.get('a')).to.equal(undefined);
    endCall();
  });

  it('guest calls that change the tree see their own changes (create after a failed lookup, rename, link, rmdir)', async () => {
    const script = [
      'cd /tmp && rm -rf /root/sm && mkdir /root/sm && cd /root/sm',
      'touch new; ls',
      'mv new moved; ls',
      'ln moved hard; ls -i moved hard | awk "{print \\$1}" | uniq | wc -l',
      'printf abcdef > moved; stat -c %s hard',
      'mkdir d; rmdir d; ls',
      'cd / && rm -r /root/sm && ls /root/sm 2>&1 | sed "s/.*: //"',
    ].join('\n');
    const r = await runGuest(['/bin/sh', '-c', script]);
    expect(r.code).to.equal(0);
    expect(r.stdout.split('\n').filter((l) => l !== '')).to.deep.equal([
      'new', 'moved', '1', '6', 'hard', 'moved', 'No such file or directory',
    ]);
  });

  it("root's path walk asks no directory for its attributes: a stat of a tmpfs file makes no host call", async () => {
    const mfs = fs as { lstatSync: typeof fs.lstatSync };
    const orig = mfs.lstatSync;
    let calls = 0;
    const stats = async (n: number): Promise<number> => {
      calls = 0;
      // lat_syscall's stat row: stat(2) of a file it made in /tmp (a tmpfs), n times after n/10 more.
      const r = await runGuest(['/usr/libexec/nommu-um/bench/lat_syscall', '-n', String(n), 'stat']);
      expect(r.code, r.stderr).to.equal(0);
      return calls;
    };
    mfs.lstatSync = ((...a: Parameters<typeof orig>) => { calls++; return orig(...a); }) as typeof orig;
    syncBuiltinESMExports();
    try {
      const few = await stats(100);
      const many = await stats(1100);
      // Searching / (hostfs) needed its attributes, one host lstat per stat, until root's search skipped them.
      expect(many - few).to.be.below(10);
    } finally {
      mfs.lstatSync = orig;
      syncBuiltinESMExports();
    }
  });

  it('an exec asks the host about its files a few times, not once per check', async () => {
    // The kernel's `import * as nfs from 'node:fs'` sees a patched fs.lstatSync once the ESM exports are synced.
    const mfs = fs as { lstatSync: typeof fs.lstatSync };
    const orig = mfs.lstatSync;
    let calls = 0;
    const count = (n: number) => async (): Promise<number> => {
      calls = 0;
      const r = await runGuest(['/bin/sh', '-c', Array.from({ length: n }, () => '/bin/true').join('; ')]);
      expect(r.code).to.equal(0);
      return calls;
    };
    mfs.lstatSync = ((...a: Parameters<typeof orig>) => { calls++; return orig(...a); }) as typeof orig;
    syncBuiltinESMExports();
    try {
      const one = await count(1)();
      const five = await count(5)();
      // vfork + execve of /bin/true -> /bin/busybox and its interpreter: 33 host lstat calls before the memo.
      expect((five - one) / 4).to.be.at.most(10);
    } finally {
      mfs.lstatSync = orig;
      syncBuiltinESMExports();
    }
  });
});
