/** What a differential case is and how its result is judged. */
import { Rng } from './rng.js';
import { InputState } from './state.js';

/**
 * How an x87 stack value is compared. The engine holds x87 values as doubles:
 *  exact   - the native 80-bit result must be a double and equal the emulated one bit for bit;
 *  rounded - the native result rounded to the nearest double must equal the emulated one;
 *  ulp1    - within one double ulp of the native result rounded to double (arithmetic:
 *            the hardware rounds to 64 bits, then our comparison rounds to 53: double rounding);
 *  ulp4    - within four double ulps (transcendentals, computed with JS Math in the engine).
 * NaNs must be NaNs with the same sign and quiet bit; infinities and zeros must match exactly.
 */
export type X87Rule = 'exact' | 'rounded' | 'ulp1' | 'ulp4';

export interface X87Check {
  rule: X87Rule;
  /** Bits of the x87 status word compared (TOP is bits 11-13). */
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
