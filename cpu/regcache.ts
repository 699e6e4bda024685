/**
 * Guest registers in JavaScript locals for the compiled tier.
 *
 * Emitters write register accesses as `r[N]` (N: an int32 half of the
 * register file) and `c.r8[N]` / `c.r16[N]` (byte and word views of the
 * same bytes). Left so, every access is a typed-array load or store that V8
 * cannot keep in a machine register: the views alias each other and guest
 * memory, so each store forgets every earlier load. A 7-instruction strcmp
 * loop ran at 14-27 ns a round that way, 6-9 ns as this pass rewrites it
 * (4 ns hand-written on locals). This pass rewrites a block's source so that each half it names
 * lives in a local `$N`: loaded once at entry, written back in one
 * `finally` however control leaves, and synchronised around anything that
 * reads or writes the register file itself (a handler call, an emitter's
 * code this pass does not understand).
 *
 * The rewrite is textual and deliberately narrow: an instruction's code is
 * rewritten only when every register access in it has one of the three
 * literal-index forms; otherwise the code runs against the register file,
 * between a write-back and a reload.
 */

/** Markers the emitters' code carries for this pass (never left in a compiled function). */
const SYNC_OUT = '\u0001O\u0001';
const SYNC_IN = '\u0001I\u0001';
const WRITE_BACK = '\u0001W\u0001';
const RELOAD = '\u0001L\u0001';
const INLINE = '\u0001X\u0001';
/** Around a narrowly synchronised call: `\u0001N<halves>\u0001` before it, `\u0001M<halves>\u0001` after. */
const NARROW = /\u0001([NM])([\d,]*)\u0001/g;
/** Ends a gate call's region (gateCall): `\u0001J<halves>\u0001`; finish() turns the mark left in its place into the reloads. */
const SYNC_IN_SOME = /\u0001J([\d,]*)\u0001/g;
const RELOAD_SOME = /\u0001K([\d,]*)\u0001/g;
/** The end of a synchronised region, whichever marker ends it. */
const SYNC_END = /\u0001I\u0001|\u0001J[\d,]*\u0001/;

/** The placeholder an emitter embeds for a jcc's inlined target (compile.ts substitutes the code). */
export const INLINE_MARK = INLINE;

/** A handler call, bracketed so the pass can synchronise the register file around it. */
export function syncedCall(call: string): string {
  return `${SYNC_OUT}${call}${SYNC_IN}`;
}

/**
 * A handler call that reads only the halves `before` of the register file
 * and writes only `after` (rsp for a push, pop, call or ret): just those are
 * written back and reloaded around it, not every local, which keeps a hot
 * block's rare slow paths short. The handler must change nothing before it
 * faults (the locals, written back by the `finally`, still hold the state
 * before the instruction).
 */
export function narrowCall(call: string, before: number[], after: number[]): string {
  return `\u0001N${before.join(',')}\u0001${call}\u0001M${after.join(',')}\u0001`;
}

/**
 * A call that may read every register (the kernel's gate) and after which,
 * unless `leave` (code that returns) is taken, only the halves `changed`
 * can differ: every local written so far goes back before it, `leave` runs
 * with the register file still the truth (no write-back on the way out),
 * and only the listed halves the block names are reloaded after it.
 */
export function gateCall(call: string, leave: string, changed: number[]): string {
  return `${SYNC_OUT}${call}${leave}\u0001J${changed.join(',')}\u0001`;
}

