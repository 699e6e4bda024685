/**
 * The special fds through the whole simulator (issue 7), on both syscall
 * paths: the fd_*.c programs print exactly the native output recorded in
 * test/kernel/special/fixtures and what a fresh native run prints here
 * (fanotify natively only where the host allows it); fd_reader shows that a
 * signalfd reads the reading thread's signals, that fanotify installs event
 * fds in the reading process's table and reports a close by the closing
 * process; fd_fanperm_kill shows that a task killed while it waits for a
 * fanotify permission answer takes its unread event with it; fd_positional
 * shows pread/pwrite are ESPIPE on every special fd while lseek returns 0.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { repoRoot } from '../../userspace/index.js';
import { PATHS, hostTestProgram, runGuest, runNative, testProgram } from './guest.js';

const FIXTURED = ['fd_eventfd', 'fd_timerfd', 'fd_signalfd', 'fd_epoll', 'fd_inotify', 'fd_fanotify', 'fd_evloop'];
const fixture = (name: string): string => readFileSync(join(repoRoot(), 'test/kernel/special/fixtures', `${name}.out`), 'utf8');
/** What the programs print when the host refuses fanotify_init (no CAP_SYS_ADMIN). */
const NO_FANOTIFY = /^fanotify_init: EPERM \(no CAP_SYS_ADMIN here\)/m;

describe('kernel: special fds through the simulator', function () {
  this.timeout(600_000);

  const native = new Map<string, string>();
  before(() => {
    for (const name of [...FIXTURED, 'fd_reader', 'fd_positional', 'fd_fanperm_kill']) {
      const r = runNative([hostTestProgram(name)]);
      expect(r.code, `${name} natively`).to.equal(0);
      native.set(name, r.stdout);
    }
  });

  for (const path of PATHS) {
    describe(`--syscall-path ${path}`, () => {
      for (const name of FIXTURED) {
        it(`${name} prints the recorded native output and this host's${name === 'fd_fanotify' ? ' (where it allows fanotify)' : ''}`, async () => {
          const r = await runGuest([testProgram(name)], { syscallPath: path });
          expect(r.code).to.equal(0);
          expect(r.stdout).to.equal(fixture(name));
          const here = native.get(name)!;
          if (name !== 'fd_fanotify' || !NO_FANOTIFY.test(here)) expect(r.stdout).to.equal(here);
        });
      }

      it('fd_reader: signalfd reads the reader\'s signals, fanotify event fds go to the reader\'s table (as natively)', async () => {
        const r = await runGuest([testProgram('fd_reader')], { syscallPath: path });
        expect(r.code).to.equal(0);
        expect(r.stdout).to.contain("thread: read of the main thread's signalfd = 128\nthread: ssi_signo = 10, sent to this thread: yes\n");
        expect(r.stdout).to.contain("main: read (the thread's signal is not the main thread's) = -1 EAGAIN\n");
        expect(r.stdout).to.contain("child: event fd is in the child's table and names the file: yes\n");
        expect(r.stdout).to.contain("parent: fds open now vs before the child's read, the report pipe left out: +0\n");
        expect(r.stdout).to.contain('close event: pid is the closing process = yes\n');
        expect(r.stdout).to.not.contain('= no');
        const here = native.get('fd_reader')!;
        if (NO_FANOTIFY.test(here)) {
          const upToFanotify = (s: string): string => s.slice(0, s.indexOf('fanotify_init'));
          expect(upToFanotify(r.stdout)).to.equal(upToFanotify(here));
        } else {
          expect(r.stdout).to.equal(here);
        }
      });

      it('fd_fanperm_kill: a task killed while waiting for a fanotify permission answer takes its event away (as natively)', async () => {
        const r = await runGuest([testProgram('fd_fanperm_kill')], { syscallPath: path });
        expect(r.code).to.equal(0);
        expect(r.stdout).to.contain('FIONREAD = 24\n');
        expect(r.stdout).to.contain('child killed by SIGKILL: yes\n');
        expect(r.stdout).to.contain('FIONREAD after the child died (its event is gone) = 0\nread = -1 EAGAIN\n');
        expect(r.stdout).to.contain('mask OPEN_PERM = 1, pid is the new child = yes\nchild: open returned an fd\nwrite FAN_ALLOW = 8\n');
        expect(r.stdout).to.contain('fd_fanperm_kill: done\n');
        const here = native.get('fd_fanperm_kill')!;
        if (!NO_FANOTIFY.test(here)) expect(r.stdout).to.equal(here);
      });

      it('fd_positional: pread/pwrite/preadv/pwritev are ESPIPE on every special fd, lseek returns 0 (as natively)', async () => {
        const r = await runGuest([testProgram('fd_positional')], { syscallPath: path });
        expect(r.code).to.equal(0);
        for (const kind of ['eventfd', 'timerfd', 'signalfd', 'epoll', 'inotify', 'fanotify']) {
          for (const op of ['pread', 'pwrite', 'preadv', 'pwritev']) expect(r.stdout).to.contain(`${kind}: ${op} = -1 ESPIPE\n`);
          expect(r.stdout).to.contain(`${kind}: pread at -1 = -1 EINVAL\n`);
          expect(r.stdout).to.contain(`${kind}: lseek(5, SEEK_SET) = 0\n`);
          expect(r.stdout).to.contain(`${kind}: lseek(0, SEEK_END) = 0\n`);
        }
        expect(r.stdout).to.contain('pipe read end: lseek(5, SEEK_SET) = -1 ESPIPE\n');
        const here = native.get('fd_positional')!;
        const withoutFanotify = (s: string): string => s.split('\n').filter((l) => !l.startsWith('fanotify')).join('\n');
        expect(NO_FANOTIFY.test(here) ? withoutFanotify(r.stdout) : r.stdout).to.equal(NO_FANOTIFY.test(here) ? withoutFanotify(here) : here);
      });
    });
  }
});
