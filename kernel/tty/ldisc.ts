/**
 * The n_tty line discipline (drivers/tty/n_tty.c) without the tty around it:
 * input processing (ISTRIP, IUCLC, INLCR/IGNCR/ICRNL, IXON flow control,
 * ISIG characters), canonical line editing (erase, word erase, kill, EOF,
 * EOL, literal next, reprint) with every echo mode, and the 4096-byte read
 * buffer with its line marks. Output processing is output.ts; timing
 * (VMIN/VTIME), job control and ioctls live in tty.ts.
 */
import { SIGINT, SIGQUIT, SIGTSTP } from '../signal/defs.js';
import { OutputColumn, iscntrl } from './output.js';
import {
  DISABLED_CHAR, ECHO, ECHOCTL, ECHOE, ECHOK, ECHOKE, ECHONL, ECHOPRT, EXTPROC, ICANON, ICRNL, IEXTEN, IGNCR,
  INLCR, ISIG, ISTRIP, IUCLC, IUTF8, IXANY, IXON, NOFLSH, OPOST, PARMRK, type Termios, VEOF, VEOL, VEOL2,
  VERASE, VINTR, VKILL, VLNEXT, VQUIT, VREPRINT, VSTART, VSTOP, VSUSP, VWERASE, copyTermios, defaultTermios,
} from './termios.js';

/** N_TTY_BUF_SIZE: the read buffer, and the longest canonical line plus its terminator. */
export const N_TTY_BUF_SIZE = 4096;
const MASK = N_TTY_BUF_SIZE - 1;
/** Line marks in the read buffer: the slot ends a line; an EOF mark is not data. */
const LINE_END = 1, EOF_MARK = 2;

/** Echo buffer operations besides plain bytes (n_tty's ECHO_OP_*), resolved when the echo is output. */
const OP_CTRL = -1, OP_SET_CANON_COL = -2, OP_ERASE_TAB = -3;

/** Where the line discipline's effects go. */
export interface LdiscSink {
  /** Bytes for the terminal (output-processed already). */
  output(bytes: Uint8Array): void;
  /** An ISIG character arrived: send `sig` to the foreground process group. */
  signal(sig: number): void;
}

/** Linux's _ctype: ASCII letters and digits, and the Latin-1 letters (so a UTF-8 lead byte counts). */
const isalnum = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7);
const tolower = (c: number): number => ((c >= 0x41 && c <= 0x5a) || (c >= 0xc0 && c <= 0xde && c !== 0xd7) ? c + 32 : c);

export class NTty {
  private termiosValue: Termios;
  private readonly buf = new Uint8Array(N_TTY_BUF_SIZE);
  private readonly marks = new Uint8Array(N_TTY_BUF_SIZE);
  /** Free-running indices: read_tail <= canon_head <= read_head; the current line is [canonHead, readHead). */
  private readTail = 0;
  private canonHead = 0;
  private readHead = 0;
  /** Host input not yet taken into the read buffer (it was full). */
  private backlog: Uint8Array[] = [];
  private lnext = false;
  /** ECHOPRT: inside a \...\/ erase sequence. */
  private erasing = false;
  /** Output processing and the cursor column. */
  readonly out = new OutputColumn();
  /** Output stopped by the STOP character or TCOOFF. */
  stopped = false;
  private echoBuf: number[] = [];

  constructor(private readonly sink: LdiscSink, termios: Termios = defaultTermios()) {
    this.termiosValue = copyTermios(termios);
  }

  get termios(): Termios { return this.termiosValue; }
  private get icanon(): boolean { return (this.termiosValue.lflag & ICANON) !== 0; }
  private L(bit: number): boolean { return (this.termiosValue.lflag & bit) !== 0; }
  private I(bit: number): boolean { return (this.termiosValue.iflag & bit) !== 0; }
  private O(bit: number): boolean { return (this.termiosValue.oflag & bit) !== 0; }
  private cc(i: number): number { return this.termiosValue.cc[i]; }

  /** Bytes in the read buffer. */
  get used(): number { return this.readHead - this.readTail; }

