/** The iced-x86 surface the diff tests use (CJS package; one thin adapter). */
import iced from 'iced-x86';
import type * as I from 'iced-x86';

export const {
  Code, CodeExt, Decoder, DecoderOptions, EncodingKind, Encoder, Formatter, FormatterSyntax, Instruction,
  MemoryOperand, MemorySize, MemorySizeExt, Mnemonic, OpCodeOperandKind, Register,
} = iced;
export type Code = I.Code;
export type Register = I.Register;
export type Instruction = I.Instruction;
export type MemoryOperand = I.MemoryOperand;
export type OpCodeInfo = I.OpCodeInfo;
export type OpCodeOperandKind = I.OpCodeOperandKind;
export type MemorySize = I.MemorySize;

const codeNames = new Map<number, string>();
for (const [k, v] of Object.entries(iced.Code)) if (typeof v === 'number') codeNames.set(v, k);
const mnemonicNames = new Map<number, string>();
for (const [k, v] of Object.entries(iced.Mnemonic)) if (typeof v === 'number') mnemonicNames.set(v, k);

export function codeName(code: number): string { return codeNames.get(code) ?? `Code#${code}`; }
export function mnemonicName(m: number): string { return mnemonicNames.get(m) ?? `Mnemonic#${m}`; }
export function allCodes(): number[] { return [...codeNames.keys()]; }
export function codeByName(name: string): number {
  const v = (iced.Code as unknown as Record<string, number>)[name];
  if (typeof v !== 'number') throw new Error(`no iced Code named ${name}`);
  return v;
}

let formatter: I.Formatter | null = null;

/** Intel-syntax text of the first instruction in `bytes` decoded at `rip`. */
export function disassemble(bytes: Uint8Array, rip: number): string {
  formatter ??= new iced.Formatter(iced.FormatterSyntax.Intel);
  const dec = new iced.Decoder(64, bytes, iced.DecoderOptions.None);
  dec.ip = BigInt(rip);
  const ins = dec.decode();
  const text = ins.isInvalid ? '(invalid)' : formatter.format(ins);
  ins.free();
  dec.free();
  return text;
}

/** The iced Code of the first instruction in `bytes`. */
export function decodeCode(bytes: Uint8Array): number {
  const dec = new iced.Decoder(64, bytes, iced.DecoderOptions.None);
  const ins = dec.decode();
  const code = ins.code;
  ins.free();
  dec.free();
  return code;
}
