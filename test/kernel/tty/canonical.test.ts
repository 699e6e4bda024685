/**
 * Canonical mode of the n_tty line discipline, driven through the tty's file
 * operations over a fake host terminal: line editing, EOF, echo variants,
 * input and output translation, flow control.
 */
import { expect } from 'chai';
import { EAGAIN } from '../../../kernel/errno.js';
import { POLLIN, POLLOUT } from '../../../kernel/file.js';
import {
  ECHO, ECHOCTL, ECHOE, ECHOK, ECHOKE, ECHONL, ECHOPRT, ICRNL, IGNCR, INLCR, IUTF8, IXANY, IXON, OCRNL, OLCUC,
  ONLCR, ONLRET, ONOCR, OPOST, XTABS, N_TTY_BUF_SIZE,
} from '../../../kernel/tty/index.js';
import { tcset, world } from './helpers.js';

describe('tty canonical mode', () => {
  it('echoes typed characters and delivers the line at newline, CR mapped to NL (ICRNL) and NL shown as CR NL (ONLCR)', () => {
    const w = world();
    w.host.type('hello');
    expect(w.read()).to.equal(-EAGAIN);
    expect(w.tty.poll() & POLLIN).to.equal(0);
    w.host.type('\r');
    expect(w.tty.poll() & POLLIN).to.equal(POLLIN);
    expect(w.read()).to.equal('hello\n');
    expect(w.host.take()).to.equal('hello\r\n');
  });

  it('returns one line per read and the rest of a line to the next read', () => {
    const w = world();
    w.host.type('a\rb\rabcdef\r');
    expect(w.read()).to.equal('a\n');
    expect(w.read()).to.equal('b\n');
    expect(w.read(4)).to.equal('abcd');
    expect(w.read(4)).to.equal('ef\n');
    expect(w.read()).to.equal(-EAGAIN);
  });

  it('VERASE removes one character and echoes backspace-space-backspace (ECHOE)', () => {
    const w = world();
    w.host.type('hellx\x7fo\r');
    expect(w.read()).to.equal('hello\n');
    expect(w.host.take()).to.equal('hellx\b \bo\r\n');
  });

  it('VERASE at the start of a line does nothing', () => {
    const w = world();
    w.host.type('\x7f\x7fok\r');
    expect(w.read()).to.equal('ok\n');
    expect(w.host.take()).to.equal('ok\r\n');
  });

  it('VERASE without ECHOE echoes the erase character instead (^? under ECHOCTL)', () => {
    const w = world();
    tcset(w, (t) => { t.lflag &= ~ECHOE; });
    w.host.type('ab\x7f\r');
    expect(w.read()).to.equal('a\n');
    expect(w.host.take()).to.equal('ab^?\r\n');
  });

  it('VKILL erases the whole line visually under ECHOKE', () => {
    const w = world();
    w.host.type('garbage\x15ok\r');
    expect(w.read()).to.equal('ok\n');
    expect(w.host.take()).to.equal('garbage' + '\b \b'.repeat(7) + 'ok\r\n');
  });

  it('VKILL without ECHOKE echoes ^U and, with ECHOK, a newline', () => {
    const w = world();
    tcset(w, (t) => { t.lflag &= ~ECHOKE; });
    w.host.type('junk\x15ok\r');
    expect(w.read()).to.equal('ok\n');
    expect(w.host.take()).to.equal('junk^U\r\nok\r\n');
    tcset(w, (t) => { t.lflag &= ~(ECHOKE | ECHOK); });
    w.host.type('junk\x15\r');
    expect(w.read()).to.equal('\n');
    expect(w.host.take()).to.equal('junk^U\r\n');
  });

  it('VWERASE removes the trailing blanks and the word before them', () => {
    const w = world();
    w.host.type('one two  \x17three\r');
    expect(w.read()).to.equal('one three\n');
    expect(w.host.take()).to.equal('one two  ' + '\b \b'.repeat(5) + 'three\r\n');
  });

  it('VEOF at the start of a line reads as end of file (0 bytes) and is not echoed', () => {
    const w = world();
    w.host.type('\x04');
    expect(w.read()).to.equal('');
    expect(w.read()).to.equal(-EAGAIN);
    expect(w.host.take()).to.equal('');
  });

  it('VEOF in the middle of a line returns the partial line without a newline', () => {
    const w = world();
    w.host.type('abc\x04');
    expect(w.read()).to.equal('abc');
    expect(w.read()).to.equal(-EAGAIN);
    w.host.type('abc\x04\x04');
    expect(w.read(2)).to.equal('ab');
    expect(w.read(2)).to.equal('c');
    expect(w.read()).to.equal('');
    expect(w.host.take()).to.equal('abcabc');
  });

  it('ECHOCTL shows control characters as ^X and erases both columns', () => {
    const w = world();
    w.host.type('a\x01\x7f\r');
    expect(w.read()).to.equal('a\n');
    expect(w.host.take()).to.equal('a^A\b \b\b \b\r\n');
    tcset(w, (t) => { t.lflag &= ~ECHOCTL; });
    w.host.type('\x01\r');
    expect(w.read()).to.equal('\x01\n');
    expect(w.host.take()).to.equal('\x01\r\n');
  });

  it('without ECHO nothing is echoed; ECHONL still echoes the newline', () => {
    const w = world();
    tcset(w, (t) => { t.lflag &= ~ECHO; });
    w.host.type('secret\r');
    expect(w.read()).to.equal('secret\n');
    expect(w.host.take()).to.equal('');
    tcset(w, (t) => { t.lflag |= ECHONL; });
    w.host.type('pw\r');
    expect(w.read()).to.equal('pw\n');
    expect(w.host.take()).to.equal('\r\n');
  });

  it('ECHOPRT prints erased characters between \\ and /', () => {
    const w = world();
    tcset(w, (t) => { t.lflag |= ECHOPRT; });
    w.host.type('abc\x7f\x7fd\r');
    expect(w.read()).to.equal('ad\n');
    expect(w.host.take()).to.equal('abc\\cb/d\r\n');
  });

  it('erasing a tab backs up to the column where the tab started', () => {
    const w = world();
    w.host.type('ab\t\x7f');
    expect(w.host.take()).to.equal('ab\t' + '\b'.repeat(6));
    w.host.type('\r');
    expect(w.read()).to.equal('ab\n');
    // After a prompt of 3 columns the line starts at column 3: the tab spans columns 5..7.
    w.write('>> ');
    w.host.take();
    w.host.type('xy\t\x7f\r');
    expect(w.read()).to.equal('xy\n');
    expect(w.host.take()).to.equal('xy\t' + '\b'.repeat(3) + '\r\n');
  });

  it('with IUTF8 one VERASE removes a whole multi-byte character', () => {
    const w = world();
    tcset(w, (t) => { t.iflag |= IUTF8; });
    w.host.type(Uint8Array.from([0x61, 0xc3, 0xa9, 0x7f, 0x0d]));
    expect(w.read()).to.equal('a\n');
    expect(w.host.take()).to.equal('a\xc3\xa9\b \b\r\n');
  });

  it('VLNEXT takes the next character literally (^V^C is data, shown as ^\\b^C)', () => {
    const w = world();
    w.host.type('\x16\x03\r');
    expect(w.read()).to.equal('\x03\n');
    expect(w.jc.signals).to.deep.equal([]);
    expect(w.host.take()).to.equal('^\b^C\r\n');
  });

  it('VREPRINT reprints the line being edited', () => {
    const w = world();
    w.host.type('abc\x12');
    expect(w.host.take()).to.equal('abc^R\r\nabc');
  });

  it('a canonical line holds at most 4095 characters plus its newline', () => {
    const w = world();
    w.host.type('x'.repeat(5000) + '\r');
    const line = w.read(8192);
    expect(line).to.equal('x'.repeat(N_TTY_BUF_SIZE - 1) + '\n');
  });

  it('IGNCR drops CR, INLCR maps NL to CR, and without ICRNL CR is data', () => {
    const w = world();
    tcset(w, (t) => { t.iflag = (t.iflag & ~ICRNL) | IGNCR; });
    w.host.type('a\rb\n');
    expect(w.read()).to.equal('ab\n');
    tcset(w, (t) => { t.iflag &= ~(IGNCR | ICRNL); });
    w.host.type('a\rb\n');
    expect(w.read()).to.equal('a\rb\n');
    tcset(w, (t) => { t.iflag |= INLCR | ICRNL; });
    w.host.type('q\n');
    // NL became CR, and ICRNL does not apply to the translated character.
    expect(w.read()).to.equal(-EAGAIN);
    w.host.type('\r');
    expect(w.read()).to.equal('q\r\n');
  });

  it('output: ONLCR, OCRNL, ONOCR, ONLRET, OLCUC, XTABS and OPOST off', () => {
    const w = world();
    const out = (s: string): string => { w.host.take(); w.write(s); return w.host.take(); };
    expect(out('a\nb')).to.equal('a\r\nb');
    tcset(w, (t) => { t.oflag &= ~ONLCR; });
    expect(out('a\nb')).to.equal('a\nb');
    tcset(w, (t) => { t.oflag |= OCRNL; });
    expect(out('a\rb')).to.equal('a\nb');
    tcset(w, (t) => { t.oflag = OPOST | ONOCR; });
    expect(out('x\r\r')).to.equal('x\r');
    tcset(w, (t) => { t.oflag = OPOST | ONOCR | ONLRET; });
    expect(out('ab\n\r')).to.equal('ab\n');
    tcset(w, (t) => { t.oflag = OPOST | OLCUC; });
    expect(out('Hi there')).to.equal('HI THERE');
    tcset(w, (t) => { t.oflag = OPOST | XTABS; });
    expect(out('a\tb')).to.equal('a       b');
    tcset(w, (t) => { t.oflag = ONLCR; });
    expect(out('a\nb\tc')).to.equal('a\nb\tc');
  });

  it('IXON: STOP suspends output and echo until START; neither character is data', () => {
    const w = world();
    w.host.type('\x13');
    expect(w.tty.poll() & POLLOUT).to.equal(0);
    expect(w.write('held')).to.equal(-EAGAIN);
    w.host.type('ab');
    expect(w.host.take()).to.equal('');
    w.host.type('\x11');
    expect(w.host.take()).to.equal('ab');
    expect(w.tty.poll() & POLLOUT).to.equal(POLLOUT);
    expect(w.write('out')).to.equal(3);
    w.host.type('\r');
    expect(w.read()).to.equal('ab\n');
  });

  it('IXANY restarts output on any character; clearing IXON restarts it too', () => {
    const w = world();
    tcset(w, (t) => { t.iflag |= IXANY; });
    w.host.type('\x13');
    expect(w.write('x')).to.equal(-EAGAIN);
    w.host.type('z');
    expect(w.write('x')).to.equal(1);
    w.host.type('\x13');
    tcset(w, (t) => { t.iflag &= ~IXON; });
    expect(w.write('y')).to.equal(1);
    w.host.type('\x13\r');
    expect(w.read()).to.equal('z\x13\n');
  });
});
