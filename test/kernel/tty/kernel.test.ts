/**
 * The tty wired into the real kernel: installConsoleTty over kernel/fs's
 * console device and the kernel core's processes and signals. The first
 * process (hush) is spawned but never run; its console file is driven
 * directly, with host output going to a temporary file and host input
 * coming from a stream.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { Kernel } from '../../../kernel/index.js';
import type { Process, Task } from '../../../kernel/index.js';
import type { OpenFile } from '../../../kernel/file.js';
import { SIGINT } from '../../../kernel/signal/defs.js';
import {
  FakeTtyHost, ICANON, TCGETS, TERMIOS, TIOCGPGRP, TIOCGWINSZ, type Tty, installConsoleTty, ttyOfFile,
} from '../../../kernel/tty/index.js';
import { rootfsDir } from '../../../userspace/index.js';

describe('tty on the kernel console', function () {
  this.timeout(120000);
  let dir: string;
  let outFd: number;
  let input: PassThrough;
  let k: Kernel;
  let first: Process;
  let task: Task;
  let con: OpenFile;
  let term: FakeTtyHost;
  let tty: Tty;
  let arg: number;

  const output = (): string => readFileSync(join(dir, 'out'), 'latin1');
  const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'nommu-tty-kernel-'));
    outFd = openSync(join(dir, 'out'), 'w+');
    input = new PassThrough();
    k = new Kernel({
      memBytes: 64 << 20, root: rootfsDir(), siteCacheDir: null,
      stdio: { input, output: { fd: outFd }, error: { fd: outFd } },
    });
    first = k.spawn('/bin/sh', ['-sh'], ['HOME=/root']);
    task = k.tasks.get(first.pid)!;
    con = task.files.get(0)!;
    term = new FakeTtyHost(true, { rows: 33, cols: 99 });
    const t = installConsoleTty(k, first, term);
    expect(t, 'a terminal host makes the console a tty').to.not.equal(null);
    tty = t!;
    arg = k.mem.size - 4096;
  });

  after(() => {
    k.shutdown();
    tty.stop();
    closeSync(outFd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is not installed when the host input is not a terminal', () => {
    expect(installConsoleTty(k, first, new FakeTtyHost(false))).to.equal(null);
  });

  it('puts the host in raw mode and makes the first process the session of its controlling terminal', () => {
    expect(term.raw).to.equal(true);
    expect(first.ctty).to.equal(tty);
    expect(tty.job).to.deep.equal({ session: first.sid, pgrp: first.pgid });
    expect(ttyOfFile(con), 'fds 0-2 stay kernel/fs console files').to.equal(null);
  });

  it('answers the terminal ioctls through the console file', () => {
    expect(con.ops.ioctl!(con, task, TCGETS, arg)).to.equal(0);
    expect(k.mem.readU32(arg + TERMIOS.c_lflag) & ICANON).to.equal(ICANON);
    expect(con.ops.ioctl!(con, task, TIOCGPGRP, arg)).to.equal(0);
    expect(k.mem.readU32(arg)).to.equal(first.pgid);
    expect(con.ops.ioctl!(con, task, TIOCGWINSZ, arg)).to.equal(0);
    expect([k.mem.readU16(arg), k.mem.readU16(arg + 2)]).to.deep.equal([33, 99]);
  });

  it('processes output (ONLCR) on its way to the host fd', () => {
    expect(con.ops.write!(con, new TextEncoder().encode('a\nb'), 0)).to.equal(3);
    expect(output()).to.equal('a\r\nb');
  });

  it('edits and echoes host input, and a read returns the line', async () => {
    con.ops.poll!(con);
    input.write('hx\x7fi\r');
    await tick();
    const dst = new Uint8Array(64);
    let n = con.ops.read!(con, dst, 0);
    for (let i = 0; n < 0 && i < 100; i++) { await tick(); n = con.ops.read!(con, dst, 0); }
    expect(new TextDecoder().decode(dst.subarray(0, n))).to.equal('hi\n');
    expect(output()).to.equal('a\r\nbhx\b \bi\r\n');
  });

  it('^C sends SIGINT to the foreground process group through the kernel signals', async () => {
    input.write('\x03');
    for (let i = 0; i < 100 && !first.exiting && !first.sharedPending.set.has(SIGINT); i++) await tick();
    expect(first.exiting || first.sharedPending.set.has(SIGINT), 'the first process got SIGINT').to.equal(true);
  });

  it('releases the terminal when the session leader exits', () => {
    k.onProcessExit!(first);
    expect(tty.job).to.deep.equal({ session: 0, pgrp: 0 });
  });
});
