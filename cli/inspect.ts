/**
 * `nommu-um inspect FILE [--sites]`: what the loader makes of a file — ELF
 * type and the PIE-only verdict, interpreter, segments, symbols and the
 * syscall sites it would rewrite (with --sites, each one, both instructions
 * printed by iced-x86's formatter). A `#!` script shows its interpreter line.
 * Exit status: 0 loadable, 1 refused (reason on stderr), 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { iced } from '../cpu/index.js';
import meow from 'meow';
import {
  ExecError, checkLoadable, elfTypeName, findSyscallSites, parseElf, parseShebang, segmentFlags,
  segmentTypeName, ET_DYN,
} from '../loader/index.js';
import type { ElfImage, SyscallSite } from '../loader/index.js';
import { CALL_RAX } from '../trampoline/index.js';

const { Decoder, DecoderOptions, Formatter, FormatterSyntax } = iced;

const help = `Usage
  $ nommu-um inspect FILE [--sites]

Shows how the loader would treat FILE: ELF type, whether it is a
position-independent executable (a no-MMU kernel loads nothing else),
interpreter, segments, symbols and the syscall sites it rewrites to
call *%rax. Exit status 1 when FILE would be refused.

Options
  --sites  list every rewritten site: address  symbol  original -> replacement`;

const hex = (v: number): string => '0x' + v.toString(16);

/** Formats the one instruction encoded in `code` (AT&T syntax, as objdump prints it). */
function formatInstruction(formatter: InstanceType<typeof Formatter>, code: Uint8Array, ip: number): string {
  const decoder = new Decoder(64, code, DecoderOptions.None);
  decoder.ip = BigInt(ip);
  const instr = decoder.decode();
  try {
    return formatter.format(instr);
  } finally {
    instr.free();
    decoder.free();
  }
}

function siteLines(sites: SyscallSite[]): string[] {
  const formatter = new Formatter(FormatterSyntax.Gas);
  const replacement = Uint8Array.from(CALL_RAX);
  try {
    const rows = sites.map((s) => [hex(s.offset), s.symbol ?? '-',
      `${formatInstruction(formatter, s.original, s.offset)} -> ${formatInstruction(formatter, replacement, s.offset)}`]);
    const w0 = Math.max(0, ...rows.map((r) => r[0].length));
    const w1 = Math.max(0, ...rows.map((r) => r[1].length));
    return rows.map((r) => `  ${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`);
  } finally {
    formatter.free();
  }
}

function segmentLines(elf: ElfImage): string[] {
  const rows = elf.phdrs.map((p) => [segmentTypeName(p.type), hex(p.vaddr), hex(p.memsz), segmentFlags(p.flags)]);
  const head = ['type', 'vaddr', 'memsz', 'flags'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => '  ' + r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
}

function field(name: string, value: string): string {
  return `${name.padEnd(12)} ${value}`;
}

/** The report of an ELF file; returns the refusal reason, or null when loadable. */
function reportElf(file: string, bytes: Uint8Array, listSites: boolean, out: string[]): string | null {
  const elf = parseElf(bytes);
  let refusal: string | null = null;
  try {
    checkLoadable(elf);
  } catch (e) {
    if (!(e instanceof ExecError)) throw e;
    refusal = e.message;
  }
  const sites = findSyscallSites(elf, bytes);
  const symtab = elf.symbols.filter((s) => s.table === 'symtab').length;
  const pie = elf.type === ET_DYN ? 'position-independent' : 'not position-independent';
  out.push(
    field('file', file),
    field('format', `ELF64 x86-64, ${elfTypeName(elf.type)} (${pie})`),
    field('loadable', refusal === null ? 'yes' : `no: ${refusal}`),
    field('entry', hex(elf.entry)),
    field('interpreter', elf.interp ?? '(none)'),
    field('segments', String(elf.phdrs.length)),
    ...segmentLines(elf),
    field('sections', String(elf.sections.length)),
    field('symbols', `${elf.symbols.length} (symtab ${symtab}, dynsym ${elf.symbols.length - symtab})`),
  );
  const syscalls = sites.filter((s) => s.kind === 'syscall').length;
  const verb = refusal === null ? 'rewritten' : 'would be rewritten';
  const note = refusal === null ? '' : '; the file is refused';
  out.push(field('sites', `${sites.length} ${verb} to call *%rax (${syscalls} syscall, ${sites.length - syscalls} sysenter${note})`));
  if (listSites) out.push(...siteLines(sites));
  return refusal;
}

export async function main(argv: string[]): Promise<number> {
  const cli = meow(help, {
    importMeta: import.meta, argv, allowUnknownFlags: false,
    flags: { sites: { type: 'boolean', default: false } },
  });
  if (cli.input.length !== 1) {
    process.stderr.write(`${cli.help}\n`);
    return 2;
  }
  const file = cli.input[0];
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    process.stderr.write(`nommu-um inspect: ${file}: ${(e as Error).message}\n`);
    return 1;
  }
  const out: string[] = [];
  let refusal: string | null;
  try {
    const script = parseShebang(bytes);
    if (script !== null) {
      out.push(field('file', file), field('format', 'script (#!)'),
        field('interpreter', script.interpreter), field('argument', script.arg ?? '(none)'));
      refusal = null;
    } else {
      refusal = reportElf(file, bytes, cli.flags.sites, out);
    }
  } catch (e) {
    if (!(e instanceof ExecError)) throw e;
    refusal = e.message;
  }
  if (out.length > 0) process.stdout.write(out.join('\n') + '\n');
  if (refusal !== null) {
    process.stderr.write(`nommu-um inspect: ${file}: refused (ENOEXEC): ${refusal}\n`);
    return 1;
  }
  return 0;
}
