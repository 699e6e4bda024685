/**
 * The emulated side: the same bytes at the same addresses in a GuestMemory whose
 * page permissions mirror the harness's mappings (data area rw-, everything
 * else inaccessible), the same registers, then one instruction, on each tier.
 *
 * Only the first code page is executable here, and the instruction ends at its
 * end, so the engine's block is that one instruction: `run(ctx, 1)` then stops
 * at the budget check before fetching anything else.
 *
 * The x87, MXCSR and XMM state goes in and comes out as the same FXSAVE image
 * the harness uses, through cpu.fxrstor and cpu.fxsave (the exact 80-bit
 * path), staged in the control page (FX_STAGE), which is accessible only
 * while they run: guest code sees it unmapped, as the harness's instruction
 * never touches it.
 */
import { Cpu, CpuContext, ExitReason, GuestMemory, PERM_R, PERM_W, PERM_X, type Tier } from '../../../cpu/index.js';
import { CODE_BASE, CODE_SIZE, CTRL_BASE, DATA_BASE, DATA_SIZE, GUEST_MEMORY_SIZE, INSN_END, dataPattern, thunkPage } from './layout.js';
import { FX_MXCSR, FX_XMM, InputState, Observed, initialData, x87FromFx } from './state.js';

export type { Tier };
export const TIERS: readonly Tier[] = ['interp', 'compiled', 'hot'];

const PAGE = 4096;
/** Where FXSAVE images are staged for cpu.fxrstor/fxsave (the harness's control page). */
const FX_STAGE = CTRL_BASE;
/** A rep-prefixed string instruction may stop at an iteration boundary; it is resumed this many times at most. */
const MAX_RESUMES = 1 << 16;
/**
 * Runs of the same block before the compiled tier is certain to have compiled it
 * (the engine compiles a block on its 4th run; a margin keeps this robust).
 */
const RUNS_TO_COMPILE = 5;

export interface EmuCase {
  code: Uint8Array;
  insnAddr: number;
  state: InputState;
  /** rep string instructions: keep running while rip stays on the instruction. */
  resumable: boolean;
}

export class Emulator {
  readonly mem: GuestMemory;
  readonly cpu: Cpu;
  private readonly page: Uint8Array;

  constructor() {
    this.mem = new GuestMemory(GUEST_MEMORY_SIZE);
    this.mem.setPerm(PAGE, GUEST_MEMORY_SIZE - PAGE, 0);
    this.mem.setPerm(CODE_BASE, PAGE, PERM_R | PERM_X);
    this.mem.setPerm(CODE_BASE + PAGE, CODE_SIZE - PAGE, PERM_R);
    this.mem.setPerm(DATA_BASE, DATA_SIZE, PERM_R | PERM_W);
    this.cpu = new Cpu(this.mem);
    // One instruction per run(): a followed call would go on into the page's filler.
    this.cpu.followBranches = false;
    this.page = thunkPage();
    if (INSN_END !== CODE_BASE + PAGE) throw new Error('layout: the instruction must end at the end of the first code page');
  }

  /** Runs the case once per tier (each from the same initial state). */
  run(c: EmuCase, tiers: readonly Tier[] = TIERS): Observed[] {
    const { mem, cpu } = this;
    const code = this.page.slice();
    code.set(c.code, c.insnAddr - CODE_BASE);
    mem.u8.set(code, CODE_BASE);
    mem.notifyWrite(CODE_BASE, CODE_SIZE);
    const data = initialData(c.state, dataPattern(c.state.dataSeed));
    const out: Observed[] = [];
    for (const tier of tiers) {
      cpu.tier = tier;
      // Only the last run (compiled by then) is observed; the others warm the block up.
      const runs = tier === 'interp' ? 1 : RUNS_TO_COMPILE;
      for (let k = 1; k < runs; k++) this.once(c, data);
      const { ctx, why } = this.once(c, data);
      out.push(observe(ctx, this.mem, why, this.saveFx(ctx)));
    }
    return out;
  }

