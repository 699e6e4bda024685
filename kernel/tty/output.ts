/**
 * Output processing of the n_tty line discipline (do_output_char): OPOST
 * with ONLCR, OCRNL, ONOCR, ONLRET, OLCUC and XTABS, and the cursor column
 * it implies, which erasing a tab and ECHOCTL echoes depend on.
 */
import { IUTF8, OCRNL, OLCUC, ONLCR, ONLRET, ONOCR, TABDLY, type Termios, XTABS } from './termios.js';

export const iscntrl = (c: number): boolean => c < 0x20 || c === 0x7f;
/** Linux's toupper: ASCII and the Latin-1 letters. */
const toupper = (c: number): number => ((c >= 0x61 && c <= 0x7a) || (c >= 0xe0 && c <= 0xfe && c !== 0xf7) ? c - 32 : c);

export class OutputColumn {
  /** Column of the cursor. */
  column = 0;
  /** Column where the current input line's echo began (n_tty's canon_column). */
  canonColumn = 0;

  /** One character under OPOST, appended to `out`. */
  put(c: number, t: Termios, out: number[]): void {
    const O = (bit: number): boolean => (t.oflag & bit) !== 0;
    switch (c) {
      case 0x0a:
        if (O(ONLRET)) this.column = 0;
        if (O(ONLCR)) {
          this.canonColumn = this.column = 0;
          out.push(0x0d, 0x0a);
          return;
        }
        this.canonColumn = this.column;
        break;
      case 0x0d:
        if (O(ONOCR) && this.column === 0) return;
        if (O(OCRNL)) {
          c = 0x0a;
          if (O(ONLRET)) this.canonColumn = this.column = 0;
          break;
        }
        this.canonColumn = this.column = 0;
        break;
      case 0x09: {
        const spaces = 8 - (this.column & 7);
        this.column += spaces;
        if ((t.oflag & TABDLY) === XTABS) {
          for (let i = 0; i < spaces; i++) out.push(0x20);
          return;
        }
        break;
      }
      case 0x08:
        if (this.column > 0) this.column--;
        break;
      default:
        if (!iscntrl(c)) {
          if (O(OLCUC)) c = toupper(c);
          // A UTF-8 continuation byte does not move the cursor.
          if ((t.iflag & IUTF8) === 0 || (c & 0xc0) !== 0x80) this.column++;
        }
    }
    out.push(c);
  }
}
