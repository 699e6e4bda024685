/**
 * x87 control: fnstcw/fldcw, fnstsw (m16, ax), fnclex, fninit, ffree(p),
 * fincstp/fdecstp, fnstenv/fldenv, fnsave/frstor, fwait, fnop and the
 * 8087/287 leftovers that the 387 and later ignore (feni fdisi fsetpm).
 * The "fn" forms skip the pending-exception check; their waiting twins do
 * it first (iced's default decoding gives `9b` as a separate fwait, which
 * amounts to the same; the combined Codes are registered for completeness).
 */
import { K_MEM, type Exec, type Insn } from '../insn.js';
import { def, codes } from '../registry.js';
import { ld16, rchk, st16, wchk } from '../access.js';
import { pure } from './operands.js';
import {
  C1, ENV16, ENV32, controlWord, init, loadEnv, pop, readSt80, statusWord, storeEnv, summary, wait, writeSt80,
} from './x87-state.js';

/** Registers the no-wait form and the waiting form of a handler. */
function both(noWait: string, waiting: string, build: (i: Insn, waits: boolean) => Exec | null): void {
  def(codes(noWait), (i) => build(i, false));
  def(codes(waiting), (i) => build(i, true));
}

both('Fnstcw_m2byte', 'Fstcw_m2byte', (i, waits) => {
  if (i.k0 !== K_MEM) return null;
  return (c, i) => {
    if (waits) wait(c, i);
    st16(c, i.ea(c, i), c.ctx.fpControl);
  };
});

def(codes('Fldcw_m2byte'), (i) => {
  if (i.k0 !== K_MEM) return null;
  i.writes = false;
  return (c, i) => {
    wait(c, i);
    c.ctx.fpControl = controlWord(ld16(c, i.ea(c, i)));
    summary(c.ctx);
  };
});

both('Fnstsw_m2byte', 'Fstsw_m2byte', (i, waits) => {
  if (i.k0 !== K_MEM) return null;
  return (c, i) => {
    if (waits) wait(c, i);
    st16(c, i.ea(c, i), statusWord(c.ctx));
  };
});
both('Fnstsw_AX', 'Fstsw_AX', (i, waits) => {
  if (waits) i.writes = false; else pure(i);
  return (c, i) => {
    if (waits) wait(c, i);
    c.r16[0] = statusWord(c.ctx);
  };
});

/** fnclex: clears the exception flags, SF, ES and B; the condition codes stay. */
both('Fnclex', 'Fclex', (i, waits) => {
  if (waits) i.writes = false; else pure(i);
  return (c, i) => {
    if (waits) wait(c, i);
    c.ctx.fpStatus &= ~0x80ff;
  };
});

both('Fninit', 'Finit', (i, waits) => {
  if (waits) i.writes = false; else pure(i);
  return (c, i) => {
    if (waits) wait(c, i);
    init(c.ctx);
  };
});

/** ffree: tags ST(i) empty (C1 cleared, as the reference processor does); ffreep also pops. */
function ffree(popAfter: boolean) {
  return (i: Insn): Exec => {
    i.a = i.r0;
    i.x = popAfter ? 1 : 0;
    i.writes = false;
    return (c, i) => {
      wait(c, i);
      const ctx = c.ctx;
      ctx.fpTagValid &= ~(1 << ((ctx.fpTop + i.a) & 7));
      ctx.fpStatus &= ~C1;
      if (i.x !== 0) pop(ctx);
    };
  };
}
def(codes('Ffree_sti'), ffree(false));
def(codes('Ffreep_sti'), ffree(true));

/** fincstp/fdecstp: TOP +- 1, tags unchanged, C1 = 0. */
def(codes('Fincstp'), (i) => {
  i.writes = false;
  return (c, i) => { wait(c, i); c.ctx.fpTop = (c.ctx.fpTop + 1) & 7; c.ctx.fpStatus &= ~C1; };
});
def(codes('Fdecstp'), (i) => {
  i.writes = false;
  return (c, i) => { wait(c, i); c.ctx.fpTop = (c.ctx.fpTop - 1) & 7; c.ctx.fpStatus &= ~C1; };
});

/** fnstenv: stores the environment, then masks every exception. */
function fnstenv(size: number, waits: boolean) {
  return (i: Insn): Exec | null => {
    if (i.k0 !== K_MEM) return null;
    return (c, i) => {
      if (waits) wait(c, i);
      storeEnv(c, i.ea(c, i), size);
      c.ctx.fpControl |= 0x3f;
      summary(c.ctx);
    };
  };
}
both('Fnstenv_m28byte', 'Fstenv_m28byte', (i, w) => fnstenv(ENV32, w)(i));
both('Fnstenv_m14byte', 'Fstenv_m14byte', (i, w) => fnstenv(ENV16, w)(i));

function fldenv(size: number) {
  return (i: Insn): Exec | null => {
    if (i.k0 !== K_MEM) return null;
    i.writes = false;
    return (c, i) => {
      wait(c, i);
      loadEnv(c, i.ea(c, i), size);
    };
  };
}
def(codes('Fldenv_m28byte'), fldenv(ENV32));
def(codes('Fldenv_m14byte'), fldenv(ENV16));

/** fnsave: environment, then ST(0)..ST(7) as 80-bit values; then fninit. */
function fnsave(env: number, waits: boolean) {
  return (i: Insn): Exec | null => {
    if (i.k0 !== K_MEM) return null;
    return (c, i) => {
      if (waits) wait(c, i);
      const ctx = c.ctx;
      const a = i.ea(c, i);
      wchk(c, a, env + 80);
      storeEnv(c, a, env);
      for (let k = 0; k < 8; k++) writeSt80(ctx, (ctx.fpTop + k) & 7, c.dv, a + env + 10 * k);
      init(ctx);
    };
  };
}
both('Fnsave_m108byte', 'Fsave_m108byte', (i, w) => fnsave(ENV32, w)(i));
both('Fnsave_m94byte', 'Fsave_m94byte', (i, w) => fnsave(ENV16, w)(i));

function frstor(env: number) {
  return (i: Insn): Exec | null => {
    if (i.k0 !== K_MEM) return null;
    i.writes = false;
    return (c, i) => {
      wait(c, i);
      const ctx = c.ctx;
      const a = i.ea(c, i);
      rchk(c, a, env + 80);
      loadEnv(c, a, env);
      for (let k = 0; k < 8; k++) readSt80(ctx, (ctx.fpTop + k) & 7, c.dv, a + env + 10 * k);
    };
  };
}
def(codes('Frstor_m108byte'), frstor(ENV32));
def(codes('Frstor_m94byte'), frstor(ENV16));

/** fwait, fnop: only the pending-exception check. The 8087/287 mode switches are no-ops. */
const waitOnly = (i: Insn): Exec => { i.writes = false; return wait; };
def(codes('Wait', 'Fnop', 'Feni', 'Fdisi', 'Fsetpm'), waitOnly);
def(codes('Fneni', 'Fndisi', 'Fnsetpm'), (i) => { pure(i); return () => {}; });
