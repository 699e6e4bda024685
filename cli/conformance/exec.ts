/**
 * Runs one harness process and collects its output lines, with a progress
 * timeout: when no test result has appeared for `timeoutMs` the whole
 * process group is killed (a hung test must not hang the run).
 */
import { spawn } from 'node:child_process';

export interface HarnessCommand {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface HarnessOutput {
  /** stdout, split into lines (the harness merges its stderr into it). */
  lines: string[];
  /** Exit status; null when killed by a signal. */
  exitCode: number | null;
  timedOut: boolean;
  /** The host process's own stderr (for the simulator: kernel bugs, crashes), capped. */
  stderr: string;
  durationMs: number;
}

export interface HarnessWatch {
  timeoutMs: number;
  /** Whether a line is a test result (resets the progress timeout). */
  isResult(line: string): boolean;
  /** Called for each result line as it arrives (progress display). */
  onResult?(line: string): void;
}

const STDERR_CAP = 64 * 1024;
/** After the harness exits, how long to wait for stragglers holding its stdout (daemons the tests started). */
const DRAIN_MS = 2000;

export function runHarness(cmd: HarnessCommand, watch: HarnessWatch): Promise<HarnessOutput> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    // Its own process group, so that a kill reaches everything the harness started.
    const child = spawn(cmd.file, cmd.args, { cwd: cmd.cwd, env: cmd.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const lines: string[] = [];
    let partial = '';
    let stderr = '';
    let timedOut = false;
    let exitCode: number | null = null;
    let exited = false;
    let settled = false;
    let drain: NodeJS.Timeout | undefined;
    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    };
    let timer = setTimeout(onTimeout, watch.timeoutMs);
    function onTimeout(): void {
      timedOut = true;
      killGroup();
    }
    const take = (line: string): void => {
      lines.push(line);
      if (watch.isResult(line)) {
        clearTimeout(timer);
        if (!exited) timer = setTimeout(onTimeout, watch.timeoutMs);
        watch.onResult?.(line);
      }
    };
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) take(p);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < STDERR_CAP) stderr += chunk.slice(0, STDERR_CAP - stderr.length);
    });
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(drain);
      if (partial !== '') take(partial);
      child.stdout.destroy();
      child.stderr.destroy();
      killGroup();
      resolve({ lines, exitCode, timedOut, stderr, durationMs: performance.now() - t0 });
    };
    child.on('error', (e) => {
      clearTimeout(timer);
      if (!settled) { settled = true; reject(new Error(`cannot run ${cmd.file}: ${e.message}`)); }
    });
    child.on('exit', (code) => {
      exited = true;
      exitCode = code;
      clearTimeout(timer);
      drain = setTimeout(finish, DRAIN_MS);
    });
    child.on('close', finish);
  });
}
