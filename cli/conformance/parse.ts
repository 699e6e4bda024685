/**
 * Reading the harnesses' output. runtest (with -v) prints, per test, a
 * "======================" separator and the command, then
 * PASS:/FAIL:/SKIPPED:/UNTESTED: NAME, then for a failure the diff (or, for
 * an old-style test, its `sh -x` trace). run-all prints "DIR/FILE: ok",
 * ": fail (N)" or ": skip (...)", and leaves each failure's diff in a file.
 */
import type { Outcome, TestResult } from './types.js';

/** How much explanation a non-PASS result keeps. */
export const DETAIL_CAP = 6000;

// `s`: a name may end in a carriage return (dash's echo turns "\\r" into one).
// TIMEOUT: printed by the resume shim (tree.ts) for the test that hung in the run before.
const RUNTEST_RESULT = /^(PASS|FAIL|SKIPPED|UNTESTED|TIMEOUT): (.*)$/s;
const SEPARATOR = /^={10,}$/;

const RUNTEST_OUTCOME: Record<string, Outcome> = { PASS: 'PASS', FAIL: 'FAIL', SKIPPED: 'SKIP', UNTESTED: 'UNTESTED', TIMEOUT: 'TIMEOUT' };

export function parseRuntest(lines: readonly string[]): TestResult[] {
  const out: Array<TestResult & { before: string[]; after: string[] }> = [];
  let block: string[] = [];
  let current: (typeof out)[number] | null = null;
  for (const line of lines) {
    const m = RUNTEST_RESULT.exec(line) ?? afterVerboseEcho(line);
    if (m !== null) {
      current = { name: m[2], outcome: RUNTEST_OUTCOME[m[1]], before: block, after: [] };
      out.push(current);
      block = [];
      continue;
    }
    if (SEPARATOR.test(line)) { current = null; block = []; continue; }
    if (current !== null) current.after.push(line);
    else block.push(line);
  }
  return out.map(({ before, after, ...r }) => {
    if (r.outcome === 'PASS') return r;
    const text = [...before, `${r.outcome === 'SKIP' ? 'SKIPPED' : r.outcome}: ${r.name}`, ...after].join('\n');
    return { ...r, detail: cap(text) };
  });
}

/**
 * With -v, testing() echoes the command before running it; dash's echo
 * stops at a "\\c" in that command (printf's tests have one) and prints no
 * newline, so the result lands at the end of the echoed command's line.
 */
function afterVerboseEcho(line: string): RegExpExecArray | null {
  if (!line.startsWith("echo -ne '")) return null;
  const at = Math.max(...['PASS: ', 'FAIL: ', 'SKIPPED: ', 'UNTESTED: '].map((w) => line.lastIndexOf(w)));
  return at < 0 ? null : RUNTEST_RESULT.exec(line.slice(at));
}

export function isRuntestResult(line: string): boolean {
  return RUNTEST_RESULT.test(line) || afterVerboseEcho(line) !== null;
}

/** "hush-misc/func1.tests: ok" and its variants; the echo -n and the verdict may be split by stray output. */
const RUNALL_TEST = /^(hush-[^/\s:]+\/[^\s:]+):(.*)$/;
const RUNALL_VERDICT = /\s(ok|fail(?: \(\d+\))?|skip(?: \(.*\))?)\s*$/;

export function isRunAllResult(line: string): boolean {
  return RUNALL_VERDICT.test(line);
}

export function parseRunAll(lines: readonly string[]): TestResult[] {
  const out: TestResult[] = [];
  let pending: string | null = null;
  for (const line of lines) {
    const t = RUNALL_TEST.exec(line);
    let rest = line;
    if (t !== null) { pending = t[1]; rest = t[2]; }
    if (pending === null) continue;
    const v = RUNALL_VERDICT.exec(rest);
    if (v === null) continue;
    const word = v[1];
    out.push({ name: pending, outcome: word === 'ok' ? 'PASS' : word.startsWith('skip') ? 'SKIP' : 'FAIL' });
    pending = null;
  }
  return out;
}

const ECHO_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/**
 * The name by which results of different sides are matched. testing.sh
 * prints a test's name with `echo "PASS: $NAME"`, and names hold backslash
 * sequences ("sed s with \t"): hush's echo prints them as they are, dash's
 * (XSI) echo interprets them, and a "\n" even cuts the name at a line
 * break. So: interpret the sequences, as dash does, and keep the first line.
 */
export function testKey(name: string): string {
  const s = name.replace(/\\(0[0-7]{0,3}|[abefnrtv\\]|c.*)/g, (_, e: string) => {
    if (e.startsWith('0')) return String.fromCharCode(parseInt(e.slice(1) || '0', 8) & 0xff);
    if (e.startsWith('c')) return '';
    return ECHO_ESCAPES[e];
  });
  return s.split('\n')[0];
}

export function cap(text: string): string {
  return text.length <= DETAIL_CAP ? text : `${text.slice(0, DETAIL_CAP)}\n[... ${text.length - DETAIL_CAP} more characters]`;
}
