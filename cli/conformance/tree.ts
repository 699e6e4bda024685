/**
 * Scratch trees. Each side and job slot gets its own writable copy of what
 * the harnesses need, laid out as BusyBox's object tree is when `make check`
 * runs (bindir is the tree's top):
 *
 *   TREE/busybox            a link to the rootfs BusyBox
 *   TREE/.config            the build's configuration (SKIP/UNTESTED decisions)
 *   TREE/scripts/echo.c     what testing.sh compiles when the shell's echo lacks -ne
 *   TREE/testsuite/         copy of testsuite/ (tests write into it)
 *   TREE/shell/hush_test/   copy of shell/hush_test/ (run-all links ./hush -> ../../busybox)
 *
 * native-hush puts the tree at /src inside a copy of the rootfs it chroots
 * into; the guest binds it at /src.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Unit } from './types.js';
import { unitDir, unitTestFiles } from './units.js';

export interface TreeSource {
  /** The BusyBox source/object tree (build/busybox-1.35.0). */
  srcDir: string;
  /** The guest root (build/rootfs). */
  rootfs: string;
}

/**
 * Makes `tree` afresh. `busyboxLink` is where TREE/busybox points: the host
 * path of the rootfs BusyBox natively, /bin/busybox where the rootfs is /.
 */
export function makeTree(src: TreeSource, tree: string, busyboxLink: string): void {
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(join(tree, 'scripts'), { recursive: true });
  mkdirSync(join(tree, 'shell'), { recursive: true });
  symlinkSync(busyboxLink, join(tree, 'busybox'));
  cpSync(join(src.srcDir, '.config'), join(tree, '.config'));
  cpSync(join(src.srcDir, 'scripts', 'echo.c'), join(tree, 'scripts', 'echo.c'));
  const copy = { recursive: true, verbatimSymlinks: true, preserveTimestamps: true } as const;
  cpSync(join(src.srcDir, 'testsuite'), join(tree, 'testsuite'), copy);
  cpSync(join(src.srcDir, 'shell', 'hush_test'), join(tree, 'shell', 'hush_test'), copy);
  addResumeShim(join(tree, 'testsuite', 'testing.sh'));
}

/** The line of testing() after which the shim goes: NAME is known there, nothing has run yet. */
const NAME_SET = '[ -n "$1" ] || NAME="$2"';

/**
 * Lets a run of an applet's .tests script resume after one of its tests
 * hung (runner.ts): with NOMMU_UM_RESUME=N in the environment, testing()
 * skips, silently, the N-1 tests already reported, prints "TIMEOUT: NAME"
 * for the Nth (the one that hung) and runs the rest as usual. Without the
 * variable, which is how every first run starts, testing() is unchanged.
 */
export function addResumeShim(file: string): void {
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(NAME_SET);
  if (at < 0) throw new Error(`${file}: no '${NAME_SET}' line in testing(); cannot add the resume shim`);
  const end = at + NAME_SET.length;
  const shim = [
    '',
    '  # nommu-um conformance: resume after a hung test (cli/conformance/tree.ts)',
    '  if [ -n "$NOMMU_UM_RESUME" ]; then',
    '    NOMMU_UM_N=$((${NOMMU_UM_N:-0} + 1))',
    '    [ "$NOMMU_UM_N" -lt "$NOMMU_UM_RESUME" ] && return 0',
    '    [ "$NOMMU_UM_N" -eq "$NOMMU_UM_RESUME" ] && { echo "TIMEOUT: $NAME"; return 0; }',
    '  fi',
  ].join('\n');
  writeFileSync(file, text.slice(0, end) + shim + text.slice(end));
}

/** A copy of the rootfs with a tree at /src, for the chrooted native run; returns the tree's host path. */
export function makeChrootTree(src: TreeSource, root: string): string {
  rmSync(root, { recursive: true, force: true });
  cpSync(src.rootfs, root, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  for (const d of ['dev', 'proc', 'tmp']) mkdirSync(join(root, d), { recursive: true });
  const tree = join(root, 'src');
  makeTree(src, tree, '/bin/busybox');
  return tree;
}

/**
 * When the host has no C compiler, testing.sh could not build its echo-ne
 * (the host shell's echo lacks -ne, as dash's does): provide one that is
 * BusyBox's echo, which is what the compiled scripts/echo.c does too.
 */
export function provideEchoNe(tree: string): void {
  const hasCc = (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)
    .some((d) => d !== '' && existsSync(join(d, 'gcc')));
  if (hasCc) return;
  const file = join(tree, 'testsuite', 'echo-ne');
  writeFileSync(file, `#!/bin/sh\nexec "${join(tree, 'busybox')}" echo "$@"\n`);
  chmodSync(file, 0o755);
}

/** Removes from a tree's copy of a unit the test files not in `keep` (the unit then runs only those). */
export function pruneUnit(tree: string, unit: Unit, keep: ReadonlySet<string>): void {
  const dir = unitDir(tree, unit);
  for (const f of unitTestFiles(unit.suite, dir)) {
    if (keep.has(f)) continue;
    rmSync(join(dir, f), { force: true });
  }
}
