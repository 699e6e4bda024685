/**
 * The kernel keeps the bytes of exec'd files for the next exec of the same
 * unchanged file (kernel/fs/vfs.ts, openExec). A file changed in between,
 * even to the same size within the same second, must run as it is now.
 */
import { expect } from 'chai';
import { PATHS, runGuest } from './guest.js';

describe('exec of a file changed since its last exec (guest)', function () {
  this.timeout(120_000);
  for (const syscallPath of PATHS) {
    it(`runs the new bytes, on tmpfs and on the host-backed root (${syscallPath})`, async () => {
      const script = [
        'for d in /tmp /root; do',
        '  f=$d/exec-bytes.sh',
        '  printf "#!/bin/sh\\necho one\\n" > $f; chmod +x $f',
        '  $f; $f',
        '  printf "#!/bin/sh\\necho two\\n" > $f',
        '  $f',
        '  rm $f',
        'done',
        // An ELF exec'd twice, then replaced by a script at the same path.
        'cp /bin/busybox /tmp/true; /tmp/true; echo "elf:$?"; /tmp/true; echo "elf:$?"',
        'printf "#!/bin/sh\\nexit 7\\n" > /tmp/true; /tmp/true; echo "script:$?"',
      ].join('\n');
      const r = await runGuest(['/bin/sh', '-c', script], { syscallPath });
      expect(r.stdout.split('\n').filter((l) => l !== '')).to.deep.equal(['one', 'one', 'two', 'one', 'one', 'two', 'elf:0', 'elf:0', 'script:7']);
    });
  }
});