const R_ACCESS = /(?<![\w$.])r\[(\d+)\]/g;
const R_WRITE = /(?<![\w$.])r\[(\d+)\]\s*=(?!=)/g;
/** A whole assignment statement `r[N] = E;` (E without braces: it ends at its semicolon). */
const R_ASSIGN = /(?<![\w$.])r\[(\d+)\]\s*=(?!=)\s*([^;{}]*);/g;
const R_OTHER_WRITE = /(?<![\w$.])r\[\d+\]\s*(?:[-+*/%&|^]|<<|>>>?|\*\*)=|(?<![\w$.])r\[\d+\]\s*(?:\+\+|--)|(?:\+\+|--)\s*r\[\d+\]/;
const VIEW_READ = /c\.r(8|16)\[(\d+)\](?!\s*=(?!=))/g;
const VIEW_WRITE = /c\.r(8|16)\[(\d+)\]\s*=(?!=)\s*([^;{}]*);/g;
const VIEW_OTHER_WRITE = /c\.r(?:8|16)\[\d+\]\s*(?:[-+*/%&|^]|<<|>>>?)=|c\.r(?:8|16)\[\d+\]\s*(?:\+\+|--)|(?:\+\+|--)\s*c\.r(?:8|16)\[/;
/** Anything else that names the register file: `c.r` in another form, or the view `r` not indexed by a literal. */
const OTHER_ACCESS = /c\.r(?![\w$])|c\.r(?:8|16)(?!\[\d+\])|c\.r(?:8|16)\[\d+\]\s*=(?!=)|(?<![\w$.])r(?![\w$]|\[\d+\])/;

/** Half index and bit shift of byte or word N of the register file. */
function viewSlot(bits: string, n: number): { half: number; shift: number; mask: number } {
  return bits === '8'
    ? { half: n >> 2, shift: 8 * (n & 3), mask: 0xff }
    : { half: n >> 1, shift: 16 * (n & 1), mask: 0xffff };
}

/**
 * Whether the assignment at `at` with value e stands as a statement of its own (not inside an
 * expression such as `(r[2] = x, y)`) and e is a whole expression: then `x = (e) | 0;` means the same.
 */
function wholeStatement(code: string, at: number, e: string): boolean {
  const before = code.slice(0, at).trimEnd();
  if (!(before === '' || /[;{})]$/.test(before) || /(?<![\w$])else$/.test(before))) return false;
  let depth = 0;
  for (const ch of e) {
    if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') { if (--depth < 0) return false; }
  }
  return depth === 0;
}

/** Whether every register access in code has a form instr() rewrites. */
function understood(code: string): boolean {
  if (code.includes(INLINE) && code.split(INLINE).length > 2) return false;
  if (R_OTHER_WRITE.test(code) || VIEW_OTHER_WRITE.test(code)) return false;
  // Every store to a half must be a whole statement: the rewrite wraps its value in ToInt32.
  if ((code.match(R_WRITE)?.length ?? 0) !== (code.match(R_ASSIGN)?.length ?? 0)) return false;
  for (const m of code.matchAll(R_ASSIGN)) if (!wholeStatement(code, m.index, m[2])) return false;
  for (const m of code.matchAll(VIEW_WRITE)) if (!wholeStatement(code, m.index, m[3])) return false;
  // Writes through the views are understood when they match VIEW_WRITE; check what remains.
  const rest = code.replace(VIEW_WRITE, (_m, _b: string, _n: string, e: string) => e).replace(VIEW_READ, '0').replace(R_ACCESS, '0');
  return !OTHER_ACCESS.test(rest);
}

/** What rewriting one instruction's code gives: the same for the same code, so it is remembered. */
interface Rewritten { out: string; used: number[]; written: number[]; understood: boolean }