  // --- settings ---

  /** n_tty_set_termios: switching ICANON turns the buffered input into one line or into plain bytes. */
  setTermios(t: Termios): void {
    const old = this.termiosValue;
    this.termiosValue = copyTermios(t);
    if (((old.lflag ^ t.lflag) & (ICANON | EXTPROC)) !== 0) {
      this.marks.fill(0);
      if (!this.icanon || this.used === 0) {
        this.canonHead = this.readTail;
      } else {
        this.marks[(this.readHead - 1) & MASK] = LINE_END;
        this.canonHead = this.readHead;
      }
      this.erasing = false;
      this.lnext = false;
    }
    if (!this.I(IXON) && (old.iflag & IXON) !== 0) this.start();
    this.drain();
  }

  // --- input ---

  /** Bytes typed on the terminal. */
  receive(data: Uint8Array): void {
    if (data.length > 0) this.backlog.push(data.slice());
    this.drain();
  }

  /** Takes backlogged input while the read buffer has room (called again after each read). */
  drain(): void {
    while (this.backlog.length > 0 && this.hasRoom()) {
      const chunk = this.backlog[0];
      let i = 0;
      while (i < chunk.length && this.hasRoom()) this.receiveChar(chunk[i++]);
      if (i === chunk.length) this.backlog.shift(); else this.backlog[0] = chunk.subarray(i);
    }
    this.flushEcho();
  }

  /** Input still waiting outside the read buffer. */
  get backlogged(): number { return this.backlog.reduce((n, c) => n + c.length, 0); }

  /**
   * Room for one more character. A canonical line without its terminator may
   * fill the buffer (extra characters are dropped) so that the newline, EOF
   * or an erase can still arrive; otherwise input waits for the reader.
   */
  private hasRoom(): boolean {
    if (this.used < N_TTY_BUF_SIZE - 1) return true;
    return this.icanon && this.canonHead === this.readTail && this.used < N_TTY_BUF_SIZE;
  }

  private put(c: number, mark = 0): void {
    if (this.used >= N_TTY_BUF_SIZE) return;
    this.buf[this.readHead & MASK] = c;
    this.marks[this.readHead & MASK] = mark;
    this.readHead++;
  }

  /** Whether c needs n_tty_receive_char_special (n_tty_set_termios's char_map). */
  private isSpecial(c: number): boolean {
    if (c === DISABLED_CHAR) return false;
    if (c === 0x0d && (this.I(IGNCR) || this.I(ICRNL))) return true;
    if (c === 0x0a && this.I(INLCR)) return true;
    if (this.icanon) {
      if (c === this.cc(VERASE) || c === this.cc(VKILL) || c === this.cc(VEOF) || c === 0x0a || c === this.cc(VEOL)) return true;
      if (this.L(IEXTEN)) {
        if (c === this.cc(VWERASE) || c === this.cc(VLNEXT) || c === this.cc(VEOL2)) return true;
        if (this.L(ECHO) && c === this.cc(VREPRINT)) return true;
      }
    }
    if (this.I(IXON) && (c === this.cc(VSTART) || c === this.cc(VSTOP))) return true;
    if (this.L(ISIG) && (c === this.cc(VINTR) || c === this.cc(VQUIT) || c === this.cc(VSUSP))) return true;
    // A terminal with none of the processing flags is raw: no character is special.
    return false;
  }

  private receiveChar(c: number): void {
    if (this.lnext) {
      this.lnext = false;
      if (this.I(ISTRIP)) c &= 0x7f;
      if (this.I(IUCLC) && this.L(IEXTEN)) c = tolower(c);
      this.normalChar(c);
      return;
    }
    if (this.I(ISTRIP)) c &= 0x7f;
    if (this.I(IUCLC) && this.L(IEXTEN)) c = tolower(c);
    if (this.L(EXTPROC)) { this.put(c); return; }
    if (this.isSpecial(c)) this.specialChar(c); else this.normalChar(c);
  }

  private restartOnAny(): void {
    if (this.stopped && this.I(IXON) && this.I(IXANY)) this.start();
  }

