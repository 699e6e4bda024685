/**
 * Terminal ioctls through guest memory with the kernel's struct layouts,
 * the redirected-stdin (non-terminal) mode, and the host side's lifecycle.
 */
import { expect } from 'chai';
import { EFAULT, EINVAL, ENOTTY, EPIPE } from '../../../kernel/errno.js';
import { O_RDWR, POLLHUP, POLLIN } from '../../../kernel/file.js';
import {
  B38400, CBAUD, CS8, CREAD, ECHO, FIONREAD, HUPCL, ICANON, ICRNL, IXON, ISIG, N_TTY, ONLCR, OPOST, TCFLSH,
  TCGETA, TCGETS, TCGETS2, TCIFLUSH, TCOOFF, TCOON, TCSBRK, TCSETS, TCSETSF, TCSETS2, TCXONC, TERMIOS,
  TERMIOS2, TIOCGETD, TIOCGWINSZ, TIOCOUTQ, TIOCSETD, TIOCSTI, VEOF, VERASE, VINTR, VKILL, VMIN, VSUSP, VTIME,
  WINSIZE, ttyOfFile,
} from '../../../kernel/tty/index.js';
import { ARG, tcset, world } from './helpers.js';

describe('tty ioctls', () => {
  it('TCGETS writes exactly the 36-byte kernel struct termios with the tty_std_termios defaults', () => {
    const w = world();
    w.mem.fill(ARG, 64, 0xee);
    expect(w.ioctl(TCGETS)).to.equal(0);
    const dv = new DataView(w.mem.u8.buffer, ARG, 64);
    expect(dv.getUint32(TERMIOS.c_iflag, true)).to.equal(ICRNL | IXON);
    expect(dv.getUint32(TERMIOS.c_oflag, true)).to.equal(OPOST | ONLCR);
    expect(dv.getUint32(TERMIOS.c_cflag, true)).to.equal(B38400 | CS8 | CREAD | HUPCL);
    expect(dv.getUint32(TERMIOS.c_lflag, true) & (ICANON | ECHO | ISIG)).to.equal(ICANON | ECHO | ISIG);
    expect(w.mem.readU8(ARG + TERMIOS.c_line)).to.equal(0);
    const cc = (i: number): number => w.mem.readU8(ARG + TERMIOS.c_cc + i);
    expect([cc(VINTR), cc(VERASE), cc(VKILL), cc(VEOF), cc(VTIME), cc(VMIN), cc(VSUSP)]).to.deep.equal([3, 0x7f, 0x15, 4, 0, 1, 0x1a]);
    expect(w.mem.readU8(ARG + TERMIOS.size), 'nothing written past the struct').to.equal(0xee);
  });

  it('TCSETS then TCGETS round-trips every field but the line hardware bits', () => {
    const w = world();
    expect(w.ioctl(TCGETS)).to.equal(0);
    const b = w.mem.readBytes(ARG, TERMIOS.size);
    const dv = new DataView(b.buffer);
    dv.setUint32(TERMIOS.c_iflag, 0o42, true);
    dv.setUint32(TERMIOS.c_oflag, 0, true);
    dv.setUint32(TERMIOS.c_cflag, (B38400 & ~CBAUD) | 0o15 | CS8 | CREAD, true); // B9600, HUPCL off
    dv.setUint32(TERMIOS.c_lflag, ISIG, true);
    for (let i = 0; i < 19; i++) b[TERMIOS.c_cc + i] = 40 + i;
    w.mem.writeBytes(ARG, b);
    expect(w.ioctl(TCSETS)).to.equal(0);
    w.mem.fill(ARG, TERMIOS.size, 0);
    expect(w.ioctl(TCGETS)).to.equal(0);
    const got = w.mem.readBytes(ARG, TERMIOS.size);
    const gv = new DataView(got.buffer);
    expect(gv.getUint32(TERMIOS.c_iflag, true)).to.equal(0o42);
    expect(gv.getUint32(TERMIOS.c_oflag, true)).to.equal(0);
    // A virtual console keeps its speed and size; HUPCL, CREAD and CLOCAL follow the caller.
    expect(gv.getUint32(TERMIOS.c_cflag, true)).to.equal(B38400 | CS8 | CREAD);
    expect(gv.getUint32(TERMIOS.c_lflag, true)).to.equal(ISIG);
    expect([...got.subarray(TERMIOS.c_cc, TERMIOS.c_cc + 19)]).to.deep.equal(Array.from({ length: 19 }, (_, i) => 40 + i));
  });

  it('TCGETS2 adds the speeds; TCSETS2 accepts the struct; TCGETA gives the 18-byte termio', () => {
    const w = world();
    expect(w.ioctl(TCGETS2)).to.equal(0);
    expect(w.mem.readU32(ARG + TERMIOS2.c_ispeed)).to.equal(38400);
    expect(w.mem.readU32(ARG + TERMIOS2.c_ospeed)).to.equal(38400);
    expect(w.ioctl(TCSETS2)).to.equal(0);
    w.mem.fill(ARG, 32, 0xee);
    expect(w.ioctl(TCGETA)).to.equal(0);
    expect(w.mem.readU16(ARG)).to.equal(ICRNL | IXON);
    expect(w.mem.readU8(ARG + 9 + VINTR)).to.equal(3);
    expect(w.mem.readU8(ARG + 18)).to.equal(0xee);
  });

  it('TCSETSF flushes pending input; TCSETS keeps it', () => {
    const w = world();
    w.host.type('keep\r');
    expect(w.ioctl(TCGETS)).to.equal(0);
    expect(w.ioctl(TCSETS)).to.equal(0);
    expect(w.read()).to.equal('keep\n');
    w.host.type('drop\r');
    expect(w.ioctl(TCSETSF)).to.equal(0);
    expect(w.read()).to.be.lessThan(0);
  });

  it('TIOCGWINSZ reports the host window in struct winsize', () => {
    const w = world({ rows: 40, cols: 120 });
    w.mem.fill(ARG, 16, 0xee);
    expect(w.ioctl(TIOCGWINSZ)).to.equal(0);
    expect(w.mem.readU16(ARG + WINSIZE.ws_row)).to.equal(40);
    expect(w.mem.readU16(ARG + WINSIZE.ws_col)).to.equal(120);
    expect(w.mem.readU16(ARG + WINSIZE.ws_xpixel)).to.equal(0);
    expect(w.mem.readU8(ARG + WINSIZE.size)).to.equal(0xee);
  });

  it('FIONREAD counts complete lines in canonical mode (EOF marks excluded) and all bytes otherwise', () => {
    const w = world();
    w.host.type('abc');
    expect(w.ioctl(FIONREAD)).to.equal(0);
    expect(w.mem.readU32(ARG)).to.equal(0);
    w.host.type('\rde\x04');
    expect(w.ioctl(FIONREAD)).to.equal(0);
    expect(w.mem.readU32(ARG)).to.equal(6);
    tcset(w, (t) => { t.lflag &= ~ICANON; });
    w.host.type('xyz');
    expect(w.ioctl(FIONREAD)).to.equal(0);
    // The EOF mark turned into a NUL byte when ICANON went off, as in Linux.
    expect(w.mem.readU32(ARG)).to.equal(10);
  });

  it('TCFLSH, TCXONC, TCSBRK, TIOCOUTQ, TIOCSTI, TIOCGETD/TIOCSETD', () => {
    const w = world();
    w.host.type('gone\r');
    expect(w.ioctl(TCFLSH, TCIFLUSH)).to.equal(0);
    expect(w.read()).to.be.lessThan(0);
    expect(w.ioctl(TCFLSH, 7)).to.equal(-EINVAL);
    expect(w.ioctl(TCXONC, TCOOFF)).to.equal(0);
    expect(w.write('x')).to.be.lessThan(0);
    expect(w.ioctl(TCXONC, TCOON)).to.equal(0);
    expect(w.write('x')).to.equal(1);
    expect(w.ioctl(TCXONC, 9)).to.equal(-EINVAL);
    expect(w.ioctl(TCSBRK, 1)).to.equal(0);
    expect(w.ioctl(TIOCOUTQ)).to.equal(0);
    expect(w.mem.readU32(ARG)).to.equal(0);
    w.mem.writeU8(ARG, 0x71);
    expect(w.ioctl(TIOCSTI)).to.equal(0);
    w.mem.writeU8(ARG, 0x0d);
    expect(w.ioctl(TIOCSTI)).to.equal(0);
    expect(w.read()).to.equal('q\n');
    expect(w.ioctl(TIOCGETD)).to.equal(0);
    expect(w.mem.readU32(ARG)).to.equal(N_TTY);
    w.mem.writeU32(ARG, 2);
    expect(w.ioctl(TIOCSETD)).to.equal(-EINVAL);
  });

  it('unknown requests give ENOTTY and bad pointers EFAULT', () => {
    const w = world();
    expect(w.ioctl(0x5499)).to.equal(-ENOTTY);
    expect(w.ioctl(TCGETS, 0)).to.equal(-EFAULT);
    expect(w.ioctl(TCSETS, w.mem.size - 4)).to.equal(-EFAULT);
  });

  it('ttyOfFile finds the tty behind an open file', () => {
    const w = world();
    expect(ttyOfFile(w.file)).to.equal(w.tty);
    expect(w.file.ops.fdinfo!(w.file)).to.equal('');
  });
});

