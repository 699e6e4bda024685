/**
 * How each side runs a unit. Every side runs the same harness command
 * (`/bin/sh ./runtest -v APPLET` in testsuite/, `/bin/sh ./run-all DIR` in
 * shell/hush_test/, stderr merged into stdout) with the same environment;
 * only what /bin/sh is and where the tree lives differ.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HarnessCommand } from './exec.js';
import { makeChrootTree, makeTree, provideEchoNe } from './tree.js';
import type { TreeSource } from './tree.js';
import type { SideName, Unit } from './types.js';

export interface SideOptions extends TreeSource {
  /** Where scratch trees go (build/conformance). */
  workDir: string;
  cpuTier: 'interp' | 'compiled';
  /** Guest RAM, as `nommu-um run --mem` takes it. */
  mem: string;
  /** Per-unit strace files of guest runs go here (null: no tracing). */
  straceDir: string | null;
}

/** A side's scratch tree for one job slot. */
export interface SlotTree {
  /** Host path of the tree (TREE/testsuite, TREE/shell/hush_test...). */
  host: string;
  /** The same tree as the harness sees it (bindir). */
  inside: string;
}

export interface Side {
  name: SideName;
  /** What /bin/sh is for this side's harness, for the report. */
  harness: string;
  prepare(slot: number): SlotTree;
  /** `attempt` counts the unit's runs (a unit resumes after a timeout); `env` is added to the harness environment. */
  command(unit: Unit, tree: SlotTree, slot: number, attempt: number, env?: Record<string, string>): HarnessCommand;
}

/** The environment every side's harness starts with (no locale: C sorting and messages). */
export function harnessEnv(bindir: string): Record<string, string> {
  return {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', TERM: 'dumb',
    bindir, srcdir: `${bindir}/testsuite`,
  };
}

/** The script /bin/sh -c runs: $1 is the applet or the hush directory. */
export function harnessScript(unit: Unit, inside: string): string {
  return unit.suite === 'applets'
    ? `cd '${inside}/testsuite' && exec /bin/sh ./runtest -v "$1" 2>&1`
    : `cd '${inside}/shell/hush_test' && exec /bin/sh ./run-all "$1" 2>&1`;
}

/**
 * Natively the harness would inherit whatever descriptors the process that
 * started the conformance run left open (a terminal multiplexer's, a CI
 * runner's), and hush's tests list /proc/self/fd; a guest starts with 0, 1
 * and 2 only. So native sides first close every descriptor above 2, with
 * the rootfs hush (dash cannot name descriptors above 9), then exec the
 * harness shell: $1 the harness script, $2 the unit.
 */
export const CLOSE_FDS_THEN_HARNESS =
  'for f in /proc/self/fd/*; do n=${f##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done; exec /bin/sh -c "$1" sh "$2"';

function unitCwd(unit: Unit, tree: string): string {
  return unit.suite === 'applets' ? join(tree, 'testsuite') : join(tree, 'shell', 'hush_test');
}

/** The host shell as harness, as `make check` runs it. */
export function nativeSide(o: SideOptions): Side {
  return {
    name: 'native',
    harness: `host ${hostShell()}`,
    prepare(slot) {
      const host = join(o.workDir, 'native', String(slot));
      makeTree(o, host, join(o.rootfs, 'bin', 'busybox'));
      provideEchoNe(host);
      return { host, inside: host };
    },
    command(unit, tree, _slot, _attempt, env) {
      return {
        file: join(o.rootfs, 'bin', 'busybox'),
        args: ['sh', '-c', CLOSE_FDS_THEN_HARNESS, 'closefds', harnessScript(unit, tree.inside), unit.name],
        cwd: unitCwd(unit, tree.host), env: { ...harnessEnv(tree.inside), ...env },
      };
    },
  };
}

/**
 * Natively, but chrooted into a copy of the rootfs (its /dev and /proc the
 * host's, mounted in a private mount namespace that vanishes with the run):
 * the rootfs hush is the harness and /bin/sh, as in the guest, so a
 * difference from the guest is the simulator's, not the shell's.
 */
export function nativeHushSide(o: SideOptions): Side {
  const setup = 'r=$1; shift; mount --rbind /dev "$r/dev" && mount -t proc proc "$r/proc" && exec chroot "$r" "$@"';
  return {
    name: 'native-hush',
    harness: 'rootfs hush (chroot)',
    prepare(slot) {
      const root = join(o.workDir, 'native-hush', String(slot), 'root');
      return { host: makeChrootTree(o, root), inside: '/src' };
    },
    command(unit, tree, _slot, _attempt, env) {
      const root = join(tree.host, '..');
      return {
        file: 'unshare', args: ['--mount', '--', '/bin/sh', '-c', setup, 'sh', root,
          '/bin/sh', '-c', CLOSE_FDS_THEN_HARNESS, 'closefds', harnessScript(unit, tree.inside), unit.name],
        cwd: '/', env: { ...harnessEnv(tree.inside), ...env },
      };
    },
  };
}

/** Why native-hush cannot run here (it needs root for unshare and chroot), or null. */
export function nativeHushUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (unshare --mount, chroot)';
  const r = spawnSync('unshare', ['--mount', '--', 'true'], { stdio: 'ignore' });
  if (r.error !== undefined) return `unshare: ${r.error.message}`;
  return r.status === 0 ? null : 'unshare --mount is not permitted here';
}

/** The simulator: `nommu-um run` in a child Node process, the tree bound at /src. */
export function guestSide(o: SideOptions, path: 'zpoline' | 'trap'): Side {
  const name: SideName = path === 'zpoline' ? 'guest-zpoline' : 'guest-trap';
  const child = fileURLToPath(new URL('./guest-child.js', import.meta.url));
  return {
    name,
    harness: `guest hush (${path}, ${o.cpuTier} CPU)`,
    prepare(slot) {
      const host = join(o.workDir, name, String(slot), 'src');
      makeTree(o, host, '/bin/busybox');
      return { host, inside: '/src' };
    },
    command(unit, tree, slot, attempt, extra) {
      const env = { ...harnessEnv(tree.inside), ...extra };
      const args = [child, '--root', o.rootfs, '--mem', o.mem, '--syscall-path', path, '--cpu-tier', o.cpuTier,
        '--bind', `${tree.host}:/src`, '--cwd', `${tree.inside}/${unit.suite === 'applets' ? 'testsuite' : 'shell/hush_test'}`,
        ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`])];
      if (o.straceDir !== null) args.push('--strace-out', join(o.straceDir, `${name}.${unit.suite}.${unit.name}.${attempt}.txt`));
      args.push('--', '/bin/sh', '-c', harnessScript(unit, tree.inside), 'sh', unit.name);
      return { file: process.execPath, args, cwd: tree.host, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } };
    },
  };
}

function hostShell(): string {
  const r = spawnSync('readlink', ['-f', '/bin/sh'], { encoding: 'utf8' });
  return r.status === 0 ? `/bin/sh (${r.stdout.trim()})` : '/bin/sh';
}
