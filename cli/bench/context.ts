/**
 * What every suite needs: the guest root, the paths to run, how often, the
 * limits, and where progress goes. Also the host locations of the guest's
 * programs (the same files run natively, under qemu and in the simulator).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KernelOptions } from '../../kernel/index.js';
import { guestBenchDir } from '../../userspace/index.js';
import { GUEST_ENV } from './guest.js';
import type { PathName } from './types.js';

export interface BenchContext {
  /** Host directory that is the guest's root (build/rootfs). */
  root: string;
  paths: PathName[];
  /** Timed runs per cell; the cell keeps the best. */
  repeat: number;
  cpuTier?: KernelOptions['cpuTier'];
  /** Limit of one simulator or host run. */
  timeoutMs: number;
  /** Host directory for captured output and generated data. */
  scratch: string;
  /** qemu-x86_64's version, or null when it is not installed. */
  qemu: string | null;
  /** Whether the host has /lib/ld-musl-x86_64.so.1 (native runs). */
  hostMusl: boolean;
  progress(line: string): void;
}

/** Host path of a guest path inside the root. */
export function hostPath(root: string, guestPath: string): string {
  return join(root, ...guestPath.split('/').filter((c) => c !== ''));
}

export const LAT_SYSCALL = `${guestBenchDir}/lat_syscall`;
export const CPU_KERNELS = `${guestBenchDir}/cpu_kernels`;
export const BUSYBOX = '/bin/busybox';

/** The environment of host runs: the guest's, so exec'd programs see the same. */
export function hostEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const kv of GUEST_ENV) {
    const eq = kv.indexOf('=');
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

/** Why a guest program cannot run at all, or null. */
export function missingProgram(root: string, guestPath: string): string | null {
  return existsSync(hostPath(root, guestPath)) ? null : `${guestPath} is not in ${root}: run \`npm run userspace\``;
}
