/**
 * Pipes found wanting by hush's own tests (conformance run):
 * - sendfile from a pipe into a pipe that is nearly full: what is read from
 *   the input pipe cannot be put back, so no more may be read than the
 *   output takes (BusyBox cat copies with sendfile). heredoc_huge: a 120 KB
 *   here-document through `cat | md5sum` lost 25 KB.
 * - /proc/self/fd/N of an anonymous pipe opens that pipe (redir_leak:
 *   `ls >/proc/self/fd/1 | wc -l` waited forever for a reader of a FIFO).
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { PATHS, runGuest } from './guest.js';

const LINE = '123456789 123456789 123456789 123456789\n';

describe('sendfile between pipes (guest)', function () {
  this.timeout(120_000);
  for (const syscallPath of PATHS) {
    it(`cat from a pipe into a slowly drained pipe loses nothing (${syscallPath})`, async () => {
      // The reader sleeps first: cat meets a full pipe (no room, then room for part of a chunk).
      const r = await runGuest(['/bin/sh', '-c', 'yes "123456789 123456789 123456789 123456789" | head -c 300000 | cat | (sleep 1; wc -c)'], { syscallPath });
      expect(r.stdout.trim()).to.equal('300000');
    });

    it(`a 120 KB here-document through cat | md5sum arrives whole (${syscallPath})`, async () => {
      // hush writes what fits into the pipe, then a re-executed shell writes the rest (nommu).
      const doc = LINE.repeat(3000);
      const script = `cat <<HERE | md5sum\n${doc}HERE\n`;
      const r = await runGuest(['/bin/sh', '-c', script], { syscallPath });
      expect(r.stdout.trim()).to.equal(`${createHash('md5').update(doc).digest('hex')}  -`);
    });
  }
});

describe('/proc/self/fd/N of a pipe (guest)', function () {
  this.timeout(120_000);
  for (const syscallPath of PATHS) {
    it(`reopening a pipe end through /proc/self/fd reaches the same pipe (${syscallPath})`, async () => {
      const r = await runGuest(['/bin/sh', '-c', 'ls -1 /proc/self/fd >/proc/self/fd/1 | wc -l; echo "`ls -1 /proc/self/fd >/proc/self/fd/1 2>&1`" | wc -l'], { syscallPath });
      // fds 0, 1, 2 and the one ls's opendir holds
      expect(r.stdout.split('\n').filter((l) => l !== '').map((l) => l.trim())).to.deep.equal(['4', '4']);
    });
  }
});
