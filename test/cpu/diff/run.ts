/**
 * Runs as many differential cases as asked:
 *   node dist/test/cpu/diff/run.js --seed 1 --count 100000 [--family alu,x87] [--form Regex] [--verbose]
 * --count is the total number of cases, spread evenly over the selected forms the
 * engine supports (at least one each). Exit status 1 when anything mismatched.
 */
import { parseArgs } from 'node:util';
import { supportedCodes } from '../../../cpu/index.js';
import { Emulator } from './emulator.js';
import { formatReport, runDifferential, selectForms } from './runner.js';

function main(): number {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      count: { type: 'string', default: '10000' },
      family: { type: 'string', multiple: true },
      form: { type: 'string' },
      details: { type: 'string', default: '20' },
      tier: { type: 'string', multiple: true },
      verbose: { type: 'boolean', default: false },
      'native-only': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('usage: run.js --seed S --count N [--family F[,F...]] [--form REGEX] [--tier interp|compiled|hot] [--details K] [--verbose] [--native-only]\n');
    return 0;
  }
  const seed = Number(values.seed);
  const count = Number(values.count);
  if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(count) || count < 1) {
    process.stderr.write('--seed and --count must be integers (count >= 1)\n');
    return 2;
  }
  const families = (values.family ?? []).flatMap((f) => f.split(',')).filter(Boolean);
  const formFilter = values.form ? new RegExp(values.form) : undefined;
  const nativeOnly = values['native-only'] === true;
  // Native-only: every form runs on the harness alone (a check of the generators, nothing compared).
  const supported: ReadonlySet<number> = nativeOnly ? new Set(selectForms({}).map((f) => f.code)) : supportedCodes();
  const forms = selectForms({ families, formFilter }).filter((f) => supported.has(f.code));
  const perForm = Math.max(1, Math.ceil(count / Math.max(1, forms.length)));
  const tiers = values.tier?.length ? values.tier.map((t) => {
    if (t !== 'interp' && t !== 'compiled' && t !== 'hot') throw new Error(`unknown tier ${t}`);
    return t;
  }) : undefined;
  const started = Date.now();
  const report = runDifferential({
    seed, perForm, families, formFilter, tiers, maxDetails: Number(values.details),
    onBatch: (done) => process.stderr.write(`\r${done} cases...`),
  }, { supported, emulator: nativeOnly ? null : new Emulator() });
  process.stderr.write('\n');
  process.stdout.write(`${formatReport(report, values.verbose)}\n`);
  for (const d of report.details) process.stdout.write(`\n${d}\n`);
  process.stdout.write(`\n${perForm} cases per form, ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return report.mismatches > 0 || report.missingRequired.length > 0 ? 1 : 0;
}

process.exitCode = main();
