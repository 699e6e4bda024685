/**
 * FXSAVE / FXRSTOR images (64-bit format, 512 bytes), as Linux puts them in a
 * signal frame's fpstate and as the fxsave/fxrstor instructions use them.
 *
 *   0 FCW   2 FSW (TOP in bits 11-13)   4 abridged FTW   6 FOP
 *   8 FIP  16 FDP  24 MXCSR  28 MXCSR_MASK
 *  32 ST0..ST7 (16 bytes each, stack order, 80-bit values)
 * 160 XMM0..XMM15   416..511 reserved
 */
import type { CpuContext } from './context.js';
import { MemoryFault, PERM_R, PERM_W, type GuestMemory } from './memory.js';
import { readSt80, writeSt80 } from './ops/x87-state.js';

export const FXSAVE_SIZE = 512;
/** Bits of MXCSR this CPU implements (DAZ included), as reported in MXCSR_MASK. */
export const MXCSR_MASK = 0xffff;

export function fxsave(ctx: CpuContext, mem: GuestMemory, addr: number): void {
  if (!mem.check(addr, FXSAVE_SIZE, PERM_W)) throw new MemoryFault(addr, true);
  const dv = mem.dv;
  mem.u8.fill(0, addr, addr + FXSAVE_SIZE);
  dv.setUint16(addr, ctx.fpControl, true);
  dv.setUint16(addr + 2, (ctx.fpStatus & ~0x3800) | ((ctx.fpTop & 7) << 11), true);
  dv.setUint8(addr + 4, ctx.fpTagValid & 0xff);
  dv.setUint32(addr + 24, ctx.mxcsr, true);
  dv.setUint32(addr + 28, MXCSR_MASK, true);
  // exact 80-bit registers (the x87 code keeps them behind fpr)
  for (let i = 0; i < 8; i++) writeSt80(ctx, (ctx.fpTop + i) & 7, dv, addr + 32 + 16 * i);
  mem.u8.set(ctx.xmmBytes, addr + 160);
  mem.notifyWrite(addr, FXSAVE_SIZE);
}

export function fxrstor(ctx: CpuContext, mem: GuestMemory, addr: number): void {
  if (!mem.check(addr, FXSAVE_SIZE, PERM_R)) throw new MemoryFault(addr, false);
  const dv = mem.dv;
  ctx.fpControl = dv.getUint16(addr, true);
  const fsw = dv.getUint16(addr + 2, true);
  ctx.fpTop = (fsw >>> 11) & 7;
  ctx.fpStatus = fsw & ~0x3800;
  ctx.fpTagValid = dv.getUint8(addr + 4);
  ctx.mxcsr = dv.getUint32(addr + 24, true) & MXCSR_MASK;
  for (let i = 0; i < 8; i++) readSt80(ctx, (ctx.fpTop + i) & 7, dv, addr + 32 + 16 * i);
  ctx.xmmBytes.set(mem.u8.subarray(addr + 160, addr + 160 + 256));
}
