/**
 * Which units a conformance run has: the applets runtest would test (those
 * the BusyBox build implements and that have tests), the hush-* directories
 * of hush_test, and the --only selection over them.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Suite, Unit } from './types.js';

/**
 * The applets the build implements, in the order `busybox` lists them (the
 * order runtest walks), read from the generated include/applet_tables.h so
 * that nothing has to run on the host to know them.
 */
export function implementedApplets(srcDir: string): string[] {
  const file = join(srcDir, 'include', 'applet_tables.h');
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch {
    throw new Error(`${file} is missing: the BusyBox tree has not been built (run \`npm run userspace\`)`);
  }
  const start = text.indexOf('applet_names[]');
  if (start < 0) throw new Error(`${file}: no applet_names table`);
  const names: string[] = [];
  for (const line of text.slice(start).split('\n').slice(1)) {
    const m = /^"([^"]*)" "\\0"$/.exec(line.trim());
    if (m === null) break;
    names.push(m[1]);
  }
  const declared = /#define NUM_APPLETS (\d+)/.exec(text);
  if (declared !== null && Number(declared[1]) !== names.length) {
    throw new Error(`${file}: read ${names.length} applet names, the table declares ${declared[1]}`);
  }
  return names;
}

/** The applets runtest runs tests for, in its order: busybox itself first, then every implemented applet with tests. */
export function appletUnits(srcDir: string): Unit[] {
  const ts = join(srcDir, 'testsuite');
  const hasTests = (a: string): boolean => isDir(join(ts, a)) || existsSync(join(ts, `${a}.tests`));
  return ['busybox', ...implementedApplets(srcDir)].filter(hasTests).map((name) => ({ suite: 'applets', name }));
}

/** hush_test's test directories, in run-all's order (`ls -d hush-*`). */
export function hushUnits(srcDir: string): Unit[] {
  const dir = join(srcDir, 'shell', 'hush_test');
  return readdirSync(dir).filter((d) => d.startsWith('hush-') && isDir(join(dir, d))).sort(byteOrder)
    .map((name) => ({ suite: 'hush', name }));
}

export function allUnits(srcDir: string, suites: readonly Suite[]): Unit[] {
  return [
    ...(suites.includes('applets') ? appletUnits(srcDir) : []),
    ...(suites.includes('hush') ? hushUnits(srcDir) : []),
  ];
}

/**
 * The test files of a unit whose tests are files, in the order the harness
 * runs them (its glob, sorted as the C locale sorts): runtest's old-style
 * testsuite/APPLET/* (dot files and editor leftovers excluded as runtest
 * does), run-all's run-* scripts then the executable *.tests with a .right.
 * `dir` is the unit's directory (testsuite/APPLET or hush_test/DIR).
 */
export function unitTestFiles(suite: Suite, dir: string): string[] {
  if (!isDir(dir)) return [];
  const names = readdirSync(dir).sort(byteOrder);
  if (suite === 'applets') {
    return names.filter((n) => !(n.startsWith('.') || n.endsWith('~') || n === 'CVS' || n.startsWith('#')
      || n.endsWith('.mine') || /\.r[0-9]/.test(n)));
  }
  const runScripts = names.filter((n) => n.startsWith('run-') && !n.endsWith('.orig') && !n.endsWith('~')
    && n !== 'run-minimal' && n !== 'run-gprof');
  const tests = names.filter((n) => n.endsWith('.tests') && isExecutable(join(dir, n))
    && existsSync(join(dir, `${n.slice(0, -'.tests'.length)}.right`)));
  return [...runScripts, ...tests];
}

/**
 * The unit a result name of the given suite belongs to, file-wise: runtest
 * prints an old-style test by its file name; run-all prints DIR/FILE.
 */
export function resultFile(suite: Suite, name: string): string {
  return suite === 'hush' ? name.slice(name.indexOf('/') + 1) : name;
}

/**
 * --only: comma-separated shell-style patterns. `PAT` selects whole units
 * by name (`sed`, `hush-*`); `UNIT/PAT` selects test files inside units
 * whose tests are files (`hush-misc/func*.tests`, `echo/echo-prints-*`).
 */
export function selectUnits(units: Unit[], only: string | undefined, srcDir: string): Unit[] {
  if (only === undefined || only.trim() === '') return units;
  const pats = only.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const out: Unit[] = [];
  for (const u of units) {
    let whole = false;
    const files = new Set<string>();
    for (const p of pats) {
      const slash = p.indexOf('/');
      if (slash < 0) {
        if (globMatch(p, u.name)) whole = true;
        continue;
      }
      if (!globMatch(p.slice(0, slash), u.name)) continue;
      const filePat = p.slice(slash + 1);
      for (const f of unitTestFiles(u.suite, unitDir(srcDir, u))) if (globMatch(filePat, f)) files.add(f);
    }
    if (whole) out.push(u);
    else if (files.size > 0) out.push({ ...u, files: unitTestFiles(u.suite, unitDir(srcDir, u)).filter((f) => files.has(f)) });
  }
  return out;
}

/** The directory holding a unit's file tests, under a tree laid out like the BusyBox source. */
export function unitDir(tree: string, u: Unit): string {
  return u.suite === 'hush' ? join(tree, 'shell', 'hush_test', u.name) : join(tree, 'testsuite', u.name);
}

/** `*`, `?` and `[...]` as the shell matches them against a whole name. */
export function globMatch(pattern: string, name: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) { re += '\\['; continue; }
      let set = pattern.slice(i + 1, end);
      if (set.startsWith('!')) set = '^' + set.slice(1);
      re += '[' + set.replace(/\\/g, '\\\\') + ']';
      i = end;
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(re + '$').test(name);
}

/** strcmp order, which is how glob() sorts in the C locale. */
export function byteOrder(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
}

function isDir(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

function isExecutable(p: string): boolean {
  try { return (statSync(p).mode & 0o111) !== 0; } catch { return false; }
}
