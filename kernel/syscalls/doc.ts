/**
 * docs/syscalls.md, generated from the table's metadata (a test checks that
 * the committed file equals this rendering; regenerate with
 * `node --input-type=module -e "import('./dist/kernel/index.js').then(m => process.stdout.write(m.renderSyscallDoc()))" > docs/syscalls.md`).
 */
import { SYSCALL_LINES } from './table.js';

const STATUS = { supported: 'supported', partial: 'partial', error: 'not supported' } as const;

export function renderSyscallDoc(): string {
  const out: string[] = [];
  const counts = { supported: 0, partial: 0, error: 0 };
  const rows: string[] = [];
  let gapFrom = -1;
  const flushGap = (to: number): void => {
    if (gapFrom < 0) return;
    rows.push(`| ${gapFrom}–${to} | — | — | not assigned on x86-64 |`);
    gapFrom = -1;
  };
  for (const [nr, def] of SYSCALL_LINES) {
    if (def === undefined) {
      if (gapFrom < 0) gapFrom = nr;
      continue;
    }
    flushGap(nr - 1);
    counts[def.status]++;
    const args = def.args.length === 0 ? '' : def.args.join(', ');
    const note = (def.note ?? '').replace(/\|/g, '\\|');
    rows.push(`| ${nr} | \`${def.name}\`(${args}) | ${STATUS[def.status]} | ${note} |`);
  }
  flushGap(SYSCALL_LINES[SYSCALL_LINES.length - 1][0]);
  out.push('# Syscall table');
  out.push('');
  out.push('Generated from `kernel/syscalls/table.ts` by `kernel/syscalls/doc.ts`; do not edit by hand.');
  out.push('Every x86-64 syscall number has a line. Argument kinds are those `--strace` decodes.');
  out.push('Numbers past the table (and past the 512-entry trampoline sled) return ENOSYS.');
  out.push('');
  out.push(`${counts.supported} supported, ${counts.partial} partial, ${counts.error} not supported.`);
  out.push('');
  out.push('| nr | syscall(argument kinds) | status | notes |');
  out.push('|---:|---|---|---|');
  out.push(...rows);
  out.push('');
  return out.join('\n');
}
