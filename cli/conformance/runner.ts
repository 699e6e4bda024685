/**
 * Runs units on sides, `jobs` harness processes at a time, each job slot
 * with its own scratch tree per side. A unit that stops making progress is
 * killed; when its tests are files (hush dirs, old-style applet dirs) the
 * hung file is recorded as TIMEOUT and the unit resumes with the files not
 * yet reported, so one hung test does not hide the rest of its directory.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runHarness } from './exec.js';
import { cap, isRunAllResult, isRuntestResult, parseRunAll, parseRuntest } from './parse.js';
import type { Side, SlotTree } from './sides.js';
import { pruneUnit } from './tree.js';
import type { TestResult, Unit, UnitRun } from './types.js';
import { resultFile, unitDir, unitTestFiles } from './units.js';

export interface RunnerOptions {
  sides: Side[];
  units: Unit[];
  jobs: number;
  /** A test making no progress for this long is killed. */
  timeoutMs: number;
  progress(msg: string): void;
  /** Called as each unit finishes on a side (e.g. to write a partial report). */
  onUnitDone?(run: UnitRun): void;
}

export async function runUnits(o: RunnerOptions): Promise<UnitRun[]> {
  // Unit-major, so that every side's result for a unit arrives close together.
  const queue = o.units.flatMap((unit) => o.sides.map((side) => ({ side, unit })));
  const total = queue.length;
  const runs: UnitRun[] = [];
  let done = 0;
  const worker = async (slot: number): Promise<void> => {
    const trees = new Map<string, SlotTree>();
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      const { side, unit } = item;
      let tree = trees.get(side.name);
      if (tree === undefined) {
        tree = side.prepare(slot);
        trees.set(side.name, tree);
      }
      o.progress(`${side.name} ${unit.suite}/${unit.name}: started`);
      const run = await runUnit(side, unit, tree, slot, o);
      runs.push(run);
      done++;
      o.progress(`[${done}/${total}] ${side.name} ${unit.suite}/${unit.name}: ${summary(run)}`);
      o.onUnitDone?.(run);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.jobs) }, (_, slot) => worker(slot)));
  return runs;
}

export async function runUnit(side: Side, unit: Unit, tree: SlotTree, slot: number, o: Pick<RunnerOptions, 'timeoutMs'>): Promise<UnitRun> {
  const dir = unitDir(tree.host, unit);
  if (unit.files !== undefined) pruneUnit(tree.host, unit, new Set(unit.files));
  const isResult = unit.suite === 'applets' ? isRuntestResult : isRunAllResult;
  const results: TestResult[] = [];
  const stderr: string[] = [];
  let attempts = 0;
  let durationMs = 0;
  let exitCode: number | null = null;
  let timedOut = false;
  let timeoutDetail: string | undefined;
  const oldStyle = new Set(unit.suite === 'applets' ? unitTestFiles(unit.suite, dir) : []);
  // An applet's .tests script: how many of its tests were reported, and the env of a resumed run (tree.ts's shim).
  let scriptTests = 0;
  let resumeEnv: Record<string, string> | undefined;
  let hungTail: string | undefined;
  for (;;) {
    attempts++;
    const out = await runHarness(side.command(unit, tree, slot, attempts, resumeEnv), { timeoutMs: o.timeoutMs, isResult });
    durationMs += out.durationMs;
    exitCode = out.exitCode;
    if (out.stderr.trim() !== '') stderr.push(out.stderr);
    const parsed = unit.suite === 'applets' ? parseRuntest(out.lines) : parseRunAll(out.lines);
    if (unit.suite === 'hush') attachHushDiffs(parsed, tree, unit);
    for (const r of parsed) {
      if (r.outcome === 'TIMEOUT' && hungTail !== undefined) { r.detail = hungTail; hungTail = undefined; }
      if (unit.suite === 'applets' && !oldStyle.has(resultFile(unit.suite, r.name)) && r.outcome !== 'UNTESTED') scriptTests++;
    }
    results.push(...parsed);
    timedOut = out.timedOut;
    if (!timedOut) break;
    const tail = cap(linesAfterLastResult(out.lines, isResult).join('\n'));
    const reported = new Set(results.map((r) => resultFile(unit.suite, r.name)));
    const remaining = unitTestFiles(unit.suite, dir).filter((f) => !reported.has(f));
    if (remaining.length === 0) {
      if (unit.suite === 'applets' && hasNewStyleTests(tree, unit)) {
        // A test of the .tests script hung: run the script again, skipping what was reported;
        // the shim names the hung one (TIMEOUT: NAME) and the rest run.
        rmSync(dir, { recursive: true, force: true });
        resumeEnv = { NOMMU_UM_RESUME: String(scriptTests + 1) };
        hungTail = tail;
        timedOut = false;
        continue;
      }
      timeoutDetail = tail;
      break;
    }
    const hung = remaining[0];
    results.push({ name: unit.suite === 'hush' ? `${unit.name}/${hung}` : hung, outcome: 'TIMEOUT', detail: tail });
    const rest = remaining.slice(1);
    if (rest.length === 0 && unit.suite === 'applets') rmSync(dir, { recursive: true, force: true });
    else pruneUnit(tree.host, unit, new Set(rest));
    timedOut = false;
    if (rest.length === 0 && !(unit.suite === 'applets' && hasNewStyleTests(tree, unit))) break;
  }
  const run: UnitRun = { side: side.name, unit, results, exitCode, timedOut, attempts, durationMs };
  if (timeoutDetail !== undefined) run.timeoutDetail = timeoutDetail;
  if (stderr.length > 0) run.hostStderr = cap(stderr.join('\n'));
  return run;
}

/** run-all leaves each failure's diff (or a run-* script's output) in TOPDIR/DIR-FILE.fail. */
function attachHushDiffs(results: TestResult[], tree: SlotTree, unit: Unit): void {
  for (const r of results) {
    if (r.outcome !== 'FAIL') continue;
    const file = join(tree.host, 'shell', 'hush_test', `${unit.name.replace(/\//g, '#')}-${resultFile('hush', r.name)}.fail`);
    if (existsSync(file)) r.detail = cap(readFileSync(file, 'latin1'));
  }
}

function hasNewStyleTests(tree: SlotTree, unit: Unit): boolean {
  return existsSync(join(tree.host, 'testsuite', `${unit.name}.tests`));
}

function linesAfterLastResult(lines: readonly string[], isResult: (l: string) => boolean): string[] {
  let i = lines.length;
  while (i > 0 && !isResult(lines[i - 1])) i--;
  return lines.slice(i);
}

function summary(run: UnitRun): string {
  const counts = new Map<string, number>();
  for (const r of run.results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  const parts = [...counts].map(([k, v]) => `${v} ${k}`);
  if (run.timedOut) parts.push('unit TIMEOUT');
  if (run.results.length === 0 && !run.timedOut) parts.push(`no results, exit ${run.exitCode}`);
  return `${parts.join(', ') || 'nothing'} (${(run.durationMs / 1000).toFixed(1)} s${run.attempts > 1 ? `, ${run.attempts} runs` : ''})`;
}
