/**
 * Non-canonical input: raw and cbreak modes as programs set them, the four
 * VMIN/VTIME cases with the retry convention (a read that must wait returns
 * -EAGAIN and registers a deadline), and switching ICANON with input pending.
 */
import { expect } from 'chai';
import { EAGAIN } from '../../../kernel/errno.js';
import { POLLIN } from '../../../kernel/file.js';
import { SIGINT } from '../../../kernel/signal/defs.js';
import { ECHO, ICANON, ICRNL, IEXTEN, ISIG, IXON, OPOST, VMIN, VTIME } from '../../../kernel/tty/index.js';
import { nonblocking, tcset, world } from './helpers.js';

const DS = 100_000_000;

describe('tty non-canonical mode', () => {
  it('raw mode (cfmakeraw): bytes arrive one by one, unechoed, ^C and CR unchanged, no signal', () => {
    const w = world();
    tcset(w, (t) => {
      t.lflag &= ~(ICANON | ECHO | ISIG | IEXTEN);
      t.iflag &= ~(ICRNL | IXON);
      t.oflag &= ~OPOST;
      t.cc[VMIN] = 1; t.cc[VTIME] = 0;
    });
    w.host.type('a');
    expect(w.read()).to.equal('a');
    w.host.type('\x03\r\x1a');
    expect(w.read()).to.equal('\x03\r\x1a');
    expect(w.jc.signals).to.deep.equal([]);
    expect(w.host.take()).to.equal('');
    w.write('x\ny');
    expect(w.host.take()).to.equal('x\ny');
  });

  it('cbreak mode: no line editing but echo and signals stay', () => {
    const w = world();
    tcset(w, (t) => { t.lflag &= ~ICANON; t.cc[VMIN] = 1; t.cc[VTIME] = 0; });
    w.host.type('q\x7f');
    expect(w.read()).to.equal('q\x7f');
    expect(w.host.take()).to.equal('q^?');
    w.host.type('\x03');
    expect(w.jc.takeSignals()).to.deep.equal([[100, SIGINT]]);
    expect(w.host.take()).to.equal('^C');
  });

  it('VMIN=0 VTIME=0 is a poll: 0 bytes when nothing is there', () => {
    const w = world();
    tcset(w, (t) => { t.lflag &= ~ICANON; t.cc[VMIN] = 0; t.cc[VTIME] = 0; });
    expect(w.read()).to.equal('');
    w.host.type('xy');
    expect(w.read()).to.equal('xy');
  });

  it('VMIN>0 VTIME=0 waits for MIN bytes (or as many as asked for); poll waits for MIN too', () => {
    const w = world();
    tcset(w, (t) => { t.lflag &= ~ICANON; t.cc[VMIN] = 3; t.cc[VTIME] = 0; });
    w.host.type('ab');
    expect(w.read()).to.equal(-EAGAIN);
    expect(w.shell.deadline).to.equal(Infinity);
    expect(w.tty.poll() & POLLIN).to.equal(0);
    expect(w.read(2)).to.equal('ab');
    w.host.type('cd');
    expect(w.read()).to.equal(-EAGAIN);
    w.host.type('e');
    expect(w.tty.poll() & POLLIN).to.equal(POLLIN);
    expect(w.read()).to.equal('cde');
  });

  it('a non-blocking read returns what there is even below VMIN', () => {
    const w = world();
    tcset(w, (t) => { t.lflag &= ~ICANON; t.cc[VMIN] = 5; t.cc[VTIME] = 0; });
    const nb = nonblocking(w);
    expect(w.read(256, undefined, nb)).to.equal(-EAGAIN);
    w.host.type('ab');
    expect(w.read(256, undefined, nb)).to.equal('ab');
  });

  it('VMIN=0 VTIME>0 waits up to VTIME tenths from the start of the call, then reads 0', () => {
    const w = world();
    tcset(w, (t) => { t.lflag &= ~ICANON; t.cc[VMIN] = 0; t.cc[VTIME] = 5; });
    w.shell.callStartNs = w.jc.now;
    expect(w.read()).to.equal(-EAGAIN);
    expect(w.shell.deadline).to.equal(w.shell.callStartNs + 5 * DS);
    w.jc.now += 4 * DS;
    expect(w.read()).to.equal(-EAGAIN);
    w.jc.now += DS;
    expect(w.read()).to.equal('');
    // Data before the timeout ends the wait at once.
    w.shell.callStartNs = w.jc.now;
    w.host.type('z');
    expect(w.read()).to.equal('z');
  });

  it('VMIN>0 VTIME>0: the inter-byte timer runs from the last byte once one has arrived', () => {
    const w = world();
    tcset(w, (t) => { t.lflag &= ~ICANON; t.cc[VMIN] = 5; t.cc[VTIME] = 2; });
    expect(w.read()).to.equal(-EAGAIN);
    expect(w.shell.deadline, 'no timer before the first byte').to.equal(Infinity);
    w.host.type('ab');
    const arrived = w.jc.now;
    expect(w.read()).to.equal(-EAGAIN);
    expect(w.shell.deadline).to.equal(arrived + 2 * DS);
    w.jc.now += DS;
    w.host.type('c');
    w.jc.now += DS;
    expect(w.read(), 'the timer restarted at the third byte').to.equal(-EAGAIN);
    w.jc.now += DS;
    expect(w.read()).to.equal('abc');
    w.host.type('12345');
    expect(w.read()).to.equal('12345');
  });

  it('turning ICANON off makes a half-typed line readable; turning it on makes pending bytes a line', () => {
    const w = world();
    w.host.type('abc');
    expect(w.read()).to.equal(-EAGAIN);
    tcset(w, (t) => { t.lflag &= ~ICANON; t.cc[VMIN] = 1; });
    expect(w.read()).to.equal('abc');
    w.host.type('xyz');
    tcset(w, (t) => { t.lflag |= ICANON; });
    expect(w.read()).to.equal('xyz');
    expect(w.read()).to.equal(-EAGAIN);
  });

  it('input beyond the 4096-byte buffer waits for the reader instead of being lost', () => {
    const w = world();
    tcset(w, (t) => { t.lflag &= ~(ICANON | ECHO); t.cc[VMIN] = 1; });
    const data = Buffer.alloc(10000);
    for (let i = 0; i < data.length; i++) data[i] = 0x30 + (i % 10);
    w.host.type(Uint8Array.from(data));
    let got = '';
    for (let r = w.read(3000); typeof r === 'string' && r.length > 0; r = w.read(3000)) got += r;
    expect(got).to.equal(data.toString('latin1'));
  });
});