  private normalChar(c: number): void {
    this.restartOnAny();
    // A canonical line keeps one slot free for its terminator.
    if (this.icanon && this.used >= N_TTY_BUF_SIZE - 1) return;
    if (this.L(ECHO)) {
      this.finishErasing();
      if (this.canonHead === this.readHead) this.echoBuf.push(OP_SET_CANON_COL);
      this.echoChar(c);
    }
    if (c === 0xff && this.I(PARMRK)) this.put(c);
    this.put(c);
  }

  private specialChar(c: number): void {
    if (this.I(IXON)) {
      const startc = this.cc(VSTART), stopc = this.cc(VSTOP);
      if (c === startc && c === stopc) { if (this.stopped) this.start(); else this.stop(); return; }
      if (c === startc) { this.start(); return; }
      if (c === stopc) { this.stop(); return; }
    }
    if (this.L(ISIG)) {
      if (c === this.cc(VINTR)) { this.signalChar(SIGINT, c); return; }
      if (c === this.cc(VQUIT)) { this.signalChar(SIGQUIT, c); return; }
      if (c === this.cc(VSUSP)) { this.signalChar(SIGTSTP, c); return; }
    }
    this.restartOnAny();
    if (c === 0x0d) {
      if (this.I(IGNCR)) return;
      if (this.I(ICRNL)) c = 0x0a;
    } else if (c === 0x0a && this.I(INLCR)) {
      c = 0x0d;
    }
    if (this.icanon) {
      if (c === this.cc(VERASE) || c === this.cc(VKILL) || (c === this.cc(VWERASE) && this.L(IEXTEN))) {
        this.eraser(c);
        return;
      }
      if (c === this.cc(VLNEXT) && this.L(IEXTEN)) {
        this.lnext = true;
        if (this.L(ECHO)) {
          this.finishErasing();
          if (this.L(ECHOCTL)) { this.echoRaw(0x5e); this.echoRaw(0x08); }
        }
        return;
      }
      if (c === this.cc(VREPRINT) && this.L(ECHO) && this.L(IEXTEN)) {
        this.finishErasing();
        this.echoChar(c);
        this.echoRaw(0x0a);
        for (let i = this.canonHead; i !== this.readHead; i++) this.echoChar(this.buf[i & MASK]);
        return;
      }
      if (c === 0x0a) {
        if (this.L(ECHO) || this.L(ECHONL)) this.echoRaw(0x0a);
        this.endLine(c, LINE_END);
        return;
      }
      if (c === this.cc(VEOF)) {
        // The EOF character ends the line without becoming data, and is not echoed.
        this.endLine(DISABLED_CHAR, EOF_MARK);
        return;
      }
      if (c === this.cc(VEOL) || (c === this.cc(VEOL2) && this.L(IEXTEN))) {
        if (this.L(ECHO)) {
          if (this.canonHead === this.readHead) this.echoBuf.push(OP_SET_CANON_COL);
          this.echoChar(c);
        }
        if (c === 0xff && this.I(PARMRK)) this.put(c);
        this.endLine(c, LINE_END);
        return;
      }
    }
    if (this.L(ECHO)) {
      this.finishErasing();
      if (c === 0x0a) {
        this.echoRaw(0x0a);
      } else {
        if (this.canonHead === this.readHead) this.echoBuf.push(OP_SET_CANON_COL);
        this.echoChar(c);
      }
    }
    if (this.icanon && this.used >= N_TTY_BUF_SIZE - 1) return;
    if (c === 0xff && this.I(PARMRK)) this.put(c);
    this.put(c);
  }

  private endLine(c: number, mark: number): void {
    this.put(c, mark);
    this.canonHead = this.readHead;
  }

  /** isig + n_tty_receive_signal_char: signal, flush unless NOFLSH, restart output, echo the character. */
  private signalChar(sig: number, c: number): void {
    // Echoes of what came before the character are shown first (Linux would drop uncommitted ones).
    this.flushEcho();
    this.sink.signal(sig);
    if (!this.L(NOFLSH)) this.flushInput(false);
    if (this.I(IXON)) this.start();
    if (this.L(ECHO)) this.echoChar(c);
  }

