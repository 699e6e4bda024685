/**
 * Fixed guest addresses shared by the native harness (test/cpu/harness/harness.c)
 * and the emulated run. Both sides place the same bytes at the same addresses;
 * the harness reports its own values (`harness --layout`) and the native runner
 * refuses to run when they disagree.
 */
export const CODE_BASE = 0x0040_0000;
/** Two pages: the instruction ends at the end of the first (see INSN_END), landing thunks fill both. */
export const CODE_SIZE = 0x2000;
export const CTRL_BASE = 0x0060_0000;
/**
 * The data area ends where guest memory ends: in the engine (no MMU) every RAM
 * address is accessible and only page 0 and addresses past the end fault, so
 * that boundary is the one place where both sides fault alike.
 */
export const DATA_SIZE = 0x4000;
export const DATA_BASE = (64 << 20) - DATA_SIZE;
/** Landing thunks sit every SLOT_SIZE bytes of the code page. */
export const SLOT_SIZE = 32;
/**
 * The instruction under test ends here: a slot boundary (natively, fall-through
 * lands on a thunk) and the end of the first code page. In the emulator only the
 * first page is executable, so the engine's block holds exactly this one
 * instruction (the engine checks its budget between blocks).
 */
export const INSN_END = CODE_BASE + 0x1000;
export const MAX_CODE = 64;
/** Offsets of the control page the thunks refer to. */
export const CTRL_CAPTURE_PTR = 0x090;
export const CTRL_LANDED = 0x098;
/** The guest stack for stack-using forms: inside the compared data area. */
export const STACK_TOP = DATA_BASE + 0x3000;
/** Guest memory size the emulator is given (the harness maps nothing above it). */
export const GUEST_MEMORY_SIZE = 64 << 20;
/**
 * An address mapped on neither side for instruction fetch (guest RAM without
 * execute permission in the engine). Data accesses there would succeed in the
 * engine (no MMU): only use it as a branch target.
 */
export const UNMAPPED = 0x0090_0000;

/** Sizes of the harness's binary records (checked against `harness --layout`). */
export const CASE_IN_SIZE = 736;
export const CASE_OUT_SIZE = 680;

/** The landing-thunk page both sides hold: `mov dword [LANDED], slot; jmp [CAPTURE_PTR]` per slot. */
export function thunkPage(): Uint8Array {
  const page = new Uint8Array(CODE_SIZE).fill(0xcc);
  const dv = new DataView(page.buffer);
  for (let s = 0; s < CODE_SIZE; s += SLOT_SIZE) {
    page.set([0xc7, 0x04, 0x25], s);
    dv.setUint32(s + 3, CTRL_BASE + CTRL_LANDED, true);
    dv.setUint32(s + 7, CODE_BASE + s, true);
    page.set([0xff, 0x24, 0x25], s + 11);
    dv.setUint32(s + 14, CTRL_BASE + CTRL_CAPTURE_PTR, true);
  }
  return page;
}

/** The initial data-area pattern for a seed: xorshift32 words, as the harness makes it. */
export function dataPattern(seed: number): Uint8Array {
  const out = new Uint8Array(DATA_SIZE);
  const dv = new DataView(out.buffer);
  let x = (seed >>> 0) || 1;
  for (let i = 0; i < DATA_SIZE; i += 4) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    dv.setUint32(i, x, true);
  }
  return out;
}
