/**
 * Places a parsed image in guest RAM at a base the kernel chose: copy the
 * file-backed part of every PT_LOAD to base + p_vaddr, zero the rest of the
 * span (bss, gaps between segments), and rewrite each known syscall site to
 * `call *%rax`. Without an MMU there is nothing to map: this is a copy, and
 * page protections are left as the kernel's allocator set them. The work is
 * done by image.ts (prepare once, place page by page); this is the one-shot
 * form, and the lazy rewrite of a site found at run time.
 */
import type { GuestMemory } from '../cpu/memory.js';
import { CALL_RAX, PAGE_SIZE } from '../trampoline/index.js';
import type { ElfImage } from './elf-types.js';
import { placeImage, prepareImage } from './image.js';
import type { MappedImage } from './image.js';
import { isSyscallOpcode } from './sites.js';
import type { SyscallSite } from './sites.js';

export type { MappedImage } from './image.js';

/** Lazy rewrite of one site found at run time (lazypoline); false if the bytes there are not syscall/sysenter. Raw access: code pages may be execute-only. */
export function rewriteSiteAt(mem: GuestMemory, addr: number): boolean {
  if (!Number.isInteger(addr) || addr < PAGE_SIZE || addr + 2 > mem.size) return false;
  if (!isSyscallOpcode(mem.u8[addr], mem.u8[addr + 1])) return false;
  mem.u8[addr] = CALL_RAX[0];
  mem.u8[addr + 1] = CALL_RAX[1];
  mem.notifyWrite(addr, 2);
  return true;
}

/** Copies the image to base and rewrites `sites` (null: rewrite nothing, the trap path). */
export function mapImage(mem: GuestMemory, elf: ElfImage, bytes: Uint8Array, base: number,
  sites: SyscallSite[] | null): MappedImage {
  return placeImage(mem, prepareImage(elf, bytes, sites), base);
}
