/**
 * Runs one guest program in this process on the same code path as
 * `nommu-um run` (a Kernel over the guest root, spawn, run), with its
 * stdout and stderr in files, and reads what only an in-process run can
 * see: retired instructions and the kernel's syscall statistics.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Kernel } from '../../kernel/index.js';
import type { KernelOptions, SyscallPath } from '../../kernel/index.js';
import { cacheDir } from '../../userspace/index.js';
import { DEFAULT_ENV } from '../run.js';

export interface GuestRunOptions {
  root: string;
  /** Guest path of the program; argv[0] included in argv. */
  program: string;
  argv: string[];
  syscallPath: SyscallPath;
  cpuTier?: KernelOptions['cpuTier'];
  /** Virtual clock and fixed seed: retired-instruction counts repeat exactly. */
  deterministic?: boolean;
  cwd?: string;
  binds?: KernelOptions['binds'];
  timeoutMs: number;
  /** Host directory for the captured stdout and stderr. */
  scratch: string;
}

export interface GuestRun {
  /** Host-style exit status: the exit code, or 128+N after signal N. */
  status: number;
  stdout: Buffer;
  stderr: string;
  /** Guest instructions retired by every task of the run. */
  retired: number;
  /** From spawn to the first process's exit. */
  wallMs: number;
  /** Completed syscalls, entries through the trap, lazily rewritten sites. */
  syscalls: number;
  trapEntries: number;
  lazyRewrites: number;
  /** Per-syscall counts (name -> calls). */
  perSyscall: Record<string, number>;
  /** What the kernel itself printed on the host's stderr during the run (diagnostics such as "kernel bug"). */
  kernelLog: string;
  /** Why the run did not complete normally (kernel error, timeout), if so. */
  error: string | null;
}

export const GUEST_ENV = [...DEFAULT_ENV, 'TERM=vt100'];

/** Runs the program to its end (or the timeout, which ends the kernel). */
export async function runGuest(o: GuestRunOptions): Promise<GuestRun> {
  const outPath = join(o.scratch, 'guest.stdout');
  const errPath = join(o.scratch, 'guest.stderr');
  const outFd = openSync(outPath, 'w');
  const errFd = openSync(errPath, 'w');
  let k: Kernel | null = null;
  let error: string | null = null;
  let status = 0;
  let wallMs = 0;
  let timer: NodeJS.Timeout | null = null;
  // The kernel reports its own trouble on the host's stderr; keep it for the failure reason instead of the terminal.
  const log: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    log.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  }) as typeof process.stderr.write;
  try {
    k = new Kernel({
      root: o.root, binds: o.binds ?? [], syscallPath: o.syscallPath, deterministic: o.deterministic === true,
      env: GUEST_ENV, cwd: o.cwd ?? '/', siteCacheDir: cacheDir(), cpuTier: o.cpuTier,
      stdio: { input: Readable.from([]), output: { fd: outFd }, error: { fd: errFd } },
    });
    const kernel = k;
    const t0 = performance.now();
    kernel.spawn(o.program, o.argv, GUEST_ENV);
    // The scheduler yields to the event loop every few milliseconds, so the timer can end a run that never would.
    timer = setTimeout(() => {
      error = `timed out after ${(o.timeoutMs / 1000).toFixed(0)} s`;
      kernel.shutdown(9);
    }, o.timeoutMs);
    status = await kernel.run();
    wallMs = performance.now() - t0;
  } catch (e) {
    error ??= `simulator error: ${(e as Error).message}`;
  } finally {
    if (timer !== null) clearTimeout(timer);
    process.stderr.write = write;
    try { k?.shutdown(); } catch (e) { error ??= `simulator error at shutdown: ${(e as Error).message}`; }
    closeSync(outFd);
    closeSync(errFd);
  }
  const perSyscall: Record<string, number> = {};
  for (const r of k?.stats.rows() ?? []) perSyscall[r.name] = r.calls;
  return {
    status, stdout: readFileSync(outPath), stderr: readFileSync(errPath, 'utf8'),
    retired: k?.cpu.retiredTotal ?? 0, wallMs,
    syscalls: k?.stats.totalCalls ?? 0, trapEntries: k?.stats.trapEntries ?? 0, lazyRewrites: k?.stats.lazyRewrites ?? 0,
    perSyscall, kernelLog: log.join(''), error,
  };
}

/** Why a guest run did not succeed (exit 0), or null when it did. */
export function guestFailure(r: GuestRun): string | null {
  const kernel = /^nommu-um: (.*)$/m.exec(r.kernelLog)?.[1];
  const because = kernel !== undefined ? ` (${kernel.slice(0, 200)})` : '';
  if (r.error !== null) return r.error + because;
  if (r.status === 0) return null;
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const what = r.status > 128 ? `killed by signal ${r.status - 128}` : `exit status ${r.status}`;
  return (last === '' ? what : `${what}: ${last.slice(0, 200)}`) + because;
}
