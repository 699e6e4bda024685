/** What a differential case is and how its result is judged. */
import { Rng } from './rng.js';
import { InputState } from './state.js';

/**
 * How x87 registers are compared. Registers are exact 80-bit values on both sides:
 *  exact - every register (valid or empty) bit for bit;
 *  trans - transcendentals (fsin fcos fsincos fptan fpatan fyl2x fyl2xp1 f2xm1), whose
 *          finite results the engine computes to about double precision: within
 *          TRANS_ULPS double ulps of the native result; NaNs, infinities, zeros exact.
 */
export type X87Rule = 'exact' | 'trans';
/** Tolerance of the trans rule: units of 2^-52 relative to the native result's leading bit (at least one unit in the last place of a denormal). */
export const TRANS_ULPS = 4;

export interface X87Check {
  rule: X87Rule;
  /** Bits of the x87 status word compared (TOP is bits 11-13): all of them but C1 for trans. */
  statusMask: number;
}

export interface Check {
  /** RFLAGS bits compared (the instruction's undefined flags removed). */
  flags: number;
  x87: X87Check;
  /** MXCSR bits compared. */
  mxcsrMask: number;
  /** GPRs not compared (bit i = register i): results the manuals leave undefined. */
  gprIgnore: number;
  /** Data-area byte ranges [offset, length) not compared. */
  dataIgnore: Array<[number, number]>;
  /** Why this case compares less than everything (shown in the report of a mismatch). */
  notes: string[];
}

export interface DiffCase {
  form: Form;
  index: number;
  /** The bytes the emulator runs. */
  code: Uint8Array;
  /** The bytes run natively (differs only when the host decodes `code` differently from a baseline CPU). */
  nativeCode: Uint8Array;
  insnAddr: number;
  state: InputState;
  /** rep string instructions may stop at iteration boundaries in the engine and are resumed. */
  resumable: boolean;
  check: Check;
}

export interface Form {
  /** Unique and stable: the Code name plus the operand variant, e.g. "Add_rm32_r32 mem". */
  id: string;
  family: string;
  /** The iced Code the engine must support for this form to be run. */
  code: number;
  /** Integer forms are required: the engine must implement them. */
  required: boolean;
  make(rng: Rng, index: number): DiffCase;
}

export interface Family {
  name: string;
  forms: Form[];
}
