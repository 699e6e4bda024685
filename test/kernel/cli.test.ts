/**
 * `nommu-um run` and `nommu-um stats` as a user runs them: a separate node
 * process, the host's stdio, exit statuses, --strace-out, --stats, usage
 * errors, and host SIGINT reaching the guest.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { testProgram } from './guest.js';

/** The compiled command modules sit beside this compiled test, in the same output tree. */
const runModule = fileURLToPath(new URL('../../cli/run.js', import.meta.url));
const statsModule = fileURLToPath(new URL('../../cli/stats.js', import.meta.url));
const tier = process.env.NOMMU_TIER === 'interp' ? ['--cpu-tier', 'interp'] : [];

const script = (mod: string, args: string[]): string[] => ['--input-type=module', '-e',
  `const m = await import(${JSON.stringify(mod)}); process.exitCode = await m.main(${JSON.stringify(args)});`];

function nommu(cmd: 'run' | 'stats', args: string[], input = ''): { code: number; stdout: string; stderr: string } {
  const mod = cmd === 'run' ? runModule : statsModule;
  const r = spawnSync(process.execPath, script(mod, [...tier, ...args]), { input, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('cli: nommu-um run', function () {
  this.timeout(300_000);

  it('runs busybox echo hello: prints hello, exits 0', () => {
    const r = nommu('run', ['--', '/bin/busybox', 'echo', 'hello']);
    expect(r.stdout).to.equal('hello\n');
    expect(r.code).to.equal(0);
  });

  it("exits with the guest's status: sh -c 'exit 3' gives 3", () => {
    expect(nommu('run', ['--', '/bin/sh', '-c', 'exit 3']).code).to.equal(3);
  });

  it('gives 128+N when signal N killed the guest (SIGSEGV: 139)', () => {
    expect(nommu('run', ['--', testProgram('k_signals'), 'segv']).code).to.equal(139);
  });

  it('passes the host stdin to the guest and finds programs in PATH', () => {
    const r = nommu('run', ['--env', 'GREETING=hi', '--', 'sh', '-c', 'cat; echo $GREETING'], 'from the host\n');
    expect(r.stdout).to.equal('from the host\nhi\n');
    expect(r.code).to.equal(0);
  });

  it('--strace-out writes strace lines; --syscall-path trap works the same', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nommu-cli-'));
    try {
      const file = join(dir, 'trace');
      const r = nommu('run', ['--syscall-path', 'trap', '--strace-out', file, '--', '/bin/busybox', 'echo', 'x']);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.equal('x\n');
      const trace = readFileSync(file, 'utf8');
      expect(trace).to.contain('[pid 1] write(1, "x\\n", 2) = 2\n');
      expect(trace).to.contain('[pid 1] exit_group(0) = ?\n[pid 1] +++ exited with 0 +++\n');
      expect(trace).to.match(/\[pid 1\] arch_prctl\(ARCH_SET_FS, 0x[0-9a-f]+\) = 0/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--strace shows errors as strace does', () => {
    const r = nommu('run', ['--strace', '--', '/bin/busybox', 'cat', '/nonexistent']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/\[pid 1\] open(at)?\((AT_FDCWD, )?"\/nonexistent", O_RDONLY[^)]*\) = -1 ENOENT \(No such file or directory\)/);
  });

  it('--stats prints syscall counts, retired instructions and rewritten sites', () => {
    const r = nommu('run', ['--stats', '--', '/bin/busybox', 'true']);
    expect(r.code).to.equal(0);
    expect(r.stderr).to.match(/retired instructions\s+[1-9]\d*/);
    expect(r.stderr).to.match(/sites rewritten \(exec\)\s+[1-9]\d*/);
    expect(r.stderr).to.match(/\s1 exit_group\n/);
  });

  it('nommu-um stats --json reports the same as JSON', () => {
    const r = nommu('stats', ['--json', '--', '/usr/libexec/nommu-um/tests/k_dlopen']);
    expect(r.code).to.equal(0);
    const j = JSON.parse(r.stderr.trim().split('\n').pop()!) as { lazyRewrites: number; retired: number; syscalls: Array<{ name: string; calls: number }> };
    expect(j.lazyRewrites).to.equal(2);
    expect(j.retired).to.be.greaterThan(0);
    expect(j.syscalls.find((s) => s.name === 'openat' || s.name === 'open')?.calls).to.be.greaterThan(0);
  });

  it('reports usage errors with status 2 and a missing program with 127', () => {
    expect(nommu('run', []).code).to.equal(2);
    expect(nommu('run', ['--mem', '12x', '--', '/bin/true']).code).to.equal(2);
    expect(nommu('run', ['--syscall-path', 'fast', '--', '/bin/true']).code).to.equal(2);
    expect(nommu('run', ['--bind', 'nocolon', '--', '/bin/true']).code).to.equal(2);
    const r = nommu('run', ['--', '/no/such/program']);
    expect(r.code).to.equal(127);
    expect(r.stderr).to.contain('cannot execute /no/such/program: ENOENT (No such file or directory)');
  });

  it('forwards host SIGINT to the guest (the guest dies of it: 130)', async () => {
    const child = spawn(process.execPath, script(runModule, [...tier, '--', '/bin/sh', '-c', 'echo ready; exec sleep 30']),
      { stdio: ['ignore', 'pipe', 'pipe'] });
    const code = await new Promise<number>((resolve) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready')) child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c ?? -1));
    });
    expect(code).to.equal(130);
  });
});
