/**
 * `nommu-um stats [run options] [--json] -- PROGRAM [ARGS...]`: runs PROGRAM
 * as `nommu-um run` does, then prints the kernel's statistics to stderr:
 * per-syscall counts and host time, unimplemented numbers, retired
 * instructions, syscall sites rewritten at exec and lazily, trap entries.
 */
import type { Kernel } from '../kernel/index.js';
import { UsageError, parseRunArgs, printStats, runHelp, runSetup } from './run.js';

const help = runHelp
  .replace('$ nommu-um run [options] -- PROGRAM [ARGS...]', '$ nommu-um stats [options] [--json] -- PROGRAM [ARGS...]')
  .replace('Runs PROGRAM', 'Runs PROGRAM as `nommu-um run` does and prints kernel statistics to stderr;\nruns PROGRAM')
  + '\n  --json                print the statistics as JSON';

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json') && (argv.indexOf('--') < 0 || argv.indexOf('--json') < argv.indexOf('--'));
  const rest = json ? argv.filter((a, i) => !(a === '--json' && (argv.indexOf('--') < 0 || i < argv.indexOf('--')))) : argv;
  let setup;
  try {
    setup = parseRunArgs(rest, help);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`nommu-um stats: ${e.message}\n\n${help}\n`);
      return 2;
    }
    throw e;
  }
  setup.stats = true;
  const print = json
    ? (k: Kernel, wallMs: number): void => {
      process.stderr.write(JSON.stringify({ ...k.stats.toJSON(), retired: k.cpu.retiredTotal, wallMs, idleMs: k.sched.idleMs, slices: k.sched.slices }) + '\n');
    }
    : printStats;
  return runSetup(setup, print);
}
