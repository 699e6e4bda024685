/** Helpers for the userland tests: a minimal ELF reader and paths into build/rootfs. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { rootfsDir } from '../../userspace/index.js';

export const ET_EXEC = 2;
export const ET_DYN = 3;
const PT_INTERP = 3;
const SHT_SYMTAB = 2;

export interface ElfFacts {
  type: number;
  machine: number;
  interpreter: string | null;
  hasSymtab: boolean;
}

/** Reads just enough of an ELF64 little-endian file to check the userland's promises. */
export function elfFacts(file: string): ElfFacts {
  const b = readFileSync(file);
  expect(b.subarray(0, 4).toString('latin1'), `${file}: ELF magic`).to.equal('\x7fELF');
  expect(b[4], `${file}: ELFCLASS64`).to.equal(2);
  expect(b[5], `${file}: little-endian`).to.equal(1);
  const type = b.readUInt16LE(16);
  const machine = b.readUInt16LE(18);
  const phoff = Number(b.readBigUInt64LE(32));
  const shoff = Number(b.readBigUInt64LE(40));
  const phentsize = b.readUInt16LE(54);
  const phnum = b.readUInt16LE(56);
  const shentsize = b.readUInt16LE(58);
  const shnum = b.readUInt16LE(60);
  let interpreter: string | null = null;
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (b.readUInt32LE(ph) !== PT_INTERP) continue;
    const off = Number(b.readBigUInt64LE(ph + 8));
    const size = Number(b.readBigUInt64LE(ph + 32));
    interpreter = b.subarray(off, off + size).toString('latin1').replace(/\0+$/, '');
  }
  let hasSymtab = false;
  for (let i = 0; i < shnum; i++) {
    if (b.readUInt32LE(shoff + i * shentsize + 4) === SHT_SYMTAB) hasSymtab = true;
  }
  return { type, machine, interpreter, hasSymtab };
}

/** Host path of a guest path inside build/rootfs. */
export function inRootfs(guestPath: string): string {
  return join(rootfsDir(), guestPath);
}

/** Fails with a useful message when the userland has not been built. */
export function requireRootfs(): void {
  const busybox = inRootfs('/bin/busybox');
  if (!existsSync(busybox)) {
    throw new Error(`${busybox} is missing: run \`npm run userspace\` first (npm test does it in pretest)`);
  }
}