  private isContinuation(c: number): boolean {
    return this.I(IUTF8) && (c & 0xc0) === 0x80;
  }

  /** eraser(): VERASE, VWERASE and VKILL on the current canonical line, with their echo. */
  private eraser(c: number): void {
    if (this.readHead === this.canonHead) return;
    let kind: 'erase' | 'werase' | 'kill';
    if (c === this.cc(VERASE)) {
      kind = 'erase';
    } else if (c === this.cc(VWERASE)) {
      kind = 'werase';
    } else {
      if (!this.L(ECHO)) { this.readHead = this.canonHead; return; }
      if (!this.L(ECHOK) || !this.L(ECHOKE) || !this.L(ECHOE)) {
        this.readHead = this.canonHead;
        this.finishErasing();
        this.echoChar(this.cc(VKILL));
        if (this.L(ECHOK)) this.echoRaw(0x0a);
        return;
      }
      kind = 'kill';
    }
    let seenAlnums = 0;
    while (this.readHead !== this.canonHead) {
      let head = this.readHead;
      let ch: number;
      do { head--; ch = this.buf[head & MASK]; } while (this.isContinuation(ch) && head !== this.canonHead);
      if (this.isContinuation(ch)) break;
      if (kind === 'werase') {
        if (isalnum(ch) || ch === 0x5f) seenAlnums++;
        else if (seenAlnums > 0) break;
      }
      const cnt = this.readHead - head;
      this.readHead = head;
      if (this.L(ECHO)) this.echoErase(kind, ch, head, cnt);
      if (kind === 'erase') break;
    }
    if (this.readHead === this.canonHead && this.L(ECHO)) this.finishErasing();
  }

  private echoErase(kind: string, ch: number, head: number, cnt: number): void {
    if (this.L(ECHOPRT)) {
      if (!this.erasing) { this.echoRaw(0x5c); this.erasing = true; }
      this.echoChar(ch);
      for (let i = 1; i < cnt; i++) this.echoRaw(this.buf[(head + i) & MASK]);
    } else if (kind === 'erase' && !this.L(ECHOE)) {
      this.echoChar(this.cc(VERASE));
    } else if (ch === 0x09) {
      this.echoEraseTab(head);
    } else {
      const bs = (): void => { this.echoRaw(0x08); this.echoRaw(0x20); this.echoRaw(0x08); };
      if (iscntrl(ch) && this.L(ECHOCTL)) bs();
      if (!iscntrl(ch) || this.L(ECHOCTL)) bs();
    }
  }

  /**
   * Backs up over an erased tab: the width of what precedes it on the line
   * is measured now, the backspaces are counted when the echo is output
   * (the column is only known then).
   */
  private echoEraseTab(tabAt: number): void {
    let chars = 0;
    let afterTab = false;
    for (let i = tabAt; i !== this.canonHead;) {
      i--;
      const c = this.buf[i & MASK];
      if (c === 0x09) { afterTab = true; break; }
      if (iscntrl(c)) { if (this.L(ECHOCTL)) chars += 2; } else if (!this.isContinuation(c)) chars++;
    }
    this.echoBuf.push(OP_ERASE_TAB, chars, afterTab ? 1 : 0);
  }

  private finishErasing(): void {
    if (this.erasing) { this.echoRaw(0x2f); this.erasing = false; }
  }

  // --- echo ---

  /** echo_char: a control character shows as ^X under ECHOCTL (tab excepted). */
  private echoChar(c: number): void {
    if (this.L(ECHOCTL) && iscntrl(c) && c !== 0x09) {
      this.echoBuf.push(OP_CTRL, c ^ 0o100);
    } else {
      this.echoBuf.push(c);
    }
  }

  private echoRaw(c: number): void { this.echoBuf.push(c); }

