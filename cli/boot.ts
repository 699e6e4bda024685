/**
 * `nommu-um boot [--init PATH] [--root DIR] [--mem SIZE] [--syscall-path P]`:
 * boots the guest on the host's terminal. With a terminal (stdin and stdout
 * both), the first process is /sbin/init when the root has a configured init
 * (an /etc/inittab beside it), otherwise a login hush shell ("-sh", which
 * reads /etc/profile) in /root; the console runs the kernel's line
 * discipline and job control, and the host terminal is restored however the
 * simulator ends. Without a terminal (CI, pipes) it runs a short demo
 * command and exits, so `npm start` never waits for input in a script.
 * The exit status is the first process's (128+N when signal N killed it).
 */
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import meow from 'meow';
import { Kernel } from '../kernel/index.js';
import type { KernelOptions, SyscallPath } from '../kernel/index.js';
import { installConsoleTty } from '../kernel/tty/index.js';
import type { Tty } from '../kernel/tty/index.js';
import { cacheDir, rootfsDir } from '../userspace/index.js';
import { parseSize } from './run.js';

const help = `Usage
  $ nommu-um boot [options]

Boots the guest userland on this terminal: /sbin/init when the root has
one configured (with /etc/inittab), otherwise an interactive login shell
(BusyBox hush). Without a terminal it runs a short demo command instead.

Options
  --init PATH           run PATH (a guest path) as the first process
  --root DIR            host directory used as the guest's / (default build/rootfs)
  --mem SIZE            guest RAM, e.g. 64M, 1G (default 256M)
  --bind HOST:GUEST[:ro]  mount a host directory in the guest (repeatable)
  --syscall-path P      zpoline (rewrite syscall sites, default) or trap`;

const flags = {
  init: { type: 'string' },
  root: { type: 'string' },
  mem: { type: 'string', default: '256M' },
  bind: { type: 'string', isMultiple: true },
  syscallPath: { type: 'string', default: 'zpoline' },
} as const;

/** What runs when there is no terminal: cheap (one vfork) and it exits 0. */
export const DEMO_COMMAND = 'echo "nommu-um: $(uname -sm)"; busybox | head -1';

/** The login environment of the first process. */
export function bootEnv(term: string | undefined): string[] {
  return [
    'HOME=/root', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', `TERM=${term ?? 'linux'}`,
    'USER=root', 'LOGNAME=root', 'SHELL=/bin/sh',
  ];
}

/**
 * Whether a guest path exists in the root, resolved the way the guest would
 * (symlinks inside the root, absolute links restart at the root), so a
 * link never sends the check outside it.
 */
export function existsInRoot(root: string, guestPath: string): boolean {
  let pending = guestPath.split('/').filter((c) => c !== '' && c !== '.');
  let at: string[] = [];
  for (let hops = 0; pending.length > 0;) {
    const c = pending.shift()!;
    if (c === '..') { at.pop(); continue; }
    const host = join(root, ...at, c);
    let st;
    try { st = lstatSync(host); } catch { return false; }
    if (!st.isSymbolicLink()) { at.push(c); continue; }
    if (++hops > 40) return false;
    const target = readlinkSync(host);
    if (target.startsWith('/')) at = [];
    pending = [...target.split('/').filter((x) => x !== '' && x !== '.'), ...pending];
  }
  return true;
}

export interface BootPlan { program: string; argv: string[]; cwd: string; interactive: boolean }

/** Chooses the first process: --init, the demo (no terminal), a configured /sbin/init, or a login shell. */
export function planBoot(root: string, init: string | undefined, interactive: boolean): BootPlan {
  const home = existsInRoot(root, '/root') ? '/root' : '/';
  if (init !== undefined) return { program: init, argv: [init], cwd: '/', interactive };
  if (!interactive) return { program: '/bin/sh', argv: ['sh', '-c', DEMO_COMMAND], cwd: home, interactive };
  // BusyBox's init applet is always linked in; without an inittab its defaults (askfirst
  // consoles, respawn, reboot to leave) would give no plain shell session, so it needs one.
  if (existsInRoot(root, '/sbin/init') && existsInRoot(root, '/etc/inittab')) {
    return { program: '/sbin/init', argv: ['init'], cwd: '/', interactive };
  }
  return { program: '/bin/sh', argv: ['-sh'], cwd: home, interactive };
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGHUP'] as const;
const SIGNUM: Record<(typeof FORWARDED)[number], number> = { SIGINT: 2, SIGTERM: 15, SIGQUIT: 3, SIGHUP: 1 };

export async function main(argv: string[]): Promise<number> {
  const cli = meow(help, { importMeta: import.meta, argv, flags, allowUnknownFlags: false });
  const f = cli.flags;
  const usage = (msg: string): number => { process.stderr.write(`nommu-um boot: ${msg}\n\n${help}\n`); return 2; };
  if (cli.input.length > 0) return usage(`unexpected argument '${cli.input[0]}'`);
  const mem = parseSize(f.mem);
  if (!Number.isFinite(mem) || mem < 1 << 20 || mem % 65536 !== 0 || mem > 0xf000_0000) {
    return usage(`--mem ${f.mem}: give a size between 1M and 3840M, a multiple of 64K (e.g. 256M)`);
  }
  if (f.syscallPath !== 'zpoline' && f.syscallPath !== 'trap') return usage(`--syscall-path ${f.syscallPath}: expected zpoline or trap`);
  const binds: Array<{ host: string; guest: string; readonly: boolean }> = [];
  for (const b of f.bind ?? []) {
    const parts = b.split(':');
    const ro = parts.length === 3 && parts[2] === 'ro';
    if (parts.length < 2 || parts.length > 3 || (parts.length === 3 && !ro) || parts[0] === '' || !parts[1].startsWith('/')) {
      return usage(`--bind ${b}: expected HOST:GUEST or HOST:GUEST:ro with an absolute GUEST path`);
    }
    binds.push({ host: parts[0], guest: parts[1], readonly: ro });
  }
  const root = f.root ?? rootfsDir();
  if (!existsSync(join(root, 'bin'))) {
    process.stderr.write(`nommu-um boot: ${root} holds no guest userland: run \`npm run userspace\` first\n`);
    return 1;
  }
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const plan = planBoot(root, f.init, interactive);
  const env = bootEnv(interactive ? process.env.TERM : 'dumb');
  const options: KernelOptions = {
    memBytes: mem, root, binds, syscallPath: f.syscallPath as SyscallPath, env, cwd: plan.cwd,
    siteCacheDir: cacheDir(), stdio: { input: process.stdin, output: { fd: 1 }, error: { fd: 2 } },
  };
  if (!interactive && f.init === undefined) {
    process.stderr.write('nommu-um boot: stdin is not a terminal; running a demo command (run it in a terminal for a shell)\n');
  }

  let kernel: Kernel;
  let tty: Tty | null;
  try {
    kernel = new Kernel(options);
    const first = kernel.spawn(plan.program, plan.argv, env);
    tty = installConsoleTty(kernel, first);
  } catch (e) {
    process.stderr.write(`nommu-um boot: ${(e as Error).message}\n`);
    return 127;
  }
  const k = kernel;
  const handlers = FORWARDED.map((name) => {
    const h = (): void => {
      // A closed host terminal is a hangup; other signals go to the foreground job.
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
  try {
    return await k.run();
  } finally {
    for (const [name, h] of handlers) process.off(name, h);
    process.off('beforeExit', onBeforeExit);
    k.shutdown();
    tty?.stop();
  }
}
