/**
 * `nommu-um conformance`: BusyBox's testsuite and hush's tests, natively and
 * in the guest under each syscall path, side by side (cli/conformance/).
 * Prints the counts per side and the tests whose guest outcome differs from
 * the native one; writes the full report as JSON. Progress goes to stderr.
 * Exit status: 0 when every test that passes natively passes in the guest,
 * 1 otherwise, 2 on a usage error.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import meow from 'meow';
import { SIDE_NAMES, defaultWorkDir, regressions, renderReport, runConformance } from './conformance/index.js';
import type { Report, SideName, Suite } from './conformance/index.js';

const help = `Usage
  $ nommu-um conformance [options]

Runs BusyBox's applet testsuite (testsuite/runtest) and hush's tests
(shell/hush_test/run-all) with the rootfs BusyBox: natively with the host
shell as harness (as \`make check\` does), natively chrooted into the rootfs
with its hush as harness (needs root), and inside the simulator, where the
guest's hush runs the harness, under each syscall path. Each applet and
each hush directory is one harness run; a test that makes no progress
within the timeout is killed and recorded as TIMEOUT.

Options
  --suite S          applets or hush (default: both)
  --only PATTERNS    comma-separated: units (sed, hush-*) or test files
                     inside them (hush-misc/func*.tests, echo/echo-prints-*)
  --sides LIST       comma-separated among ${SIDE_NAMES.join(', ')} (default: all)
  --syscall-path P   zpoline or trap: run only that guest side
  --jobs N           harness runs in parallel (default 1; 2 on a 2-core machine)
  --timeout SEC      per-test progress timeout (default 600)
  --cpu-tier T       guest CPU tier: compiled (default, as in nommu-um run) or interp
  --mem SIZE         guest RAM (default 256M)
  --json FILE        report file (default build/conformance/report.json)
  --work-dir DIR     scratch trees (default build/conformance)
  --strace           keep each guest unit's syscall trace under WORK-DIR/strace`;

const flags = {
  suite: { type: 'string' },
  only: { type: 'string' },
  sides: { type: 'string' },
  syscallPath: { type: 'string' },
  jobs: { type: 'number', default: 1 },
  timeout: { type: 'number', default: 600 },
  cpuTier: { type: 'string', default: 'compiled' },
  mem: { type: 'string', default: '256M' },
  json: { type: 'string' },
  workDir: { type: 'string' },
  strace: { type: 'boolean', default: false },
} as const;

export async function main(argv: string[]): Promise<number> {
  const cli = meow(help, { importMeta: import.meta, argv, flags, allowUnknownFlags: false });
  const f = cli.flags;
  const usage = (msg: string): number => { process.stderr.write(`nommu-um conformance: ${msg}\n\n${help}\n`); return 2; };
  if (cli.input.length > 0) return usage(`unexpected argument '${cli.input[0]}'`);
  let suites: Suite[] = ['applets', 'hush'];
  if (f.suite !== undefined) {
    if (f.suite !== 'applets' && f.suite !== 'hush') return usage(`--suite ${f.suite}: expected applets or hush`);
    suites = [f.suite];
  }
  let sides: SideName[] = [...SIDE_NAMES];
  if (f.sides !== undefined) {
    const asked = f.sides.split(',').map((s) => s.trim()).filter((s) => s !== '');
    const bad = asked.find((s) => !(SIDE_NAMES as readonly string[]).includes(s));
    if (bad !== undefined || asked.length === 0) return usage(`--sides ${f.sides}: expected a list among ${SIDE_NAMES.join(', ')}`);
    sides = asked as SideName[];
  }
  if (f.syscallPath !== undefined) {
    if (f.syscallPath !== 'zpoline' && f.syscallPath !== 'trap') return usage(`--syscall-path ${f.syscallPath}: expected zpoline or trap`);
    const drop: SideName = f.syscallPath === 'zpoline' ? 'guest-trap' : 'guest-zpoline';
    sides = sides.filter((s) => s !== drop);
  }
  if (!Number.isInteger(f.jobs) || f.jobs < 1 || f.jobs > 16) return usage(`--jobs ${f.jobs}: expected 1 to 16`);
  if (!(f.timeout > 0)) return usage(`--timeout ${f.timeout}: expected a number of seconds`);
  if (f.cpuTier !== 'interp' && f.cpuTier !== 'compiled') return usage(`--cpu-tier ${f.cpuTier}: expected interp or compiled`);
  const workDir = resolve(f.workDir ?? defaultWorkDir());
  const jsonFile = resolve(f.json ?? join(workDir, 'report.json'));
  const writeReport = (r: Report): void => {
    mkdirSync(dirname(jsonFile), { recursive: true });
    // Written whole then renamed, so a reader never sees half a report.
    writeFileSync(`${jsonFile}.tmp`, JSON.stringify(r, null, 1) + '\n');
    renameSync(`${jsonFile}.tmp`, jsonFile);
  };
  const t0 = Date.now();
  let report: Report;
  try {
    report = await runConformance({
      suites, only: f.only, sides, jobs: f.jobs, timeoutSec: f.timeout, cpuTier: f.cpuTier, mem: f.mem,
      workDir, strace: f.strace,
      progress: (msg) => process.stderr.write(`conformance: ${elapsed(t0)} ${msg}\n`),
      onPartial: writeReport,
    });
  } catch (e) {
    process.stderr.write(`nommu-um conformance: ${(e as Error).message}\n`);
    return 1;
  }
  writeReport(report);
  process.stdout.write(renderReport(report));
  process.stdout.write(`\nreport: ${jsonFile}\n`);
  return regressions(report).length === 0 ? 0 : 1;
}

function elapsed(t0: number): string {
  const s = Math.floor((Date.now() - t0) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
