/**
 * Conformance: BusyBox's applet testsuite (testsuite/runtest) and hush's
 * tests (shell/hush_test/run-all) run natively and inside the simulator,
 * with the same BusyBox binary, and compared test by test.
 *
 * Public surface: runConformance (the whole run, returning the report),
 * the report's helpers (renderReport, regressions), the unit selection
 * (allUnits, selectUnits) and the vocabulary types.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildDir, busyboxSrcDir, rootfsDir } from '../../userspace/index.js';
import { buildReport } from './report.js';
import type { Report } from './report.js';
import { runUnits } from './runner.js';
import { guestSide, nativeHushSide, nativeHushUnavailable, nativeSide } from './sides.js';
import type { Side, SideOptions } from './sides.js';
import type { SideName, Suite, UnitRun } from './types.js';
import { allUnits, selectUnits } from './units.js';

export { buildReport, regressions, renderReport } from './report.js';
export type { Report, SideSummary, TestRow } from './report.js';
export { allUnits, selectUnits, globMatch, implementedApplets } from './units.js';
export { parseRunAll, parseRuntest } from './parse.js';
export { OUTCOMES, SIDE_NAMES, isGuestSide } from './types.js';
export type { Outcome, SideName, Suite, TestResult, Unit, UnitRun } from './types.js';

export interface ConformanceOptions {
  suites: Suite[];
  /** --only patterns (see selectUnits). */
  only?: string;
  /** Sides to run; native-hush is dropped (and said so) where it cannot run. */
  sides: SideName[];
  jobs: number;
  /** Per-test progress timeout, seconds. */
  timeoutSec: number;
  cpuTier: 'interp' | 'compiled';
  /** Guest RAM (`nommu-um run --mem`). */
  mem: string;
  /** Scratch trees go here (default build/conformance). */
  workDir?: string;
  /** Write each guest unit's syscall trace under WORKDIR/strace. */
  strace?: boolean;
  /** BusyBox tree and guest root (default: the userland build's). */
  srcDir?: string;
  rootfs?: string;
  progress?(msg: string): void;
  /** Called with the report so far after each unit (a long run leaves a usable report if stopped). */
  onPartial?(report: Report): void;
}

export function defaultWorkDir(): string {
  return join(buildDir(), 'conformance');
}

export async function runConformance(o: ConformanceOptions): Promise<Report> {
  const workDir = o.workDir ?? defaultWorkDir();
  const straceDir = o.strace === true ? join(workDir, 'strace') : null;
  mkdirSync(straceDir ?? workDir, { recursive: true });
  const sideOpts: SideOptions = {
    srcDir: o.srcDir ?? busyboxSrcDir(), rootfs: o.rootfs ?? rootfsDir(), workDir,
    cpuTier: o.cpuTier, mem: o.mem, straceDir,
  };
  const unavailable: Partial<Record<SideName, string>> = {};
  const sides: Side[] = [];
  for (const name of o.sides) {
    if (name === 'native') sides.push(nativeSide(sideOpts));
    else if (name === 'native-hush') {
      const why = nativeHushUnavailable();
      if (why === null) sides.push(nativeHushSide(sideOpts)); else unavailable[name] = why;
    } else sides.push(guestSide(sideOpts, name === 'guest-zpoline' ? 'zpoline' : 'trap'));
  }
  const units = selectUnits(allUnits(sideOpts.srcDir, o.suites), o.only, sideOpts.srcDir);
  if (units.length === 0) throw new Error(`no unit matches --only ${o.only ?? ''}`);
  const meta = {
    busybox: sideOpts.srcDir, cpuTier: o.cpuTier, timeoutSec: o.timeoutSec, jobs: o.jobs,
    sides: sides.map((s) => ({ name: s.name, harness: s.harness })), unavailable,
  };
  const progress = o.progress ?? ((): void => {});
  for (const [s, why] of Object.entries(unavailable)) progress(`${s}: not run (${why})`);
  const done: UnitRun[] = [];
  const runs = await runUnits({
    sides, units, jobs: o.jobs, timeoutMs: o.timeoutSec * 1000, progress,
    onUnitDone: (run) => {
      done.push(run);
      o.onPartial?.(buildReport(done, meta));
    },
  });
  return buildReport(runs, meta);
}
