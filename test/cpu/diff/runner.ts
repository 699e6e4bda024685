/**
 * Runs forms' cases natively and in the engine, compares them, and reports
 * coverage: forms run, forms the engine does not support (listed, never passed
 * silently), cases and mismatches per family.
 */
import { Mismatch, compareCase, describeMismatch } from './compare.js';
import { Emulator, TIERS, type Tier } from './emulator.js';
import { allFamilies } from './families/index.js';
import { DiffCase, Form } from './model.js';
import { buildHarness, runNative } from './native.js';
import { streamRng } from './rng.js';
import { Observed } from './state.js';

export interface RunOptions {
  seed: number;
  /** Cases per form. */
  perForm: number;
  /** Cases per form of the named families, where they differ from perForm. */
  perFamily?: Readonly<Record<string, number>>;
  /** Only these families (all when empty). */
  families?: readonly string[];
  /** Only forms whose id matches. */
  formFilter?: RegExp;
  /** Cases per harness process. */
  batch?: number;
  /** Mismatching cases described in full. */
  maxDetails?: number;
  /** Engine tiers to run every case on (default: all). */
  tiers?: readonly Tier[];
  /** Called after each batch (progress). */
  onBatch?(done: number): void;
}

export interface FormResult {
  form: Form;
  supported: boolean;
  cases: number;
  mismatches: number;
  /** Cases that faulted natively (signal number -> count): evidence that fault paths are exercised. */
  nativeFaults: Map<number, number>;
}

export interface RunReport {
  seed: number;
  results: FormResult[];
  cases: number;
  mismatches: number;
  /** Full descriptions of the first mismatching cases. */
  details: string[];
  /** Required forms the engine lacks. */
  missingRequired: Form[];
}

export interface Engine {
  supported: ReadonlySet<number>;
  /** null: run natively only (checks the generators and the harness; nothing is compared). */
  emulator: Emulator | null;
}

export function selectForms(opts: Pick<RunOptions, 'families' | 'formFilter'>): Form[] {
  const fams = allFamilies().filter((f) => !opts.families?.length || opts.families.includes(f.name));
  if (opts.families?.length) {
    for (const name of opts.families) {
      if (!fams.some((f) => f.name === name)) throw new Error(`no case family named ${name} (have: ${allFamilies().map((f) => f.name).join(', ')})`);
    }
  }
  return fams.flatMap((f) => f.forms).filter((f) => !opts.formFilter || opts.formFilter.test(f.id));
}

const DETAILS_PER_FORM = 2;

/** Mismatches of each tier, tagged; identical lists on every tier are shown once. */
function tierMismatches(c: DiffCase, nat: Observed, emu: Observed[], tiers: readonly Tier[]): Mismatch[] {
  const per = emu.map((obs) => compareCase(c, nat, obs));
  const key = (ms: Mismatch[]): string => JSON.stringify(ms);
  if (per.length > 1 && per.every((ms) => key(ms) === key(per[0]))) {
    return per[0].map((m) => ({ ...m, what: `${m.what} [all tiers]` }));
  }
  return per.flatMap((ms, t) => ms.map((m) => ({ ...m, what: `${m.what} [${tiers[t]}]` })));
}

function runOne(emulator: Emulator, c: DiffCase, tiers: readonly Tier[]): Observed[] | string {
  try {
    return emulator.run({ code: c.code, insnAddr: c.insnAddr, state: c.state, resumable: c.resumable }, tiers);
  } catch (e) {
    return `engine threw: ${e instanceof Error ? e.stack ?? e.message : String(e)}`;
  }
}

