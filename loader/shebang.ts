/**
 * `#!` scripts, with the rules of Linux's fs/binfmt_script.c (5.x and later):
 * only the first BINPRM_BUF_SIZE bytes are looked at; blanks (space, tab)
 * after `#!` are skipped; the interpreter path ends at a blank, NUL or the end
 * of the line; the rest of the line, trimmed of blanks, is one optional
 * argument. When no newline is seen, an interpreter path that reaches the end
 * of the buffer may be truncated and is refused with ENOEXEC; a long argument
 * is simply cut (the interpreter can re-read the script).
 */
import { noexec } from './errors.js';

/** Linux reads this much of a file to choose its binary format. */
export const BINPRM_BUF_SIZE = 256;

const decoder = new TextDecoder('utf-8');
const isBlank = (c: number): boolean => c === 0x20 || c === 0x09;

/** The bytes [from, to) up to the first NUL, as a string. */
function cString(buf: Uint8Array, from: number, to: number): string {
  let end = from;
  while (end < to && buf[end] !== 0) end++;
  return decoder.decode(buf.subarray(from, end));
}

/** null when the file is not a script; the interpreter and its optional argument otherwise; ENOEXEC when malformed. */
export function parseShebang(bytes: Uint8Array): { interpreter: string; arg: string | null } | null {
  if (bytes.length < 2 || bytes[0] !== 0x23 || bytes[1] !== 0x21) return null;
  // The kernel's buffer: the first 256 bytes, NUL-padded when the file is shorter.
  const buf = new Uint8Array(BINPRM_BUF_SIZE);
  buf.set(bytes.subarray(0, BINPRM_BUF_SIZE));
  const last = BINPRM_BUF_SIZE - 1;

  // Like the kernel's strnchr(), the newline search stops at a NUL.
  const nul = buf.indexOf(0);
  let lineEnd = buf.indexOf(0x0a);
  if (lineEnd < 0 || (nul >= 0 && nul < lineEnd)) {
    let name = 2;
    while (name <= last && isBlank(buf[name])) name++;
    if (name > last) throw noexec('#! line holds only blanks');
    let term = name;
    while (term <= last && !isBlank(buf[term]) && buf[term] !== 0) term++;
    if (term > last) throw noexec(`#! interpreter path is longer than the ${BINPRM_BUF_SIZE}-byte buffer (truncated)`);
    lineEnd = last; // the last byte is dropped, as the kernel overwrites it with NUL
  }
  while (lineEnd > 2 && isBlank(buf[lineEnd - 1])) lineEnd--;

  let name = 2;
  while (name < lineEnd && isBlank(buf[name])) name++;
  if (name >= lineEnd) throw noexec('#! line names no interpreter');
  let sep = name;
  while (sep < lineEnd && !isBlank(buf[sep]) && buf[sep] !== 0) sep++;
  const interpreter = cString(buf, name, sep);
  let arg: string | null = null;
  if (sep < lineEnd && buf[sep] !== 0) {
    let a = sep;
    while (a < lineEnd && isBlank(buf[a])) a++;
    if (a < lineEnd) arg = cString(buf, a, lineEnd);
  }
  return { interpreter, arg };
}