  private once(c: EmuCase, data: Uint8Array): { ctx: CpuContext; why: ExitReason } {
    const { mem, cpu } = this;
    mem.u8.set(data, DATA_BASE);
    const ctx = new CpuContext();
    this.loadContext(ctx, c.state);
    ctx.rip = c.insnAddr;
    let why = cpu.run(ctx, 1);
    for (let i = 0; c.resumable && why === ExitReason.Budget && ctx.rip === c.insnAddr && i < MAX_RESUMES; i++) {
      why = cpu.run(ctx, 1);
    }
    if (why === ExitReason.Budget && !(ctx.rip >= CODE_BASE && ctx.rip < CODE_BASE + CODE_SIZE)) {
      // Control left the code pages: natively the next fetch faults (the harness has no
      // landing thunk there). Let the engine fetch too; it must fault without executing.
      why = cpu.run(ctx, 1);
    }
    return { ctx, why };
  }

  private loadContext(ctx: CpuContext, s: InputState): void {
    for (let i = 0; i < 16; i++) {
      const v = BigInt.asUintN(64, s.gpr[i]);
      ctx.gpr[2 * i] = Number(v & 0xffff_ffffn) | 0;
      ctx.gpr[2 * i + 1] = Number(v >> 32n) | 0;
    }
    ctx.setRflags(s.rflags);
    const { mem, cpu } = this;
    mem.setPerm(FX_STAGE, PAGE, PERM_R | PERM_W);
    try {
      mem.u8.set(s.fx, FX_STAGE);
      cpu.fxrstor(ctx, FX_STAGE);
    } finally {
      mem.setPerm(FX_STAGE, PAGE, 0);
    }
  }

  /** The context's FXSAVE image (exact x87 registers). */
  private saveFx(ctx: CpuContext): Uint8Array {
    const { mem, cpu } = this;
    mem.setPerm(FX_STAGE, PAGE, PERM_R | PERM_W);
    try {
      cpu.fxsave(ctx, FX_STAGE);
      return mem.u8.slice(FX_STAGE, FX_STAGE + 512);
    } finally {
      mem.setPerm(FX_STAGE, PAGE, 0);
    }
  }
}

function exitName(why: ExitReason): string {
  switch (why) {
    case ExitReason.Gate: return 'kernel gate';
    case ExitReason.SyscallTrap: return 'syscall trap';
    case ExitReason.Halt: return 'halt';
    case ExitReason.Fault: return 'fault';
    case ExitReason.Budget: return 'budget';
    default: return `exit reason ${String(why)}`;
  }
}

function toBig(x: number): bigint { return Number.isInteger(x) ? BigInt.asUintN(64, BigInt(x)) : 0n; }

function observe(ctx: CpuContext, mem: GuestMemory, why: ExitReason, fx: Uint8Array): Observed {
  const gpr: bigint[] = [];
  for (let i = 0; i < 16; i++) {
    gpr.push((BigInt(ctx.gpr[2 * i + 1] >>> 0) << 32n) | BigInt(ctx.gpr[2 * i] >>> 0));
  }
  const obs: Observed = {
    fault: why === ExitReason.Fault ? { signal: ctx.faultSignal, code: ctx.faultCode, addr: toBig(ctx.faultAddr) } : null,
    gpr,
    rip: toBig(ctx.rip),
    rflags: ctx.getRflags(),
    xmm: fx.slice(FX_XMM, FX_XMM + 256),
    mxcsr: new DataView(fx.buffer).getUint32(FX_MXCSR, true),
    x87: x87FromFx(fx),
    data: mem.u8.slice(DATA_BASE, DATA_BASE + DATA_SIZE),
  };
  if (why !== ExitReason.Fault && why !== ExitReason.Budget) obs.exit = exitName(why);
  return obs;
}