export function runDifferential(opts: RunOptions, engine: Engine): RunReport {
  const bin = buildHarness();
  const forms = selectForms(opts);
  const batchSize = opts.batch ?? 4000;
  const maxDetails = opts.maxDetails ?? 20;
  const tiers = opts.tiers ?? TIERS;
  const results = new Map<Form, FormResult>();
  const report: RunReport = { seed: opts.seed, results: [], cases: 0, mismatches: 0, details: [], missingRequired: [] };
  let batch: DiffCase[] = [];

  const flush = (): void => {
    if (batch.length === 0) return;
    const natives = runNative(bin, batch.map((c) => ({ code: c.nativeCode, insnAddr: c.insnAddr, state: c.state })));
    batch.forEach((c, i) => {
      const r = results.get(c.form)!;
      r.cases++;
      report.cases++;
      const nf = natives[i].fault;
      if (nf) r.nativeFaults.set(nf.signal, (r.nativeFaults.get(nf.signal) ?? 0) + 1);
      if (engine.emulator === null) return;
      const emu = runOne(engine.emulator, c, tiers);
      const mism = typeof emu === 'string' ? [{ what: 'engine', native: 'ran', emulated: emu }] : tierMismatches(c, natives[i], emu, tiers);
      if (mism.length) {
        r.mismatches++;
        report.mismatches++;
        // A few cases per form, so that one broken form does not hide the others.
        if (report.details.length < maxDetails && r.mismatches <= DETAILS_PER_FORM) report.details.push(describeMismatch(c, mism));
      }
    });
    batch = [];
    opts.onBatch?.(report.cases);
  };

  for (const form of forms) {
    const supported = engine.supported.has(form.code);
    const r: FormResult = { form, supported, cases: 0, mismatches: 0, nativeFaults: new Map() };
    results.set(form, r);
    report.results.push(r);
    if (!supported) {
      if (form.required) report.missingRequired.push(form);
      continue;
    }
    const rng = streamRng(opts.seed, form.id);
    const count = opts.perFamily?.[form.family] ?? opts.perForm;
    for (let i = 0; i < count; i++) {
      batch.push(form.make(rng, i));
      if (batch.length >= batchSize) flush();
    }
  }
  flush();
  return report;
}

/** The coverage report: per family, forms covered / not covered, cases and mismatches. */
export function formatReport(r: RunReport, verbose = false): string {
  const lines: string[] = [];
  const fams = new Map<string, FormResult[]>();
  for (const x of r.results) {
    const list = fams.get(x.form.family) ?? [];
    list.push(x);
    fams.set(x.form.family, list);
  }
  lines.push(`CPU differential test, seed ${r.seed}: ${r.cases} cases, ${r.mismatches} mismatching`);
  lines.push('family          forms  covered  not-covered  cases  mismatches  native-faults');
  let tf = 0, tc = 0, tfault = 0;
  for (const [name, list] of fams) {
    const covered = list.filter((x) => x.supported);
    tf += list.length;
    tc += covered.length;
    const cases = list.reduce((a, x) => a + x.cases, 0);
    const bad = list.reduce((a, x) => a + x.mismatches, 0);
    const faults = list.reduce((a, x) => a + [...x.nativeFaults.values()].reduce((p, q) => p + q, 0), 0);
    tfault += faults;
    lines.push(`${name.padEnd(16)}${String(list.length).padStart(5)}${String(covered.length).padStart(9)}${String(list.length - covered.length).padStart(13)}${String(cases).padStart(7)}${String(bad).padStart(12)}${String(faults).padStart(15)}`);
  }
  lines.push(`${'total'.padEnd(16)}${String(tf).padStart(5)}${String(tc).padStart(9)}${String(tf - tc).padStart(13)}${String(r.cases).padStart(7)}${String(r.mismatches).padStart(12)}${String(tfault).padStart(15)}`);
  const missing = r.results.filter((x) => !x.supported);
  if (missing.length) {
    lines.push(`not covered (engine does not support the Code): ${missing.length} forms`);
    for (const [name, list] of fams) {
      const ids = list.filter((x) => !x.supported).map((x) => x.form.id + (x.form.required ? ' (REQUIRED)' : ''));
      if (ids.length) lines.push(`  ${name}: ${ids.join(', ')}`);
    }
  }
  const failing = r.results.filter((x) => x.mismatches > 0);
  if (failing.length) {
    lines.push(`forms with mismatches: ${failing.length}`);
    for (const x of failing) lines.push(`  ${x.form.family}/${x.form.id}: ${x.mismatches} of ${x.cases}`);
  }
  if (verbose) {
    lines.push('covered forms (cases, native faults by signal):');
    for (const [name, list] of fams) {
      const items = list.filter((x) => x.supported).map((x) => {
        const f = [...x.nativeFaults].map(([sig, n]) => `SIG${sig}:${n}`).join(' ');
        return `${x.form.id} (${x.cases}${f ? ' ' + f : ''})`;
      });
      lines.push(`  ${name}: ${items.join(', ')}`);
    }
  }
  return lines.join('\n');
}
