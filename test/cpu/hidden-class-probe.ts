/**
 * Run by hidden-class.test.ts in a child `node --allow-natives-syntax`:
 * makes a fresh Core, CpuContext, Block, Cpu and Insn, runs real guest programs
 * in this process on both syscall paths (exec, cheap calls, a BusyBox
 * pipeline), makes fresh ones again and prints, per class, whether the two
 * have the same hidden class. A field whose representation widened during
 * the runs gives the later object another one (cpu/double-field.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cpu, CpuContext, GuestMemory } from '../../cpu/index.js';
import { Block, interpret } from '../../cpu/block.js';
import { Core } from '../../cpu/core.js';
import { Insn } from '../../cpu/insn.js';
import { guestFailure, runGuest } from '../../cli/bench/guest.js';
import type { SyscallPath } from '../../kernel/index.js';
import { rootfsDir } from '../../userspace/index.js';

// V8's own test hook; only parsed when the process runs with --allow-natives-syntax.
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b);') as (a: object, b: object) => boolean;

function fresh(): Record<string, object> {
  const mem = new GuestMemory(1 << 20);
  return {
    Core: new Core(mem),
    CpuContext: new CpuContext(),
    Block: new Block(0x1000, 0x1002, [], interpret),
    Cpu: new Cpu(mem),
    Insn: new Insn(() => {}, () => 0),
  };
}

const LAT = '/usr/libexec/nommu-um/bench/lat_syscall';
const RUNS: Array<[SyscallPath, string, string[]]> = [
  ['trap', LAT, ['lat_syscall', '-n', '20', 'vfork+execve']],
  ['zpoline', LAT, ['lat_syscall', '-n', '20', 'vfork+execve']],
  ['zpoline', LAT, ['lat_syscall', '-n', '20000', 'syscall']],
  ['trap', LAT, ['lat_syscall', '-n', '20000', 'read']],
  ['zpoline', '/bin/sh', ['sh', '-c', 'seq 1 5000 | sort -r | gzip | gzip -d | md5sum; echo 3 4 | awk "{ print \\$1 * \\$2 }"']],
];

const before = fresh();
const scratch = mkdtempSync(join(tmpdir(), 'nommu-um-hidden-class-'));
const failures: string[] = [];
try {
  for (const [syscallPath, program, argv] of RUNS) {
    const r = await runGuest({ root: rootfsDir(), program, argv, syscallPath, timeoutMs: 120_000, scratch });
    const why = guestFailure(r);
    if (why !== null) failures.push(`${argv.join(' ')} (${syscallPath}): ${why}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const after = fresh();
const same: Record<string, boolean> = {};
for (const k of Object.keys(before)) same[k] = sameMap(before[k], after[k]);
process.stdout.write(JSON.stringify({ same, failures }) + '\n');
