/** A synthetic image whose syscall sites are known exactly, used by several loader tests. */
import { PF_R, PF_W, PF_X, PT_GNU_STACK, PT_LOAD, STT_FUNC, STT_OBJECT } from '../../loader/index.js';
import { buildElf } from './helpers.js';
import type { SymSpec } from './helpers.js';

/**
 * .text at 0x1000:
 *   0x1000 f1:  mov eax,60 ; syscall ; ret            site 0x1005
 *   0x1008 f2:  mov eax,0x50f ; sysenter ; ret        0f 05 inside the immediate is no site; site 0x100d
 *   0x1010 tbl: 0f 05 0f 05                           a data object: not code
 *   0x1014      nop ; syscall ; ret                   no symbol: found by sweeping the gap, site 0x1015
 *   0x1018      b8                                    a stray byte: a sweep would eat f3's syscall as an immediate
 *   0x1019 f3:  syscall ; ret ; nop ; nop             site 0x1019
 */
export const TEXT = Uint8Array.from([
  0xb8, 0x3c, 0, 0, 0, 0x0f, 0x05, 0xc3,
  0xb8, 0x0f, 0x05, 0, 0, 0x0f, 0x34, 0xc3,
  0x0f, 0x05, 0x0f, 0x05,
  0x90, 0x0f, 0x05, 0xc3,
  0xb8,
  0x0f, 0x05, 0xc3, 0x90, 0x90,
]);
export const DATA = Uint8Array.from([0x0f, 0x05, 1, 2, 3, 4, 5, 6]);
export const SYMBOLS: SymSpec[] = [
  { name: 'f1', value: 0x1000, size: 8, type: STT_FUNC },
  { name: 'f2', value: 0x1008, size: 8, type: STT_FUNC },
  { name: 'tbl', value: 0x1010, size: 4, type: STT_OBJECT },
  { name: 'f3', value: 0x1019, size: 5, type: STT_FUNC },
];
/** Sites with symbols: boundary-exact, data skipped, gaps swept, restart at f3. */
export const SITES_WITH_SYMBOLS = [0x1005, 0x100d, 0x1015, 0x1019];
/** Sites of a plain linear sweep (no symbols): the table is taken for code and f3's site is lost. */
export const SITES_SWEEP = [0x1005, 0x100d, 0x1010, 0x1012, 0x1015];

export function tinyElf(withSymbols: boolean): Uint8Array {
  return buildElf({
    segments: [
      { type: PT_LOAD, flags: PF_R | PF_X, vaddr: 0x1000, data: TEXT },
      { type: PT_LOAD, flags: PF_R | PF_W, vaddr: 0x2000, data: DATA, memsz: 0x100 },
      { type: PT_GNU_STACK, flags: PF_R | PF_W, vaddr: 0 },
    ],
    symbols: withSymbols ? SYMBOLS : undefined,
  });
}
