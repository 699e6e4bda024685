/**
 * Mnemonic census: decodes every executable section of an ELF file with
 * iced-x86 on instruction boundaries (a linear sweep restarted at every
 * function symbol from .symtab and .dynsym) and counts the distinct Codes.
 */
import { readFileSync } from 'node:fs';
import iced from 'iced-x86';
import { codeName, mnemonicName } from './iced.js';

const SHF_EXECINSTR = 0x4;
const SHT_SYMTAB = 2, SHT_DYNSYM = 11, SHT_NOBITS = 8;
const STT_FUNC = 2;

interface Section { name: string; type: number; flags: number; addr: number; offset: number; size: number; link: number; entsize: number }

function sections(buf: Buffer): Section[] {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file');
  if (buf[4] !== 2 || buf[5] !== 1) throw new Error('not a 64-bit little-endian ELF file');
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a), shnum = buf.readUInt16LE(0x3c), shstrndx = buf.readUInt16LE(0x3e);
  if (shoff === 0 || shnum === 0 || shoff + shentsize * shnum > buf.length) throw new Error('ELF file without a section table');
  const raw: Section[] = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    raw.push({
      name: String(buf.readUInt32LE(o)), type: buf.readUInt32LE(o + 4), flags: Number(buf.readBigUInt64LE(o + 8)),
      addr: Number(buf.readBigUInt64LE(o + 16)), offset: Number(buf.readBigUInt64LE(o + 24)),
      size: Number(buf.readBigUInt64LE(o + 32)), link: buf.readUInt32LE(o + 40), entsize: Number(buf.readBigUInt64LE(o + 56)),
    });
  }
  const strtab = raw[shstrndx];
  for (const s of raw) {
    const start = strtab.offset + Number(s.name);
    const end = buf.indexOf(0, start);
    s.name = buf.toString('latin1', start, end < 0 ? start : end);
  }
  return raw;
}

/** Start addresses of function symbols (from both symbol tables). */
function functionStarts(buf: Buffer, secs: Section[]): number[] {
  const out = new Set<number>();
  for (const s of secs) {
    if ((s.type !== SHT_SYMTAB && s.type !== SHT_DYNSYM) || s.entsize < 24) continue;
    for (let o = s.offset; o + 24 <= s.offset + s.size; o += s.entsize) {
      const info = buf[o + 4];
      const shndx = buf.readUInt16LE(o + 6);
      const value = Number(buf.readBigUInt64LE(o + 8));
      if ((info & 0xf) === STT_FUNC && shndx !== 0 && value !== 0) out.add(value);
    }
  }
  return [...out].sort((a, b) => a - b);
}

export interface CensusEntry { code: number; name: string; mnemonic: string; count: number }

export interface FileCensus {
  file: string;
  instructions: number;
  /** Bytes iced could not decode (data in text, padding); skipped one at a time. */
  undecodable: number;
  codes: Map<number, number>;
}

export function censusOf(file: string): FileCensus {
  const buf = readFileSync(file);
  const secs = sections(buf);
  const starts = functionStarts(buf, secs);
  const result: FileCensus = { file, instructions: 0, undecodable: 0, codes: new Map() };
  const ins = new iced.Instruction();
  for (const s of secs) {
    if (!(s.flags & SHF_EXECINSTR) || s.type === SHT_NOBITS || s.size === 0) continue;
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset + s.offset, s.size);
    const bounds = [s.addr, ...starts.filter((a) => a > s.addr && a < s.addr + s.size), s.addr + s.size];
    const dec = new iced.Decoder(64, bytes, iced.DecoderOptions.None);
    try {
      for (let k = 0; k + 1 < bounds.length; k++) {
        let pos = bounds[k];
        const stop = bounds[k + 1];
        while (pos < stop) {
          dec.position = pos - s.addr;
          dec.ip = BigInt(pos);
          dec.decodeOut(ins);
          if (ins.code === iced.Code.INVALID) {
            result.undecodable++;
            pos++;
            continue;
          }
          result.instructions++;
          result.codes.set(ins.code, (result.codes.get(ins.code) ?? 0) + 1);
          pos += ins.length;
        }
      }
    } finally {
      dec.free();
    }
  }
  ins.free();
  return result;
}

/** Codes of several files merged, most frequent first. */
export function mergeCensus(files: readonly FileCensus[]): CensusEntry[] {
  const total = new Map<number, number>();
  for (const f of files) for (const [c, n] of f.codes) total.set(c, (total.get(c) ?? 0) + n);
  const mnemonicOf = (code: number): string => {
    const info = iced.CodeExt.opCode(code);
    try { return mnemonicName(info.mnemonic).toLowerCase(); } finally { info.free(); }
  };
  return [...total].map(([code, count]) => ({ code, name: codeName(code), mnemonic: mnemonicOf(code), count }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}
