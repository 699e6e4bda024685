/** The boot console: passthrough of host input and output, /dev/console and /dev/tty, poll and ioctls. */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { BLOCK } from '../../../kernel/wait.js';
import { consoleDeviceOf, makeConsole, type LineDiscipline } from '../../../kernel/fs/index.js';
import { E, O, type FakeTask, type Sandbox, makeWorld } from './helpers.js';

describe('kernel/fs console', () => {
  let sb: Sandbox;
  let t: FakeTask;
  let input: PassThrough;
  let outPath: string;
  let outFd: number;
  beforeEach(() => {
    const w = makeWorld();
    sb = w.sb;
    t = w.task();
    input = new PassThrough();
    outPath = path.join(sb.dir, 'console.out');
    outFd = fs.openSync(outPath, 'w');
    const con = makeConsole({ input, output: { fd: outFd } });
    w.vfs.setConsole(con);
    t.files.installAt(0, con, false);
    t.files.installAt(1, con.get(), false);
    t.files.installAt(2, con.get(), false);
  });
  afterEach(() => { t.files.closeAll(); fs.closeSync(outFd); sb.cleanup(); });

  const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

  it('writes to the host output in order and reads host input', async () => {
    expect(t.write(1, 'hello ')).to.equal(6);
    expect(t.write(2, 'world\n')).to.equal(6);
    expect(fs.readFileSync(outPath, 'utf8')).to.equal('hello world\n');
    t.resetWaits();
    expect(t.readStr(0)).to.equal(BLOCK);
    expect(t.waits.length).to.equal(1);
    let woken = false;
    t.waits[0].add(() => { woken = true; });
    input.write('typed\n');
    await tick();
    expect(woken).to.equal(true);
    const n = t.alloc(4);
    expect(t.sys('ioctl', 0, 0x541b, n)).to.equal(0);
    expect(t.mem.readU32(n)).to.equal(6);
    const pfd = t.alloc(8);
    t.mem.writeU32(pfd, 0); t.mem.writeU16(pfd + 4, 1 | 4);
    expect(t.sys('poll', pfd, 1, 0)).to.equal(1);
    expect(t.mem.readU16(pfd + 6)).to.equal(5);
    expect(t.readStr(0, 3)).to.equal('typ');
    expect(t.readStr(0)).to.equal('ed\n');
    t.sys('fcntl', 0, 4, O.NONBLOCK);
    expect(t.readStr(0)).to.equal(E.EAGAIN);
    input.end();
    await tick();
    expect(t.readStr(0)).to.equal('');
    expect(t.sys('lseek', 1, 0, 0)).to.equal(E.ESPIPE);
  });

  it('answers TCGETS and TIOCGWINSZ with ENOTTY when the host side is not a terminal', () => {
    const buf = t.alloc(64);
    expect(t.sys('ioctl', 1, 0x5401, buf)).to.equal(E.ENOTTY);
    expect(t.sys('ioctl', 1, 0x5413, buf)).to.equal(E.ENOTTY);
  });

  it('opens /dev/console and /dev/tty on the same device', () => {
    const fd = t.open('/dev/console', O.WRONLY);
    expect(t.write(fd, 'via /dev/console\n')).to.equal(17);
    const tty = t.open('/dev/tty', O.RDWR);
    expect(t.write(tty, 'via /dev/tty\n')).to.equal(13);
    expect(fs.readFileSync(outPath, 'utf8')).to.equal('via /dev/console\nvia /dev/tty\n');
    expect(t.readlink(`/proc/self/fd/${tty}`)).to.equal('/dev/tty');
    expect(t.readlink('/proc/self/fd/1')).to.equal('/dev/console');
  });

  it('is /dev/console for fstat, and /dev/stdout reopens it', () => {
    const st = t.alloc(144);
    expect(t.sys('fstat', 1, st)).to.equal(0);
    expect(t.mem.readU32(st + 24)).to.equal(0o20600);
    expect(t.mem.readU64(st + 40)).to.equal(0x501);
    const fd = t.open('/dev/stdout', O.WRONLY);
    expect(fd).to.be.at.least(3);
    expect(t.write(fd, 'reopened\n')).to.equal(9);
    expect(t.open('/proc/self/fd/2', O.WRONLY)).to.be.at.least(3);
    expect(fs.readFileSync(outPath, 'utf8')).to.equal('reopened\n');
  });

  it('lets a line discipline take over reads, writes and ioctls', async () => {
    const dev = consoleDeviceOf(t.files.get(0)!)!;
    let line = '';
    const upper: LineDiscipline = {
      receive(_d, data) { line += Buffer.from(data).toString('latin1').toUpperCase(); },
      hangup() { /* nothing */ },
      read(_d, _f, dst) { if (line === '') return E.EAGAIN; const n = Math.min(dst.length, line.length); dst.set(Buffer.from(line.slice(0, n), 'latin1')); line = line.slice(n); return n; },
      write(d, _f, src) { return d.writeHost(Buffer.from('[' + Buffer.from(src).toString('latin1') + ']', 'latin1')) - 2; },
      poll() { return line === '' ? 4 : 5; },
      ioctl(_d, _f, task, cmd, arg) { if (cmd !== 0x5401) return undefined; task.mem.writeU32(arg, 0x1234); return 0; },
      pending() { return line.length; },
    };
    dev.setLdisc(upper);
    expect(t.readStr(0)).to.equal(BLOCK);   // the first read starts taking host input
    input.write('abc');
    await tick();
    expect(t.readStr(0)).to.equal('ABC');
    expect(t.write(1, 'out')).to.equal(3);
    expect(fs.readFileSync(outPath, 'utf8')).to.equal('[out]');
    const buf = t.alloc(64);
    expect(t.sys('ioctl', 0, 0x5401, buf)).to.equal(0);
    expect(t.mem.readU32(buf)).to.equal(0x1234);
  });
});