describe('tty over a redirected host stdin', () => {
  it('passes bytes through unchanged with no echo, and reads 0 at the end of input', () => {
    const w = world({ terminal: false });
    w.host.type('a\r\n\x03\x04\x7f');
    expect(w.read()).to.equal('a\r\n\x03\x04\x7f');
    expect(w.host.text()).to.equal('');
    expect(w.jc.signals).to.deep.equal([]);
    expect(w.read()).to.be.lessThan(0);
    w.host.end();
    expect(w.read()).to.equal('');
    expect(w.tty.poll() & (POLLIN | POLLHUP)).to.equal(POLLIN | POLLHUP);
  });

  it('is not a terminal: TCGETS and TIOCGWINSZ give ENOTTY; FIONREAD works as on a pipe; output is untranslated', () => {
    const w = world({ terminal: false });
    expect(w.ioctl(TCGETS)).to.equal(-ENOTTY);
    expect(w.ioctl(TIOCGWINSZ)).to.equal(-ENOTTY);
    w.host.type('12345');
    expect(w.ioctl(FIONREAD)).to.equal(0);
    expect(w.mem.readU32(ARG)).to.equal(5);
    w.write('x\ny');
    expect(w.host.text()).to.equal('x\ny');
    expect(w.host.raw).to.equal(false);
  });

  it('takes host input only once the guest reads or polls', () => {
    const w = world({ terminal: false });
    let delivered = false;
    const onInput = w.host.onInput.bind(w.host);
    w.host.onInput = (cb) => { delivered = true; onInput(cb); };
    const f = w.tty.open(O_RDWR);
    expect(delivered).to.equal(false);
    w.tty.poll();
    expect(delivered).to.equal(true);
    expect(ttyOfFile(f)).to.equal(w.tty);
  });

  it('a write to a host reader that went away gives EPIPE (the generic write adds SIGPIPE)', () => {
    const w = world({ terminal: false });
    w.host.broken = true;
    expect(w.write('x')).to.equal(-EPIPE);
  });
});

describe('tty host lifecycle', () => {
  it('a terminal host is put in raw mode when the console opens and restored by stop()', () => {
    const w = world();
    expect(w.host.raw).to.equal(true);
    w.tty.stop();
    expect(w.host.raw).to.equal(false);
    expect(w.host.restored).to.equal(true);
  });

  it('asks the host to pause when input piles up and to resume once it is read', () => {
    const w = world();
    tcset(w, (t) => { t.lflag &= ~(ICANON | ECHO); });
    w.host.type(new Uint8Array(100_000).fill(0x61));
    expect(w.host.throttled).to.equal(true);
    let total = 0;
    for (let r = w.read(65536); typeof r === 'string' && r.length > 0; r = w.read(65536)) total += r.length;
    expect(total).to.equal(100_000);
    expect(w.host.throttled).to.equal(false);
  });
});