  /** process_echoes: echoes go through output processing (the ^X pairs do not); held while output is stopped. */
  private flushEcho(): void {
    if (this.echoBuf.length === 0 || this.stopped) return;
    const out: number[] = [];
    const eb = this.echoBuf;
    this.echoBuf = [];
    for (let i = 0; i < eb.length; i++) {
      if (eb[i] === OP_CTRL) {
        out.push(0x5e, eb[++i]);
        this.out.column += 2;
      } else if (eb[i] === OP_SET_CANON_COL) {
        this.out.canonColumn = this.out.column;
      } else if (eb[i] === OP_ERASE_TAB) {
        const chars = eb[++i] + (eb[++i] === 0 ? this.out.canonColumn : 0);
        const n = Math.min(8 - (chars & 7), this.out.column);
        for (let k = 0; k < n; k++) out.push(0x08);
        this.out.column -= n;
      } else if (this.O(OPOST)) {
        this.out.put(eb[i], this.termiosValue, out);
      } else {
        out.push(eb[i]);
      }
    }
    if (out.length > 0) this.sink.output(Uint8Array.from(out));
  }

  // --- flow control ---

  stop(): void { this.stopped = true; }
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.flushEcho();
  }

  // --- output ---

  /** Output from a writer: processed under OPOST, passed through otherwise. Returns the bytes for the terminal. */
  processOutput(src: Uint8Array): Uint8Array {
    this.flushEcho();
    if (!this.O(OPOST)) return src;
    const out: number[] = [];
    for (let i = 0; i < src.length; i++) this.out.put(src[i], this.termiosValue, out);
    return Uint8Array.from(out);
  }

  // --- reading ---

  /** A complete canonical line is waiting (canon mode). */
  get lineReady(): boolean { return this.canonHead !== this.readTail; }

  /**
   * canon_copy_from_read_buf: up to one line. An EOF mark is consumed with
   * the data before it but not returned, so EOF on an empty line reads 0.
   */
  readLine(dst: Uint8Array): number {
    let eol = this.readTail;
    while (eol !== this.canonHead && this.marks[eol & MASK] === 0) eol++;
    if (eol === this.canonHead) return 0;
    const isEof = this.marks[eol & MASK] === EOF_MARK;
    const dataLen = eol - this.readTail + (isEof ? 0 : 1);
    const n = Math.min(dst.length, dataLen);
    this.copyOut(dst, n);
    if (n === dataLen) {
      this.marks[eol & MASK] = 0;
      this.readTail = eol + 1;
    }
    this.drain();
    return n;
  }

  /** copy_from_read_buf: non-canonical reads take whatever is buffered. */
  readBytes(dst: Uint8Array): number {
    const n = Math.min(dst.length, this.used);
    this.copyOut(dst, n);
    for (let i = this.readTail - n; i < this.readTail; i++) this.marks[i & MASK] = 0;
    if (this.canonHead < this.readTail) this.canonHead = this.readTail;
    this.drain();
    return n;
  }

  private copyOut(dst: Uint8Array, n: number): void {
    for (let i = 0; i < n; i++) dst[i] = this.buf[(this.readTail + i) & MASK];
    this.readTail += n;
  }

  /** TIOCINQ: in canonical mode the bytes of complete lines, EOF marks not counted. */
  inq(): number {
    if (!this.icanon) return this.used;
    let n = 0;
    for (let i = this.readTail; i !== this.canonHead; i++) if (this.marks[i & MASK] !== EOF_MARK) n++;
    return n;
  }

  /** ISIG drops the read buffer; TCIFLUSH also drops input not yet taken in (`all`). */
  flushInput(all = true): void {
    this.readTail = this.canonHead = this.readHead;
    this.marks.fill(0);
    if (all) this.backlog = [];
    this.lnext = false;
    this.erasing = false;
  }

  /** TIOCSTI: a character as if typed. */
  simulateInput(c: number): void {
    this.receive(Uint8Array.of(c));
  }

  /** The canonical line being edited (not yet readable). */
  get currentLine(): Uint8Array {
    const out = new Uint8Array(this.readHead - this.canonHead);
    for (let i = 0; i < out.length; i++) out[i] = this.buf[(this.canonHead + i) & MASK];
    return out;
  }
}