function rewrite(code: string): Rewritten {
  const used = new Set<number>();
  const written = new Set<number>();
  const bare = code.split(SYNC_OUT).map((s, x) => {
    if (x === 0) return s;
    const end = SYNC_END.exec(s);
    return end === null ? s : s.slice(end.index + end[0].length);
  }).join('');
  if (!understood(bare)) {
    // Run it against the register file: write back before, reload after, no rewrite inside.
    const plain = code.split(SYNC_OUT).join('').split(SYNC_IN).join('').replace(NARROW, '').replace(SYNC_IN_SOME, '');
    return { out: `${WRITE_BACK}sy = 1;\n${plain}sy = 0; ${RELOAD}\n`, used: [], written: [], understood: false };
  }
  let out = code.replace(VIEW_READ, (_m, bits: string, n: string) => {
    const { half, shift, mask } = viewSlot(bits, Number(n));
    used.add(half);
    return shift === 0 ? `($${half} & ${mask})` : `(($${half} >>> ${shift}) & ${mask})`;
  });
  out = out.replace(VIEW_WRITE, (_m, bits: string, n: string, e: string) => {
    const { half, shift, mask } = viewSlot(bits, Number(n));
    used.add(half);
    written.add(half);
    const keep = ~(mask << shift) | 0;
    return `$${half} = ($${half} & ${keep}) | (((${e}) & ${mask}) << ${shift});`;
  });
  // A store into the Int32Array converts with ToInt32; a local keeps what it is given, so convert here.
  out = out.replace(R_ASSIGN, (_m, n: string, e: string) => {
    used.add(Number(n));
    written.add(Number(n));
    return `$${n} = (${e}) | 0;`;
  });
  out = out.replace(R_ACCESS, (_m, n: string) => { used.add(Number(n)); return `$${n}`; });
  out = out.split(SYNC_OUT).join(`${WRITE_BACK}sy = 1; `).split(SYNC_IN).join(` sy = 0; ${RELOAD}`)
    .replace(SYNC_IN_SOME, (_m, list: string) => ` sy = 0; \u0001K${list}\u0001`);
  out = out.replace(NARROW, (_m, kind: string, list: string) => {
    const halves = list === '' ? [] : list.split(',').map(Number);
    for (const n of halves) {
      used.add(n);
      if (kind === 'M') written.add(n);
    }
    return halves.map((n) => (kind === 'N' ? `r[${n}] = $${n}; ` : ` $${n} = r[${n}];`)).join('');
  });
  return { out, used: [...used], written: [...written], understood: true };
}

/**
 * Rewrites by instruction code, for the whole process: every kernel (each
 * test and benchmark run boots one) compiles the same blocks again, and the
 * regular expressions cost more than the rest of a block's compile.
 */
const rewritten = new Map<string, Rewritten>();
let rewrittenChars = 0;
const REWRITTEN_CHARS = 16 << 20;

function remember(code: string, r: Rewritten): void {
  rewritten.set(code, r);
  rewrittenChars += code.length + r.out.length;
  if (rewrittenChars <= REWRITTEN_CHARS) return;
  // Oldest first (insertion order) until half the budget is free.
  for (const [k, v] of rewritten) {
    if (rewrittenChars <= REWRITTEN_CHARS / 2) break;
    rewritten.delete(k);
    rewrittenChars -= k.length + v.out.length;
  }
}

export class RegCache {
  /** Halves the rewritten code names (loaded at entry), and those it assigns (written back). */
  readonly used = new Set<number>();
  readonly written = new Set<number>();
  /** Cleared when the block cannot be rewritten safely: the caller then keeps the plain source. */
  ok = true;

  /**
   * One instruction's code. `inline`: a jcc's inlined target, already
   * rewritten, for the INLINE_MARK in code.
   */
  instr(code: string, inline: string | null): string {
    let r = rewritten.get(code);
    if (r === undefined) {
      r = rewrite(code);
      remember(code, r);
    }
    if (!r.understood && inline !== null) this.ok = false;
    for (const n of r.used) this.used.add(n);
    for (const n of r.written) this.written.add(n);
    return inline !== null && r.understood ? r.out.split(INLINE).join(inline) : r.out;
  }

  /** The function body around the rewritten one: the locals, their write-back in a `finally`, the markers resolved. */
  finish(body: string): string {
    const used = [...this.used].sort((a, b) => a - b);
    const written = used.filter((n) => this.written.has(n));
    const wb = written.map((n) => `r[${n}] = $${n}; `).join('');
    const rl = used.map((n) => `$${n} = r[${n}]; `).join('');
    const resolved = body.split(WRITE_BACK).join(wb).split(RELOAD).join(rl).replace(RELOAD_SOME, (_m, list: string) =>
      list.split(',').filter((n) => n !== '' && this.used.has(Number(n))).map((n) => `$${n} = r[${n}]; `).join(''));
    const decl = used.length === 0 ? '' : `let ${used.map((n) => `$${n} = r[${n}]`).join(', ')};\n`;
    // One write-back for every way out, returns and throws alike. A fault thrown by rewritten code
    // leaves the registers in the locals; one thrown (or a return taken) inside a synchronised
    // region (sy = 1) has them, perhaps partly updated, in the register file.
    return `${decl}let sy = 0;\ntry {\n${resolved}\n} finally { if (sy === 0) { ${wb}} }`;
  }
}
