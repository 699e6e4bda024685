import { expect } from 'chai';
import { BINPRM_BUF_SIZE, ENOEXEC, parseShebang } from '../../loader/index.js';
import { expectExecError } from './helpers.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('loader: parseShebang (Linux binfmt_script rules)', () => {
  const ok: Array<[string, string, string | null]> = [
    ['#!/bin/sh\necho hi\n', '/bin/sh', null],
    ['#! /bin/sh -x\n', '/bin/sh', '-x'],
    ['#!/usr/bin/env  a b\n', '/usr/bin/env', 'a b'],
    ['#!\t/bin/sh \t -e  \t\nrest', '/bin/sh', '-e'],
    ['#!/bin/sh', '/bin/sh', null], // no newline: a short file is NUL-padded, so the path is whole
    // No newline: the blanks run into the NUL padding and Linux passes an empty argument.
    ['#!/bin/sh   ', '/bin/sh', ''],
    ['#!/bin/sh   \n', '/bin/sh', null],
    ['#!/bin/sh -x\r\n', '/bin/sh', '-x\r'], // Linux keeps the CR: "bad interpreter" on CRLF scripts
    ['#!/bin/sh\0-x\n', '/bin/sh', null], // a NUL ends the path and drops the argument
  ];
  for (const [text, interpreter, arg] of ok) {
    it(`parses ${JSON.stringify(text)}`, () => {
      expect(parseShebang(enc(text))).to.deep.equal({ interpreter, arg });
    });
  }

  it('returns null for files that are not scripts', () => {
    expect(parseShebang(enc(''))).to.equal(null);
    expect(parseShebang(enc('#'))).to.equal(null);
    expect(parseShebang(enc('# !/bin/sh\n'))).to.equal(null);
    expect(parseShebang(Uint8Array.of(0x7f, 0x45, 0x4c, 0x46))).to.equal(null);
  });

  it('refuses a line without an interpreter with ENOEXEC', () => {
    expectExecError(() => parseShebang(enc('#!\n')), ENOEXEC, /no interpreter/);
    expectExecError(() => parseShebang(enc('#!   \t\n/bin/sh')), ENOEXEC, /no interpreter/);
    expectExecError(() => parseShebang(enc('#!' + ' '.repeat(300))), ENOEXEC, /only blanks/);
  });

  it('refuses an interpreter path cut by the 256-byte buffer, but cuts a long argument', () => {
    const longPath = '#!/' + 'p'.repeat(BINPRM_BUF_SIZE) + '\n';
    expectExecError(() => parseShebang(enc(longPath)), ENOEXEC, /truncated/);
    const longArg = '#!/bin/sh ' + 'a'.repeat(400) + '\n';
    const r = parseShebang(enc(longArg))!;
    expect(r.interpreter).to.equal('/bin/sh');
    expect(r.arg).to.equal('a'.repeat(BINPRM_BUF_SIZE - 1 - '#!/bin/sh '.length));
    // A path that ends exactly before the buffer does is whole.
    const fits = '#!/' + 'q'.repeat(BINPRM_BUF_SIZE - 5) + ' x';
    expect(parseShebang(enc(fits + 'y'.repeat(100)))!.interpreter).to.equal('/' + 'q'.repeat(BINPRM_BUF_SIZE - 5));
  });
});
