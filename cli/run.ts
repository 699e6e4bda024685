/**
 * `nommu-um run [options] -- PROGRAM [ARGS...]`: boots a kernel over a guest
 * root, runs PROGRAM as pid 1 on the host's stdin/stdout/stderr and exits
 * with its status (128+N when signal N killed it). Host SIGINT, SIGTERM,
 * SIGHUP and SIGQUIT go to the guest's foreground process group.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import meow from 'meow';
import { Kernel, installConsoleTty } from '../kernel/index.js';
import type { KernelOptions, SyscallPath, TraceSink, Tty } from '../kernel/index.js';
import { cacheDir, rootfsDir } from '../userspace/index.js';

export const runHelp = `Usage
  $ nommu-um run [options] -- PROGRAM [ARGS...]

Runs PROGRAM (a guest path; without a slash it is looked up in the guest's
PATH) inside the simulated no-MMU kernel, on the host's stdin and stdout.
The exit status is the program's (128+N when signal N killed it).

Options
  --root DIR            host directory used as the guest's / (default build/rootfs)
  --mem SIZE            guest RAM, e.g. 64M, 1G (default 256M)
  --cwd DIR             guest working directory (default /)
  --env K=V             set a guest environment variable (repeatable)
  --bind HOST:GUEST[:ro]  mount a host directory in the guest (repeatable)
  --syscall-path P      zpoline (rewrite syscall sites, default) or trap
  --stack SIZE          stack of each exec'd program (default 128K)
  --deterministic       virtual clock from retired instructions, fixed random seed
  --strace              trace guest syscalls to stderr
  --strace-out FILE     trace guest syscalls to FILE
  --stats               print syscall and CPU statistics to stderr at exit
  --cpu-tier T          CPU execution tier: compiled (default) or interp (the reference interpreter)`;

export const runFlags = {
  root: { type: 'string' },
  mem: { type: 'string', default: '256M' },
  cwd: { type: 'string', default: '/' },
  env: { type: 'string', isMultiple: true },
  bind: { type: 'string', isMultiple: true },
  syscallPath: { type: 'string', default: 'zpoline' },
  stack: { type: 'string', default: '128K' },
  deterministic: { type: 'boolean', default: false },
  strace: { type: 'boolean', default: false },
  straceOut: { type: 'string' },
  stats: { type: 'boolean', default: false },
  cpuTier: { type: 'string', default: 'compiled' },
} as const;

/** "64M", "1G", "4096", "128K" -> bytes; NaN when malformed. */
export function parseSize(s: string): number {
  const m = /^(\d+)([KMG]i?B?)?$/i.exec(s.trim());
  if (m === null) return NaN;
  const unit = (m[2] ?? '').charAt(0).toUpperCase();
  const mul = unit === 'K' ? 1024 : unit === 'M' ? 1 << 20 : unit === 'G' ? 1 << 30 : 1;
  return Number(m[1]) * mul;
}

export const DEFAULT_ENV = ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root'];

export class UsageError extends Error {}

export interface RunSetup {
  options: KernelOptions;
  program: string;
  argv: string[];
  stats: boolean;
  close(): void;
}

/** Splits `options -- PROGRAM ARGS` (the `--` may be omitted before a PROGRAM that does not start with -). */
export function splitArgv(argv: string[]): { opts: string[]; rest: string[] } {
  const dd = argv.indexOf('--');
  if (dd >= 0) return { opts: argv.slice(0, dd), rest: argv.slice(dd + 1) };
  const opts: string[] = [];
  let i = 0;
  const valued = new Set(['--root', '--mem', '--cwd', '--env', '--bind', '--syscall-path', '--stack', '--strace-out', '--cpu-tier']);
  while (i < argv.length && argv[i].startsWith('-')) {
    opts.push(argv[i]);
    if (valued.has(argv[i]) && i + 1 < argv.length) opts.push(argv[++i]);
    i++;
  }
  return { opts, rest: argv.slice(i) };
}

