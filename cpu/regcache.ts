/**
 * Guest registers in JavaScript locals for the compiled tier.
 *
 * Emitters write register accesses as `r[N]` (N: an int32 half of the
 * register file) and `c.r8[N]` / `c.r16[N]` (byte and word views of the
 * same bytes). Left so, every access is a typed-array load or store that V8
 * cannot keep in a machine register: the views alias each other and guest
 * memory, so each store forgets every earlier load. A 7-instruction strcmp
 * loop ran at 14-27 ns a round that way and 4 ns with its registers in
 * locals. This pass rewrites a block's source so that each half it names
 * lives in a local `$N`: loaded once at entry, written back where control
 * leaves (each `return`, a throw), and synchronised around anything that
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

/** The placeholder an emitter embeds for a jcc's inlined target (compile.ts substitutes the code). */
export const INLINE_MARK = INLINE;

/** A handler call, bracketed so the pass can synchronise the register file around it. */
export function syncedCall(call: string): string {
  return `${SYNC_OUT}${call}${SYNC_IN}`;
}

const R_ACCESS = /(?<![\w$.])r\[(\d+)\]/g;
const R_WRITE = /(?<![\w$.])r\[(\d+)\]\s*=(?!=)/g;
const R_OTHER_WRITE = /(?<![\w$.])r\[\d+\]\s*(?:[-+*/%&|^]|<<|>>>?|\*\*)=|(?<![\w$.])r\[\d+\]\s*(?:\+\+|--)|(?:\+\+|--)\s*r\[\d+\]/;
const VIEW_READ = /c\.r(8|16)\[(\d+)\](?!\s*=(?!=))/g;
const VIEW_WRITE = /c\.r(8|16)\[(\d+)\]\s*=(?!=)\s*([^;]*);/g;
const VIEW_OTHER_WRITE = /c\.r(?:8|16)\[\d+\]\s*(?:[-+*/%&|^]|<<|>>>?)=|c\.r(?:8|16)\[\d+\]\s*(?:\+\+|--)|(?:\+\+|--)\s*c\.r(?:8|16)\[/;
const RETURN = /\breturn\b([^;]*);/g;
/** Anything else that names the register file: `c.r` in another form, or the view `r` not indexed by a literal. */
const OTHER_ACCESS = /c\.r(?![\w$])|c\.r(?:8|16)(?!\[\d+\])|c\.r(?:8|16)\[\d+\]\s*=(?!=)|(?<![\w$.])r(?![\w$]|\[\d+\])/;

/** Half index and bit shift of byte or word N of the register file. */
function viewSlot(bits: string, n: number): { half: number; shift: number; mask: number } {
  return bits === '8'
    ? { half: n >> 2, shift: 8 * (n & 3), mask: 0xff }
    : { half: n >> 1, shift: 16 * (n & 1), mask: 0xffff };
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
    const bare = code.split(SYNC_OUT).map((s, x) => (x === 0 ? s : s.slice(s.indexOf(SYNC_IN) + SYNC_IN.length))).join('');
    if (!this.understood(bare)) {
      // Run it against the register file: write back before, reload after, no rewrite inside.
      if (inline !== null) this.ok = false;
      const plain = code.split(SYNC_OUT).join('').split(SYNC_IN).join('');
      return `${WRITE_BACK}sy = 1;\n${plain}sy = 0; ${RELOAD}\n`;
    }
    let out = code.replace(VIEW_READ, (_m, bits: string, n: string) => {
      const { half, shift, mask } = viewSlot(bits, Number(n));
      this.used.add(half);
      return shift === 0 ? `($${half} & ${mask})` : `(($${half} >>> ${shift}) & ${mask})`;
    });
    out = out.replace(VIEW_WRITE, (_m, bits: string, n: string, e: string) => {
      const { half, shift, mask } = viewSlot(bits, Number(n));
      this.used.add(half);
      this.written.add(half);
      const keep = ~(mask << shift) | 0;
      return `$${half} = ($${half} & ${keep}) | (((${e}) & ${mask}) << ${shift});`;
    });
    for (const m of out.matchAll(R_WRITE)) this.written.add(Number(m[1]));
    out = out.replace(R_ACCESS, (_m, n: string) => { this.used.add(Number(n)); return `$${n}`; });
    out = this.exits(out);
    out = out.split(SYNC_OUT).join(`${WRITE_BACK}sy = 1; `).split(SYNC_IN).join(` sy = 0; ${RELOAD}`);
    if (inline !== null) out = out.split(INLINE).join(inline);
    return out;
  }

  /** Code the pass adds around instructions (c.stop checks, block ends): its returns write back. */
  exits(code: string): string {
    return code.replace(RETURN, (_m, e: string) => `{ ${WRITE_BACK}return${e}; }`);
  }

  /** Whether every register access in code has a form instr() rewrites. */
  private understood(code: string): boolean {
    if (code.includes(INLINE) && code.split(INLINE).length > 2) return false;
    if (R_OTHER_WRITE.test(code) || VIEW_OTHER_WRITE.test(code)) return false;
    // Writes through the views are understood when they match VIEW_WRITE; check what remains.
    const rest = code.replace(VIEW_WRITE, (_m, _b: string, _n: string, e: string) => e).replace(VIEW_READ, '0').replace(R_ACCESS, '0');
    return !OTHER_ACCESS.test(rest);
  }

  /** The function body around the rewritten one: locals, the write-back on a throw, the markers resolved. */
  finish(body: string): string {
    const used = [...this.used].sort((a, b) => a - b);
    const written = used.filter((n) => this.written.has(n));
    const wb = written.map((n) => `r[${n}] = $${n}; `).join('');
    const rl = used.map((n) => `$${n} = r[${n}]; `).join('');
    const resolved = body.split(WRITE_BACK).join(wb).split(RELOAD).join(rl);
    const decl = used.length === 0 ? '' : `let ${used.map((n) => `$${n} = r[${n}]`).join(', ')};\n`;
    // A fault thrown by rewritten code leaves the registers in the locals; one thrown inside a
    // synchronised region (sy = 1) has them, perhaps partly updated, in the register file.
    return `${decl}let sy = 0;\ntry {\n${resolved}\n} catch (e) { if (sy === 0) { ${wb}} throw e; }`;
  }
}
