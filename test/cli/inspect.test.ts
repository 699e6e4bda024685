import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { findSyscallSites, parseElf } from '../../loader/index.js';
import { BUSYBOX, MUSL_LOADER, objdumpSiteCount } from '../loader/helpers.js';

/** The compiled CLI next to this compiled test (same output directory). */
const CLI = fileURLToPath(new URL('../../cli/index.js', import.meta.url));

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cli: nommu-um inspect', () => {
  let dir = '';
  before(() => { dir = mkdtempSync(join(tmpdir(), 'nommu-um-cli-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reports the musl loader as a loadable PIE with as many sites as objdump counts', () => {
    const r = run('inspect', MUSL_LOADER);
    expect(r.status, r.stderr).to.equal(0);
    const count = objdumpSiteCount(MUSL_LOADER);
    expect(r.stdout).to.match(/^format\s+ELF64 x86-64, ET_DYN \(position-independent\)$/m);
    expect(r.stdout).to.match(/^loadable\s+yes$/m);
    expect(r.stdout).to.match(/^interpreter\s+\(none\)$/m);
    expect(r.stdout).to.match(/^\s+LOAD\s+0x15000\s+0x[0-9a-f]+\s+R-X$/m);
    expect(r.stdout).to.match(new RegExp(`^sites\\s+${count} rewritten to call \\*%rax \\(${count} syscall, 0 sysenter\\)$`, 'm'));
    expect(r.stderr).to.equal('');
  });

  it('--sites lists each site, formatted by iced-x86: address  symbol  syscall -> call *%rax', () => {
    const r = run('inspect', '--sites', MUSL_LOADER);
    expect(r.status).to.equal(0);
    const lines = r.stdout.split('\n').filter((l) => l.includes(' -> '));
    const bytes = readFileSync(MUSL_LOADER);
    const sites = findSyscallSites(parseElf(bytes), bytes);
    expect(lines).to.have.length(sites.length);
    lines.forEach((l, i) => {
      const m = /^\s+(0x[0-9a-f]+)\s+(\S+)\s+syscall -> call \*%rax$/.exec(l);
      expect(m, l).to.not.equal(null);
      expect(Number.parseInt(m![1], 16)).to.equal(sites[i].offset);
      expect(m![2]).to.equal(sites[i].symbol ?? '-');
    });
    expect(lines.some((l) => /\s_Exit\s/.test(l))).to.equal(true);
  });

  it('shows the interpreter of busybox', () => {
    const r = run('inspect', BUSYBOX);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.match(/^interpreter\s+\/lib\/ld-musl-x86_64\.so\.1$/m);
    expect(r.stdout).to.match(/^sites\s+0 rewritten/m); // BusyBox's syscalls all live in musl
  });

  it('refuses a non-PIE executable (musl-gcc -static -no-pie) with exit 1 and says why', () => {
    writeFileSync(join(dir, 'np.c'), 'int main(void) { return 0; }\n');
    const exe = join(dir, 'np');
    execFileSync('musl-gcc', ['-static', '-no-pie', '-o', exe, join(dir, 'np.c')]);
    const r = run('inspect', exe);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.match(/^format\s+ELF64 x86-64, ET_EXEC \(not position-independent\)$/m);
    expect(r.stdout).to.match(/^loadable\s+no: not a position-independent executable \(ET_EXEC\)/m);
    expect(r.stdout).to.match(/^sites\s+\d+ would be rewritten/m);
    expect(r.stderr).to.match(/refused \(ENOEXEC\): not a position-independent executable \(ET_EXEC\): a no-MMU kernel can only load PIE/);
  });

  it('reports a #! script\'s interpreter and argument', () => {
    const script = join(dir, 'script');
    writeFileSync(script, '#! /bin/sh -x\necho hi\n');
    const r = run('inspect', script);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.match(/^format\s+script \(#!\)$/m);
    expect(r.stdout).to.match(/^interpreter\s+\/bin\/sh$/m);
    expect(r.stdout).to.match(/^argument\s+-x$/m);
  });

  it('exits 1 with the reason for malformed files, bad scripts and missing files', () => {
    const junk = join(dir, 'junk');
    writeFileSync(junk, Buffer.from('\x7fELF\x01\x01\x01 truncated'));
    let r = run('inspect', junk);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/refused \(ENOEXEC\): ELF class 1 is not ELFCLASS64/);
    const bad = join(dir, 'bad-script');
    writeFileSync(bad, '#!\n');
    r = run('inspect', bad);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/names no interpreter/);
    r = run('inspect', join(dir, 'missing'));
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/ENOENT/);
  });

  it('exits 2 on usage errors and lists the commands', () => {
    let r = run();
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/inspect\s+show how an ELF file/);
    r = run('no-such-command');
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/unknown command 'no-such-command'/);
    r = run('inspect');
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/nommu-um inspect FILE \[--sites\]/);
    r = run('inspect', 'a', 'b');
    expect(r.status).to.equal(2);
    r = run('inspect', '--no-such-flag', MUSL_LOADER);
    expect(r.status).to.equal(2);
  });
});
