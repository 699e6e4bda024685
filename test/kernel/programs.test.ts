/**
 * Real programs in the simulator: BusyBox, and the C programs of
 * userspace/tests/k_*.c (vfork and exec, nommu mmap, signals and
 * rt_sigreturn, threads and futexes, dlopen with lazy rewriting, time), on
 * both syscall paths, compared with native runs where the behaviour is not
 * nommu-specific.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { rootfsDir } from '../../userspace/index.js';
import { PATHS, checkLines, hostTestProgram, runGuest, runNative, testProgram } from './guest.js';

describe('kernel: guest programs', function () {
  this.timeout(600_000);

  let etDir = '';
  before(() => {
    // A static non-PIE program: a no-MMU kernel must refuse it with ENOEXEC.
    etDir = mkdtempSync(join(tmpdir(), 'nommu-etexec-'));
    writeFileSync(join(etDir, 'et.c'), 'int main(void) { return 0; }\n');
    execFileSync('musl-gcc', ['-static', '-no-pie', '-o', join(etDir, 'etexec'), join(etDir, 'et.c')]);
  });
  after(() => rmSync(etDir, { recursive: true, force: true }));

  it('busybox echo hello prints hello and exits 0', async () => {
    const r = await runGuest(['/bin/busybox', 'echo', 'hello']);
    expect(r.stdout).to.equal('hello\n');
    expect(r.code).to.equal(0);
  });

  it("sh -c 'exit 3' exits 3", async () => {
    const r = await runGuest(['/bin/sh', '-c', 'exit 3']);
    expect(r.code).to.equal(3);
  });

  it('returns the memory of exited and exec\'d processes: 100 spawns leave every page free', async () => {
    const r = await runGuest(['/bin/sh', '-c', 'i=0; while [ $i -lt 100 ]; do /bin/true; i=$((i+1)); done; echo $i']);
    expect(r.stdout).to.equal('100\n');
    expect(r.kernel.stats.execs).to.equal(101);
    expect(r.kernel.pages.freePages).to.equal(r.kernel.pages.totalPages - 1);
  });

  it('a shell pipeline of spawned programs runs', async () => {
    const r = await runGuest(['/bin/sh', '-c', 'echo one two three | wc -w; busybox echo done']);
    expect(r.stdout.trim().split(/\s+/)).to.deep.equal(['3', 'done']);
    expect(r.code).to.equal(0);
  });

  it('pid 1 exiting ends the guest as in a pid namespace: a background job it left is killed; one it waits for finishes', async () => {
    const left = await runGuest(['/bin/sh', '-c', '(sleep 0.2; echo after) & echo end']);
    expect(left.stdout).to.equal('end\n');
    expect(left.code).to.equal(0);
    expect(left.kernel.liveProcesses).to.equal(0);
    const waited = await runGuest(['/bin/sh', '-c', '(sleep 0.1; echo after) & echo end; wait']);
    expect(waited.stdout).to.equal('end\nafter\n');
    expect(waited.code).to.equal(0);
  });

  for (const path of PATHS) {
    describe(`--syscall-path ${path}`, () => {
      it('k_vfork: vfork blocks the parent, fork gives EINVAL, posix_spawn works, ET_EXEC gives ENOEXEC', async () => {
        const r = await runGuest([testProgram('k_vfork'), '/ktest/etexec'], {
          syscallPath: path, binds: [{ host: etDir, guest: '/ktest', readonly: true }],
        });
        expect(r.stdout).to.not.contain('FAIL');
        expect(r.stdout).to.contain('ok: execve of an ET_EXEC (non-PIE) binary fails with ENOEXEC');
        expect(r.stdout).to.contain('ok: fork() fails with EINVAL');
        expect(r.stdout).to.contain('ok: child already exited when the parent resumed');
        expect(r.stdout).to.contain('ok: a #! script runs through its interpreter (exit 4)');
        expect(r.stdout).to.contain('ok: exec closes O_CLOEXEC fds and keeps the others');
        expect(r.stdout).to.contain('ok: the orphaned grandchild is reparented to pid 1, which reaps it');
        expect(r.stdout.trim().split('\n').pop()).to.equal('PASSED');
        expect(r.code).to.equal(0);
      });

      it('k_mmap: nommu mmap, munmap, mremap, brk, MAP_FIXED EINVAL', async () => {
        const r = await runGuest([testProgram('k_mmap')], { syscallPath: path });
        expect(r.stdout).to.not.contain('FAIL');
        expect(r.stdout).to.contain('ok: MAP_FIXED at an address not owned: EINVAL');
        expect(r.stdout.trim().split('\n').pop()).to.equal('PASSED');
        expect(r.code).to.equal(0);
      });

      it('k_signals: handlers, rt_sigreturn restores all registers, SA_RESTART, default actions (as natively)', async () => {
        const r = await runGuest([testProgram('k_signals')], { syscallPath: path });
        expect(r.stdout).to.not.contain('FAIL');
        expect(r.stdout).to.contain('ok: rt_sigreturn restored every general register');
        expect(r.stdout).to.contain('ok: rt_sigreturn restored every XMM register');
        expect(r.stdout).to.contain('ok: SA_RESTART: the read is restarted after the handler');
        expect(r.stdout).to.contain('ok: a write to 0x10: SIGSEGV, SEGV_MAPERR, si_addr 0x10');
        expect(r.stdout).to.contain('info: core flag 1');
        expect(r.code).to.equal(0);
        const native = runNative([hostTestProgram('k_signals')]);
        expect(checkLines(r.stdout)).to.deep.equal(checkLines(native.stdout));
      });

      it('a NULL write kills the program with status 139', async () => {
        const r = await runGuest([testProgram('k_signals'), 'segv'], { syscallPath: path });
        expect(r.code).to.equal(139);
      });

      it('k_threads: 8 pthreads with a mutex and condition variables complete and join (as natively)', async () => {
        const r = await runGuest([testProgram('k_threads')], { syscallPath: path });
        expect(r.stdout).to.not.contain('FAIL');
        expect(r.code).to.equal(0);
        const native = runNative([hostTestProgram('k_threads')]);
        expect(checkLines(r.stdout)).to.deep.equal(checkLines(native.stdout));
      });

      it('k_dlopen: a dlopened library with its own syscall instruction works (as natively)', async () => {
        const r = await runGuest([testProgram('k_dlopen')], { syscallPath: path });
        expect(r.stdout).to.not.contain('FAIL');
        expect(r.stdout).to.contain('raw write from the library');
        expect(r.code).to.equal(0);
        if (path === 'zpoline') {
          // Two sites in the library, each trapping once and then rewritten.
          expect(r.kernel.stats.lazyRewrites).to.equal(2);
          expect(r.kernel.stats.trapEntries).to.equal(2);
        } else {
          expect(r.kernel.stats.lazyRewrites).to.equal(0);
          expect(r.kernel.stats.trapEntries).to.be.greaterThan(100);
        }
        const native = runNative([hostTestProgram('k_dlopen'), join(rootfsDir(), 'usr/lib/k_rawsys.so')]);
        expect(checkLines(r.stdout)).to.deep.equal(checkLines(native.stdout));
      });

      it('k_time: clocks, sleeps, timers, identity, the red zone across a syscall, ENOSYS', async () => {
        const r = await runGuest([testProgram('k_time')], { syscallPath: path });
        expect(r.stdout).to.not.contain('FAIL');
        expect(r.stdout).to.contain('info: release 6.1.0-nommu-um');
        expect(r.stdout).to.contain('ok: the red zone below rsp survives a syscall');
        expect(r.code).to.equal(0);
        // Unimplemented numbers are counted, inside and past the sled.
        expect(r.kernel.stats.unknownCalls.get(500)).to.equal(1);
        expect(r.kernel.stats.unknownCalls.get(1000)).to.equal(1);
      });
    });
  }

  it('--deterministic: two runs see the same clocks and random bytes', async () => {
    const a = await runGuest([testProgram('k_time'), 'values'], { deterministic: true });
    const b = await runGuest([testProgram('k_time'), 'values'], { deterministic: true });
    expect(a.stdout).to.match(/^monotonic \d+\.\d{9} realtime 1704067200\.\d{9} random [0-9a-f]{16}\n$/);
    expect(a.stdout).to.equal(b.stdout);
    const c = await runGuest([testProgram('k_time'), 'values']);
    expect(c.stdout).to.not.equal(a.stdout);
  });

  it('k_time passes under --deterministic too (sleeps advance the virtual clock)', async () => {
    const r = await runGuest([testProgram('k_time')], { deterministic: true });
    expect(r.stdout).to.not.contain('FAIL');
    expect(r.code).to.equal(0);
  });
});
