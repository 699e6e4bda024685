/**
 * Runs guest programs in an in-process kernel for the kernel tests: the
 * console's output goes to temporary files that are read back, the input is
 * a given string (or empty), and the trace is collected when asked.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Tier } from '../../cpu/index.js';
import { Kernel } from '../../kernel/index.js';
import type { SyscallPath } from '../../kernel/index.js';
import { guestTestsDir, rootfsDir } from '../../userspace/index.js';

export interface GuestRun {
  code: number;
  stdout: string;
  stderr: string;
  trace: string;
  kernel: Kernel;
}

export interface GuestOptions {
  syscallPath?: SyscallPath;
  deterministic?: boolean;
  binds?: Array<{ host: string; guest: string; readonly: boolean }>;
  strace?: boolean;
  input?: string;
  env?: string[];
  memBytes?: number;
  /** The CPU tier (default: NOMMU_TIER=interp, else the kernel's default). */
  cpuTier?: Tier;
}

export const PATHS: SyscallPath[] = ['zpoline', 'trap'];

/** Guest path of a test program built from userspace/tests/<name>.c. */
export const testProgram = (name: string): string => `${guestTestsDir}/${name}`;
/** Host path of the same program (for native runs). */
export const hostTestProgram = (name: string): string => join(rootfsDir(), guestTestsDir, name);

export async function runGuest(argv: string[], o: GuestOptions = {}): Promise<GuestRun> {
  const dir = mkdtempSync(join(tmpdir(), 'nommu-kernel-test-'));
  const outPath = join(dir, 'out'), errPath = join(dir, 'err');
  const out = openSync(outPath, 'w'), err = openSync(errPath, 'w');
  let trace = '';
  try {
    const kernel = new Kernel({
      root: rootfsDir(), memBytes: o.memBytes ?? 64 << 20, syscallPath: o.syscallPath ?? 'zpoline',
      deterministic: o.deterministic ?? false, binds: o.binds ?? [],
      strace: o.strace === true ? { write: (s: string) => { trace += s; } } : null,
      stdio: { input: Readable.from(o.input === undefined ? [] : [Buffer.from(o.input)]), output: { fd: out }, error: { fd: err } },
      env: o.env ?? ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root'],
      cpuTier: o.cpuTier ?? (process.env.NOMMU_TIER === 'interp' ? 'interp' : undefined),
    });
    kernel.spawn(argv[0], argv);
    const code = await kernel.run();
    kernel.shutdown();
    return { code, stdout: readFileSync(outPath, 'utf8'), stderr: readFileSync(errPath, 'utf8'), trace, kernel };
  } finally {
    closeSync(out);
    closeSync(err);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same program run natively on the host (this machine is x86-64 Linux). */
export function runNative(argv: string[]): { code: number; stdout: string } {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? 128 + 9, stdout: r.stdout };
}

/** Lines of a check program's report without the informational ones. */
export const checkLines = (s: string): string[] => s.split('\n').filter((l) => l !== '' && !l.startsWith('info:'));
