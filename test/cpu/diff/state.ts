/**
 * The machine state of one differential case (input) and what a run observed
 * (output), in one shape for the native harness and the emulator.
 *
 * The floating-point part of the input is a 512-byte FXSAVE64 image: the harness
 * loads it with fxrstor64, the emulated run with cpu.fxrstor; both report the
 * state afterwards as an FXSAVE image.
 */
import { DATA_SIZE } from './layout.js';
import { F80, readF80 } from './f80.js';

export const FX_FCW = 0, FX_FSW = 2, FX_FTW = 4, FX_MXCSR = 24, FX_MXCSR_MASK = 28, FX_ST = 32, FX_XMM = 160;
export const RFLAGS_FIXED = 0x202;
export const CF = 1 << 0, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7;
export const TF = 1 << 8, IF = 1 << 9, DF = 1 << 10, OF = 1 << 11, AC = 1 << 18, ID = 1 << 21;
export const ARITH_FLAGS = CF | PF | AF | ZF | SF | OF;
/** What a case compares by default: the user-visible flags. */
export const FLAGS_COMPARED = ARITH_FLAGS | DF | AC | ID | IF | 0x2;

export interface Patch { off: number; bytes: Uint8Array }

export interface InputState {
  /** 16 registers, unsigned 64-bit. */
  gpr: bigint[];
  rflags: number;
  /** FXSAVE64 image: x87, MXCSR, XMM0-15. */
  fx: Uint8Array;
  dataSeed: number;
  patches: Patch[];
}

export interface Fault { signal: number; code: number; addr: bigint }

export interface X87View {
  fcw: number;
  /** Status word including TOP (bits 11-13). */
  fsw: number;
  /** Abridged tag: bit i set = physical register i valid. */
  tag: number;
  /** All eight registers in stack order (ST(i) = physical (TOP + i) & 7), exact, as FXSAVE stores them. */
  st: F80[];
}

export interface Observed {
  fault: Fault | null;
  /** Set when the emulator stopped for something other than a fault or the budget. */
  exit?: string;
  gpr: bigint[];
  rip: bigint;
  rflags: number;
  xmm: Uint8Array;
  mxcsr: number;
  x87: X87View;
  /** Final contents of the data area. */
  data: Uint8Array;
}

export function defaultFx(): Uint8Array {
  const fx = new Uint8Array(512);
  const dv = new DataView(fx.buffer);
  dv.setUint16(FX_FCW, 0x037f, true);
  dv.setUint32(FX_MXCSR, 0x1f80, true);
  dv.setUint32(FX_MXCSR_MASK, 0xffff, true);
  return fx;
}

export function x87FromFx(fx: Uint8Array): X87View {
  const dv = new DataView(fx.buffer, fx.byteOffset);
  const st: F80[] = [];
  for (let i = 0; i < 8; i++) st.push(readF80(fx, FX_ST + 16 * i));
  return { fcw: dv.getUint16(FX_FCW, true), fsw: dv.getUint16(FX_FSW, true), tag: fx[FX_FTW], st };
}

export function initialData(state: InputState, pattern: Uint8Array): Uint8Array {
  const data = pattern.slice();
  for (const p of state.patches) {
    if (p.off < 0 || p.off + p.bytes.length > DATA_SIZE) throw new RangeError(`patch outside the data area at ${p.off}`);
    data.set(p.bytes, p.off);
  }
  return data;
}

export function hex64(v: bigint): string { return '0x' + BigInt.asUintN(64, v).toString(16).padStart(16, '0'); }
