#!/usr/bin/env node
/**
 * The `nommu-um` command. Each subcommand is a module cli/<command>.ts that
 * exports `main(argv)` (argv: the arguments after the command name) and
 * returns the exit status; adding a command is one line in `commands`.
 * Exit status 2 means a usage error.
 */
import meow from 'meow';

export interface Command {
  main(argv: string[]): Promise<number>;
}

interface CommandEntry {
  summary: string;
  load(): Promise<Command>;
}

const commands: Record<string, CommandEntry> = {
  run: { summary: 'run a guest program: nommu-um run [options] -- PROGRAM [ARGS...]', load: () => import('./run.js') },
  stats: { summary: 'run a guest program and print per-syscall counts and times, retired instructions, lazily rewritten sites', load: () => import('./stats.js') },
  inspect: { summary: 'show how an ELF file or #! script would be loaded', load: () => import('./inspect.js') },
  bench: { summary: 'benchmark the syscall paths (native, qemu-user, trap, zpoline) or the CPU (--suite cpu)', load: () => import('./bench.js') },
  boot: { summary: 'boot the guest: an interactive shell on this terminal (a demo without one)', load: () => import('./boot.js') },
  conformance: { summary: "BusyBox's testsuite and hush's tests, natively and in the guest, side by side", load: () => import('./conformance.js') },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const list = Object.entries(commands)
    .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`).join('\n');
  return `Usage
  $ nommu-um <command> [options]

Commands
${list}

Run \`nommu-um <command> --help\` for the options of a command.`;
}

async function run(argv: string[]): Promise<number> {
  const at = argv.findIndex((a) => !a.startsWith('-'));
  const leading = at < 0 ? argv : argv.slice(0, at);
  // meow handles --help and --version before any command; other leading flags are usage errors.
  const cli = meow(usage(), { importMeta: import.meta, argv: leading, allowUnknownFlags: false, flags: {} });
  if (at < 0) {
    process.stderr.write(cli.help + '\n');
    return 2;
  }
  const name = argv[at];
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (entry === undefined) {
    process.stderr.write(`nommu-um: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  const command = await entry.load();
  return command.main(argv.slice(at + 1));
}

process.exitCode = await run(process.argv.slice(2));