/** Parses the run options into kernel options; throws UsageError with a message. */
export function parseRunArgs(argv: string[], help = runHelp): RunSetup {
  const { opts, rest } = splitArgv(argv);
  const cli = meow(help, { importMeta: import.meta, argv: opts, flags: runFlags, allowUnknownFlags: false });
  const f = cli.flags;
  if (rest.length === 0) throw new UsageError('no PROGRAM given');
  const mem = parseSize(f.mem);
  if (!Number.isFinite(mem) || mem < 1 << 20 || mem % 65536 !== 0 || mem > 0xf000_0000) {
    throw new UsageError(`--mem ${f.mem}: give a size between 1M and 3840M, a multiple of 64K (e.g. 256M)`);
  }
  const stack = parseSize(f.stack);
  if (!Number.isFinite(stack) || stack < 16384 || stack % 4096 !== 0) throw new UsageError(`--stack ${f.stack}: give a multiple of 4K, at least 16K`);
  if (f.syscallPath !== 'zpoline' && f.syscallPath !== 'trap') {
    throw new UsageError(`--syscall-path ${f.syscallPath}: expected zpoline or trap`);
  }
  if (f.cpuTier !== 'compiled' && f.cpuTier !== 'interp') throw new UsageError(`--cpu-tier ${f.cpuTier}: expected compiled or interp`);
  const env = [...DEFAULT_ENV, `TERM=${process.env.TERM ?? 'vt100'}`];
  for (const e of f.env ?? []) {
    const eq = e.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env ${e}: expected K=V`);
    const key = e.slice(0, eq + 1);
    const i = env.findIndex((x) => x.startsWith(key));
    if (i >= 0) env[i] = e; else env.push(e);
  }
  const binds = (f.bind ?? []).map((b) => {
    const parts = b.split(':');
    const ro = parts.length === 3 && parts[2] === 'ro';
    if (parts.length < 2 || parts.length > 3 || (parts.length === 3 && !ro) || parts[0] === '' || !parts[1].startsWith('/')) {
      throw new UsageError(`--bind ${b}: expected HOST:GUEST or HOST:GUEST:ro with an absolute GUEST path`);
    }
    return { host: parts[0], guest: parts[1], readonly: ro };
  });
  let strace: TraceSink | null = null;
  let traceFd = -1;
  if (f.straceOut !== undefined) {
    try { traceFd = openSync(f.straceOut, 'w'); } catch (e) {
      throw new UsageError(`--strace-out ${f.straceOut}: ${(e as Error).message}`);
    }
    const fd = traceFd;
    strace = { write: (s) => { writeSync(fd, s); } };
  } else if (f.strace) {
    strace = { write: (s) => { writeSync(2, s); } };
  }
  return {
    options: {
      memBytes: mem, root: f.root ?? rootfsDir(), binds, syscallPath: f.syscallPath as SyscallPath,
      deterministic: f.deterministic, strace, env, cwd: f.cwd, stackBytes: stack, siteCacheDir: cacheDir(),
      stdio: { input: process.stdin, output: { fd: 1 }, error: { fd: 2 } },
      cpuTier: f.cpuTier,
    },
    program: rest[0],
    argv: rest,
    stats: f.stats,
    close: () => { if (traceFd >= 0) closeSync(traceFd); },
  };
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;
const SIGNUM: Record<(typeof FORWARDED)[number], number> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1, SIGQUIT: 3 };

/** Runs a parsed setup to completion; returns the host exit status. */
export async function runSetup(setup: RunSetup, printStats: (k: Kernel, wallMs: number) => void): Promise<number> {
  let kernel: Kernel;
  let tty: Tty | null;
  try {
    kernel = new Kernel(setup.options);
    const first = kernel.spawn(setup.program, setup.argv);
    // A host terminal on stdin becomes the guest's controlling terminal (line discipline, job control).
    tty = installConsoleTty(kernel, first);
  } catch (e) {
    process.stderr.write(`nommu-um: ${(e as Error).message}\n`);
    setup.close();
    return 127;
  }
  const k = kernel;
  const handlers = FORWARDED.map((name) => {
    const h = (): void => {
      if (name === 'SIGHUP' && tty !== null) { tty.hangup(); k.sched.kick(); return; }
      const fg = tty?.job.pgrp;
      k.signalForeground(SIGNUM[name], fg !== undefined && fg !== 0 ? fg : undefined);
    };
    process.on(name, h);
    return [name, h] as const;
  });
  const onBeforeExit = (): void => {
    if (!k.finished) {
      process.stderr.write('nommu-um: every guest task is blocked and nothing can wake them (deadlock)\n' +
        k.describeTasks().map((l) => `nommu-um:   ${l}\n`).join(''));
      k.shutdown(1 << 8);
    }
  };
  process.on('beforeExit', onBeforeExit);
  const t0 = performance.now();
  let code: number;
  try {
    code = await k.run();
  } finally {
    for (const [name, h] of handlers) process.off(name, h);
    process.off('beforeExit', onBeforeExit);
    k.shutdown();
    tty?.stop();
    setup.close();
  }
  if (setup.stats) printStats(k, performance.now() - t0);
  return code;
}

export function printStats(k: Kernel, wallMs: number): void {
  process.stderr.write(k.stats.render({
    retired: k.cpu.retiredTotal, wallMs, idleMs: k.sched.idleMs, slices: k.sched.slices,
  }));
}

export async function main(argv: string[]): Promise<number> {
  let setup: RunSetup;
  try {
    setup = parseRunArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`nommu-um run: ${e.message}\n\n${runHelp}\n`);
      return 2;
    }
    throw e;
  }
  return runSetup(setup, printStats);
}
