/**
 * Runs a program on the host, natively or under qemu-x86_64, and finds out
 * what the host offers (the musl loader that runs the guest's PIE binaries
 * natively, qemu-user and its version).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const HOST_MUSL_LOADER = '/lib/ld-musl-x86_64.so.1';
export const QEMU = 'qemu-x86_64';
export const QEMU_INSTALL_HINT = 'apt-get install qemu-user; userspace/build.sh installs it';
export const MUSL_INSTALL_HINT = 'apt-get install musl';

export interface HostRun {
  /** Exit status, or null when a signal ended it or it did not start. */
  status: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: string;
  wallMs: number;
  /** Why it did not run to an exit status (spawn error, timeout), if so. */
  error: string | null;
}

export interface HostRunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/** Runs `file args` to completion with stdin closed; the wall time covers spawn to exit. */
export function runHost(file: string, args: string[], o: HostRunOptions): HostRun {
  const t0 = performance.now();
  const r = spawnSync(file, args, {
    cwd: o.cwd, env: o.env, timeout: o.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const wallMs = performance.now() - t0;
  let error: string | null = null;
  if (r.error !== undefined) {
    const code = (r.error as NodeJS.ErrnoException).code;
    error = code === 'ETIMEDOUT' ? `timed out after ${(o.timeoutMs / 1000).toFixed(0)} s` : r.error.message;
  }
  return {
    status: r.status, signal: r.signal, stdout: r.stdout ?? Buffer.alloc(0), stderr: r.stderr?.toString() ?? '',
    wallMs, error,
  };
}

/** Why a host run did not succeed (exit 0), or null when it did. */
export function hostFailure(r: HostRun): string | null {
  if (r.error !== null) return r.error;
  if (r.signal !== null) return `killed by ${r.signal}${lastLine(r.stderr)}`;
  if (r.status !== 0) return `exit status ${r.status}${lastLine(r.stderr)}`;
  return null;
}

function lastLine(s: string): string {
  const l = s.trim().split('\n').pop() ?? '';
  return l === '' ? '' : `: ${l.slice(0, 200)}`;
}

/** qemu-x86_64's version line ("7.2.22 (Debian 1:7.2+dfsg-7+deb12u18)"), or null when it is not installed. */
export function qemuVersion(): string | null {
  const r = spawnSync(QEMU, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error !== undefined || r.status !== 0) return null;
  const m = /version\s+(.+)/.exec(r.stdout.split('\n')[0] ?? '');
  return m !== null ? m[1].trim() : r.stdout.split('\n')[0].trim();
}

/** Whether the host can run the guest's musl PIE binaries natively. */
export function hasHostMusl(): boolean {
  return existsSync(HOST_MUSL_LOADER);
}
