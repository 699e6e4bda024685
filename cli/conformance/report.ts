/**
 * The side-by-side report: every test with each side's outcome, counts per
 * side, and the tests whose outcome in the guest differs from the
 * reference side (native-hush when it ran: the same harness shell natively;
 * otherwise native). A test one side reported and another side's run of the
 * same unit never did is MISSING there, or TIMEOUT when that run was killed
 * (the first one not reported is the one that hung).
 */
import { testKey } from './parse.js';
import { OUTCOMES, isGuestSide, unitId } from './types.js';
import type { Outcome, SideName, Suite, UnitRun } from './types.js';

export interface TestRow {
  /** applets/APPLET/NAME or hush/DIR/FILE */
  id: string;
  suite: Suite;
  unit: string;
  name: string;
  outcomes: Partial<Record<SideName, Outcome>>;
  /** The explanation of each non-PASS outcome (diff, trace, what a killed run printed last). */
  details: Partial<Record<SideName, string>>;
}

export interface SideSummary {
  name: SideName;
  harness: string;
  counts: Record<Outcome, number>;
  units: number;
  durationMs: number;
}

export interface Report {
  generated: string;
  busybox: string;
  cpuTier: string;
  timeoutSec: number;
  jobs: number;
  /** The side guest outcomes are compared with. */
  reference: SideName | null;
  sides: SideSummary[];
  /** Sides asked for that could not run here, with the reason. */
  unavailable: Partial<Record<SideName, string>>;
  tests: TestRow[];
  /** Tests whose outcome on a guest side differs from the reference. */
  differences: TestRow[];
  /** Tests whose outcome differs between the host shell and hush as harness (natively). */
  harnessDifferences: TestRow[];
  /** Unit runs, without their per-test results (those are in tests). */
  units: Array<Omit<UnitRun, 'results' | 'unit'> & { unit: string }>;
}

export interface ReportMeta {
  busybox: string;
  cpuTier: string;
  timeoutSec: number;
  jobs: number;
  sides: Array<{ name: SideName; harness: string }>;
  unavailable: Partial<Record<SideName, string>>;
}

export function buildReport(runs: readonly UnitRun[], meta: ReportMeta): Report {
  const sideNames = meta.sides.map((s) => s.name);
  const reference: SideName | null = sideNames.includes('native-hush') ? 'native-hush'
    : sideNames.includes('native') ? 'native' : null;
  const byUnit = new Map<string, UnitRun[]>();
  for (const r of runs) {
    const id = unitId(r.unit);
    const list = byUnit.get(id);
    if (list === undefined) byUnit.set(id, [r]); else list.push(r);
  }
  const tests: TestRow[] = [];
  for (const [uid, unitRuns] of byUnit) {
    // Reference side first, so test order follows the reference's.
    const ordered = [...unitRuns].sort((a, b) => rank(a.side, reference) - rank(b.side, reference));
    const rows = new Map<string, TestRow>();
    for (const run of ordered) {
      const seen = new Map<string, number>();
      for (const r of run.results) {
        // Same test, same key on every side; a name repeated in one unit is NAME, NAME #2...
        const base = testKey(r.name);
        const n = (seen.get(base) ?? 0) + 1;
        seen.set(base, n);
        const key = n === 1 ? base : `${base} #${n}`;
        let row = rows.get(key);
        if (row === undefined) {
          const name = n === 1 ? r.name : `${r.name} #${n}`;
          // run-all's names already say their directory (hush-misc/func1.tests).
          const id = run.unit.suite === 'hush' ? `hush/${name}` : `${uid}/${name}`;
          row = { id, suite: run.unit.suite, unit: run.unit.name, name, outcomes: {}, details: {} };
          rows.set(key, row);
        }
        row.outcomes[run.side] = r.outcome;
        if (r.detail !== undefined) row.details[run.side] = r.detail;
      }
    }
    for (const run of ordered) {
      let hungNamed = false;
      for (const row of rows.values()) {
        if (row.outcomes[run.side] !== undefined) continue;
        if (run.timedOut && !hungNamed) {
          hungNamed = true;
          row.outcomes[run.side] = 'TIMEOUT';
          if (run.timeoutDetail !== undefined) row.details[run.side] = run.timeoutDetail;
        } else {
          row.outcomes[run.side] = 'MISSING';
        }
      }
    }
    tests.push(...rows.values());
  }
  const sides = meta.sides.map(({ name, harness }) => {
    const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
    for (const t of tests) {
      const o = t.outcomes[name];
      if (o !== undefined) counts[o]++;
    }
    const mine = runs.filter((r) => r.side === name);
    return { name, harness, counts, units: mine.length, durationMs: mine.reduce((s, r) => s + r.durationMs, 0) };
  });
  const differs = (t: TestRow, a: SideName, b: SideName): boolean =>
    t.outcomes[a] !== undefined && t.outcomes[b] !== undefined && t.outcomes[a] !== t.outcomes[b];
  const guests = sideNames.filter(isGuestSide);
  return {
    generated: new Date().toISOString(),
    busybox: meta.busybox,
    cpuTier: meta.cpuTier,
    timeoutSec: meta.timeoutSec,
    jobs: meta.jobs,
    reference,
    sides,
    unavailable: meta.unavailable,
    tests,
    differences: reference === null ? [] : tests.filter((t) => guests.some((g) => differs(t, g, reference))),
    harnessDifferences: tests.filter((t) => differs(t, 'native', 'native-hush')),
    units: runs.map(({ results: _results, unit, ...rest }) => ({ ...rest, unit: unitId(unit) })),
  };
}

/** Tests the reference passes and some guest side does not: what the conformance target forbids. */
export function regressions(report: Report): TestRow[] {
  const ref = report.reference;
  if (ref === null) return [];
  return report.differences.filter((t) => t.outcomes[ref] === 'PASS'
    && Object.entries(t.outcomes).some(([s, o]) => isGuestSide(s as SideName) && o !== 'PASS'));
}

function rank(side: SideName, reference: SideName | null): number {
  if (side === reference) return 0;
  return isGuestSide(side) ? 2 : 1;
}

/** The text summary: the counts table, then each difference with every side's outcome. */
export function renderReport(report: Report): string {
  const head = ['side', ...OUTCOMES, 'units', 'time'];
  const rows = report.sides.map((s) => [s.name, ...OUTCOMES.map((o) => String(s.counts[o])), String(s.units), formatDuration(s.durationMs)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(head), ...rows.map(line)];
  for (const [s, why] of Object.entries(report.unavailable)) out.push(`${s}: not run (${why})`);
  out.push('', `harness: ${report.sides.map((s) => `${s.name} = ${s.harness}`).join('; ')}`);
  const diffLines = (title: string, list: TestRow[]): void => {
    out.push('', `${title}: ${list.length}`);
    for (const t of list) {
      const o = report.sides.map((s) => `${s.name} ${t.outcomes[s.name] ?? '-'}`).join(', ');
      out.push(`  ${t.id}: ${o}`);
    }
  };
  if (report.reference !== null && report.sides.some((s) => isGuestSide(s.name))) {
    diffLines(`tests whose guest outcome differs from ${report.reference}`, report.differences);
  }
  if (report.sides.some((s) => s.name === 'native') && report.sides.some((s) => s.name === 'native-hush')) {
    diffLines('harness differences (host shell vs hush, both native)', report.harnessDifferences);
  }
  return out.join('\n') + '\n';
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
