/**
 * The native outputs of the userspace/tests/fd_*.c programs, recorded on a
 * Linux host (test/kernel/special/fixtures/fd_*.out), and helpers to pick out
 * the lines of one section.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) {
    const up = dirname(d);
    if (up === d) throw new Error('package.json not found above the test');
    d = up;
  }
  return d;
}

export function fixture(name: string): string[] {
  return readFileSync(join(repoRoot(), 'test/kernel/special/fixtures', `${name}.out`), 'utf8').split('\n');
}

/** The line starting with `head` and the indented lines after it. */
export function section(lines: string[], head: string): string[] {
  const i = lines.findIndex((l) => l.startsWith(head));
  if (i < 0) throw new Error(`no section "${head}" in fixture`);
  const out = [lines[i]];
  for (let j = i + 1; j < lines.length && lines[j].startsWith('  '); j++) out.push(lines[j]);
  return out;
}

/** The line starting with `head`. */
export function line(lines: string[], head: string): string {
  const l = lines.find((x) => x.startsWith(head));
  if (l === undefined) throw new Error(`no line "${head}" in fixture`);
  return l;
}
