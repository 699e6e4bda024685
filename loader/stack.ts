/**
 * The initial process stack, laid out as Linux's create_elf_tables()
 * (fs/binfmt_elf.c) and copy_strings() leave it on x86-64, from the top down:
 *
 *   8 zero bytes (end marker)
 *   execfn string                      <- AT_EXECFN
 *   envp strings, argv strings         (argv[0] lowest)
 *   --- aligned down to 16
 *   "x86_64\0"                         <- AT_PLATFORM
 *   16 random bytes                    <- AT_RANDOM
 *   padding so that rsp % 16 == 0
 *   auxv pairs ... AT_NULL 0
 *   envp pointers, NULL
 *   argv pointers, NULL
 *   argc                               <- rsp
 */
import { type GuestMemory, storeU64 } from '../cpu/memory.js';
import { PAGE_SIZE } from '../trampoline/index.js';
import { AT_EXECFN, AT_NULL, AT_PLATFORM, AT_RANDOM } from './auxv.js';
import { E2BIG, EFAULT, EINVAL, ExecError } from './errors.js';

export interface StackInit {
  /** Strings are encoded as UTF-8; byte arrays (e.g. read from guest memory) are copied as they are. */
  argv: Array<string | Uint8Array>;
  envp: Array<string | Uint8Array>;
  /** Numeric entries; the builder appends AT_RANDOM, AT_EXECFN, AT_PLATFORM and AT_NULL itself. */
  auxv: Array<[number, number]>;
  execfn: string | Uint8Array;
  /** The 16 bytes AT_RANDOM points at. */
  random: Uint8Array;
}

/** Linux's MAX_ARG_STRLEN: one argument or environment string, NUL included. */
export const MAX_ARG_STRLEN = 32 * PAGE_SIZE;
const PLATFORM = 'x86_64';

const encoder = new TextEncoder();

/** Guest addresses can exceed 2^31, so no bitwise masking. */
const alignDown16 = (v: number): number => v - (v % 16);

function cString(s: string | Uint8Array, what: string): Uint8Array {
  const body = typeof s === 'string' ? encoder.encode(s) : s;
  if (body.indexOf(0) >= 0) throw new ExecError(EINVAL, `${what} contains a NUL byte`);
  if (body.length + 1 > MAX_ARG_STRLEN) throw new ExecError(E2BIG, `${what} is longer than ${MAX_ARG_STRLEN - 1} bytes`);
  const out = new Uint8Array(body.length + 1);
  out.set(body);
  return out;
}

function checkWord(v: number, what: string): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new ExecError(EINVAL, `${what}: ${v} is not an unsigned integer below 2^53`);
}

/** Writes the stack into [stackLow, stackTop) and returns the initial rsp (argc is there). */
export function buildInitialStack(mem: GuestMemory, stackLow: number, stackTop: number, init: StackInit): number {
  if (!Number.isInteger(stackLow) || !Number.isInteger(stackTop) || stackLow < PAGE_SIZE || stackTop <= stackLow ||
      stackTop > mem.size) {
    throw new ExecError(EFAULT, `stack [${stackLow}, ${stackTop}) is not a range of guest RAM`);
  }
  if (init.random.length !== 16) throw new ExecError(EINVAL, `AT_RANDOM needs 16 bytes, got ${init.random.length}`);
  for (const [type, value] of init.auxv) {
    checkWord(type, 'auxv type');
    checkWord(value, `auxv entry ${type}`);
    if (type === AT_NULL || type === AT_RANDOM || type === AT_EXECFN || type === AT_PLATFORM) {
      throw new ExecError(EINVAL, `auxv entry ${type} is written by buildInitialStack itself`);
    }
  }
  const argv = init.argv.map((s, i) => cString(s, `argv[${i}]`));
  const envp = init.envp.map((s, i) => cString(s, `envp[${i}]`));
  const execfn = cString(init.execfn, 'execfn');
  const platform = cString(PLATFORM, 'platform');

  // Addresses first, then one check, then the writes: nothing is written when it does not fit.
  let p = stackTop - 8;
  const execfnAddr = (p -= execfn.length);
  const stringsLen = [...argv, ...envp].reduce((n, s) => n + s.length, 0);
  p -= stringsLen;
  const stringsAddr = p;
  p = alignDown16(p);
  const platformAddr = (p -= platform.length);
  const randomAddr = (p -= 16);
  const auxv: Array<[number, number]> = [
    ...init.auxv, [AT_RANDOM, randomAddr], [AT_EXECFN, execfnAddr], [AT_PLATFORM, platformAddr], [AT_NULL, 0],
  ];
  const words = 1 + argv.length + 1 + envp.length + 1 + 2 * auxv.length;
  const rsp = alignDown16(p - words * 8);
  if (p < stackLow || rsp < stackLow) {
    throw new ExecError(E2BIG, `arguments and environment (${stringsLen} bytes, ${argv.length} + ${envp.length} strings) ` +
      `do not fit in the ${stackTop - stackLow}-byte stack`);
  }

  const u8 = mem.u8;
  u8.fill(0, rsp, stackTop);
  u8.set(execfn, execfnAddr);
  const ptrs: number[] = [];
  let q = stringsAddr;
  for (const s of [...argv, ...envp]) {
    u8.set(s, q);
    ptrs.push(q);
    q += s.length;
  }
  u8.set(platform, platformAddr);
  u8.set(init.random, randomAddr);
  const dv = mem.dv;
  let w = rsp;
  const put = (v: number): void => {
    storeU64(dv, w, v);
    w += 8;
  };
  put(argv.length);
  for (let i = 0; i < argv.length; i++) put(ptrs[i]);
  put(0);
  for (let i = 0; i < envp.length; i++) put(ptrs[argv.length + i]);
  put(0);
  for (const [type, value] of auxv) { put(type); put(value); }
  mem.notifyWrite(rsp, stackTop - rsp);
  return rsp;
}
