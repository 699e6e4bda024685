/**
 * The vocabulary of a conformance run: sides (where a suite runs), units
 * (one harness invocation), outcomes (what the harness said of each test).
 */

/** BusyBox's applet testsuite (testsuite/runtest) or hush's (shell/hush_test/run-all). */
export type Suite = 'applets' | 'hush';

/**
 * Where a suite runs:
 *  - native: the host shell is the harness (/bin/sh, dash here), as `make check` does;
 *  - native-hush: natively, chrooted into a copy of the rootfs, so the rootfs hush
 *    is the harness and /bin/sh exactly as in the guest (needs root for chroot);
 *  - guest-zpoline / guest-trap: inside the simulator, one per syscall path.
 */
export type SideName = 'native' | 'native-hush' | 'guest-zpoline' | 'guest-trap';

export const SIDE_NAMES: readonly SideName[] = ['native', 'native-hush', 'guest-zpoline', 'guest-trap'];

export function isGuestSide(s: SideName): boolean {
  return s === 'guest-zpoline' || s === 'guest-trap';
}

/**
 * What the harness said, normalised: runtest's PASS/FAIL/SKIPPED/UNTESTED,
 * run-all's ok/fail/skip; TIMEOUT when the test made no progress within the
 * timeout and its run was killed; MISSING when another side reported the
 * test but this side's run of its unit never did (the unit died first).
 */
export type Outcome = 'PASS' | 'FAIL' | 'SKIP' | 'UNTESTED' | 'TIMEOUT' | 'MISSING';

export const OUTCOMES: readonly Outcome[] = ['PASS', 'FAIL', 'SKIP', 'UNTESTED', 'TIMEOUT', 'MISSING'];

/**
 * One harness invocation: `runtest APPLET` or `run-all DIR`. For hush dirs
 * and old-style applet dirs the tests are files, so `files` (when given)
 * restricts the unit to those test files (the others are removed from the
 * scratch copy before it runs).
 */
export interface Unit {
  suite: Suite;
  /** Applet name (applets) or hush-* directory (hush). */
  name: string;
  /** Test files kept in the unit's directory; undefined: all of them. */
  files?: string[];
}

/** One result line of a harness, with the output that explains a non-PASS. */
export interface TestResult {
  /** The name the harness printed (runtest: the test's description; run-all: DIR/FILE). */
  name: string;
  outcome: Outcome;
  /** For non-PASS outcomes: the harness's verbose output around the result (diff, trace), capped. */
  detail?: string;
}

export interface UnitRun {
  side: SideName;
  unit: Unit;
  results: TestResult[];
  /** Exit status of the harness (null when killed). */
  exitCode: number | null;
  /** The last run of the unit was killed for making no progress. */
  timedOut: boolean;
  /** How many times the unit was started (>1 when it resumed after a timeout). */
  attempts: number;
  durationMs: number;
  /** When a timeout could not be pinned on one test file: what the harness printed after its last result. */
  timeoutDetail?: string;
  /** Host-side diagnostics: the simulator's own stderr (kernel bugs, crashes), capped. */
  hostStderr?: string;
}

export function unitId(u: Unit): string {
  return `${u.suite}/${u.name}`;
}
