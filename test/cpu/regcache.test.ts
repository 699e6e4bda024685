/**
 * Guest registers in locals inside compiled blocks (cpu/regcache.ts): the
 * rewritten code must leave the register file exactly as the reference
 * interpreter does — through the byte and word views, around handler calls,
 * and when a fault leaves the block in the middle.
 */
import { expect } from 'chai';
import { Asm, Runner, L, DATA, CODE_BASE, program } from './asm.js';
import { Block, interpret } from '../../cpu/block.js';
import { BlockDecoder } from '../../cpu/decode.js';
import { Core } from '../../cpu/core.js';
import { compileBlock } from '../../cpu/compile.js';
import { RegCache, narrowCall } from '../../cpu/regcache.js';
import { ExitReason, RAX, RBX, RCX, RDX, RDI, RSI, SIGSEGV } from '../../cpu/index.js';
import type { CpuContext } from '../../cpu/index.js';

const regs = (ctx: CpuContext): number[] => Array.from(ctx.gpr);

describe('registers kept in locals by compiled blocks', () => {
  it('byte, high-byte and word registers read and written through the views agree with the interpreter', () => {
    const prog = () => new Asm()
      .i('Mov_r8_rm8', 'ah', 'bl').i('Mov_r8_rm8', 'bh', 'al').i('Add_r8_rm8', 'cl', 'ah')
      .i('Mov_r16_rm16', 'dx', 'bx').i('Not_rm16', 'ax').i('Movzx_r32_rm8', 'esi', 'ch')
      .i('Add_r64_rm64', 'rdi', 'rdx').i('Mov_r8_imm8', 'dh', 0x5a).i('Sub_r16_rm16', 'cx', 'dx')
      .i('Setb_rm8', 'bl').i('Xor_r8_rm8', 'ch', 'dl');
    const interp = new Runner(prog(), 'interp');
    // The `hot` tier compiles with registers in locals at once (`compiled` only after 1024 runs).
    const compiled = new Runner(prog(), 'hot');
    const inputs: Record<number, bigint>[] = [];
    for (let k = 0; k < 12; k++) {
      const v = (x: number) => BigInt.asUintN(64, BigInt(k * 0x9e3779b9 + x) * 0x10001n * 0x1000193n);
      inputs.push({ [RAX]: v(1), [RBX]: v(2), [RCX]: v(3), [RDX]: v(4), [RDI]: v(5) });
    }
    // Every input several times: the block turns hot and is compiled on the way.
    for (let round = 0; round < 3; round++) {
      for (const input of inputs) {
        expect(regs(compiled.exec(input)), JSON.stringify(input, (_k, x) => (typeof x === 'bigint' ? x.toString(16) : x)))
          .to.deep.equal(regs(interp.exec(input)));
      }
    }
  });

  it('a handler that faults partway (rep movsb off the end of memory) keeps its progress; earlier writes stay', () => {
    // The `or` puts rcx in the block's locals, written: a write-back after the fault would undo the progress.
    const prog = () => new Asm().i('Mov_r32_imm32', 'edx', 7).i('Or_r64_rm64', 'rcx', 'rcx').db(0xf3, 0xa4).i('Mov_r32_imm32', 'edx', 9);
    const end = 1 << 20;
    const results: number[][] = [];
    for (const tier of ['interp', 'hot'] as const) {
      const run = new Runner(prog(), tier);
      for (let k = 0; k < 6; k++) run.exec({ [RSI]: BigInt(DATA), [RDI]: BigInt(DATA + 0x1000), [RCX]: 8n });
      const ctx = run.mc.ctx;
      ctx.gpr.fill(0);
      ctx.setReg(RSI, DATA);
      ctx.setReg(RDI, end - 4);
      ctx.setReg(RCX, 16);
      ctx.setReg(4, 0x80000);
      ctx.rip = CODE_BASE;
      expect(run.mc.cpu.run(ctx, 1000)).to.equal(ExitReason.Fault);
      expect(ctx.faultSignal).to.equal(SIGSEGV);
      expect(ctx.getReg(RDX), tier).to.equal(7);
      expect(ctx.getReg(RCX), tier).to.equal(12);
      expect(ctx.getReg(RDI), tier).to.equal(end);
      results.push(regs(ctx));
    }
    expect(results[1]).to.deep.equal(results[0]);
  });

  it('straight-line code gets locals once it has kept running (1024 runs), a loop block at once', () => {
    const line = new Runner(new Asm().i('Add_r64_rm64', 'rax', 'rbx').i('Add_r64_rm64', 'rax', 'rax'), 'compiled');
    const src = () => line.mc.cpu.blockAt(CODE_BASE)!.exec.toString();
    for (let k = 0; k < 10; k++) line.exec({ [RAX]: 1n, [RBX]: 2n });
    expect(src()).to.match(/^function block_/).and.not.include('$0');
    for (let k = 0; k < 1100; k++) expect(line.exec({ [RAX]: BigInt(k), [RBX]: 2n }).getReg(RAX)).to.equal(2 * (k + 2));
    expect(src()).to.include('$0');
    const loop = new Runner(new Asm().label('top').i('Add_r64_rm64', 'rax', 'rbx').i('Sub_rm32_imm8', 'ecx', 1).i('Jne_rel32_64', L('top')), 'compiled');
    for (let k = 0; k < 10; k++) loop.exec({ [RAX]: 1n, [RBX]: 2n, [RCX]: 3n });
    expect(loop.mc.cpu.blockAt(CODE_BASE)!.exec.toString()).to.include('$0');
  });

  it('rewrites only the forms it understands; anything else runs against the register file', () => {
    const rewrite = (code: string) => new RegCache().instr(code, null);
    const synced = (out: string) => out.includes('sy = 1;');
    // Stores become ToInt32 of the value, as the Int32Array store did; byte stores merge into the half.
    expect(rewrite('r[2] = x_1 + 1;\n')).to.equal('$2 = (x_1 + 1) | 0;\n');
    expect(rewrite('c.r8[9] = v_3;\n')).to.equal('$2 = ($2 & -65281) | (((v_3) & 255) << 8);\n');
    expect(rewrite('const v = c.r16[5];\n')).to.equal('const v = (($2 >>> 16) & 65535);\n');
    // An assignment inside an expression, a computed index, the register file passed on: synchronised.
    for (const code of ['const y = (r[2] = 5, 7);\n', 'foo(r[2] = 3);\n', 'c.r8[n] = 3;\n', 'f(c.r);\n', 'r[2]++;\n', 'r[4] += 1;\n']) {
      expect(synced(rewrite(code)), code).to.equal(true);
    }
  });

  it('a narrow call writes back and reloads only the halves it names; the reloaded ones count as written', () => {
    const rc = new RegCache();
    const out = rc.instr(`r[2] = 1;\n${narrowCall('h();', [8, 9], [4])}\n`, null);
    expect(out).to.equal('$2 = (1) | 0;\nr[8] = $8; r[9] = $9; h(); $4 = r[4];\n');
    expect([...rc.used].sort((a, b) => a - b)).to.deep.equal([2, 4, 8, 9]);
    // $4 may differ from r[4] when the block leaves: the finally writes it back; $8 and $9 only read.
    expect([...rc.written].sort((a, b) => a - b)).to.deep.equal([2, 4]);
    // Code the pass does not understand runs against the register file: the narrow markers go.
    const plain = new RegCache().instr(`f(c.r);\n${narrowCall('h();', [8], [8])}`, null);
    expect(plain).to.include('sy = 1;').and.include('h();').and.not.match(/\u0001[NM]/);
  });

  it('a loop body works on locals: the register file is touched only on entry and exit', () => {
    const mc = program(new Asm().label('top').i('Add_r64_rm64', 'rax', 'rbx').i('Sub_rm32_imm8', 'ecx', 1)
      .i('Jne_rel32_64', L('top')).i('Ud2'), 'compiled');
    const d = new BlockDecoder(new Core(mc.mem)).decodeBlock(CODE_BASE);
    const src = compileBlock(new Block(CODE_BASE, d.end, d.insns, interpret)).toString();
    const body = src.slice(src.indexOf('// 0:'), src.indexOf('// 2:'));
    expect(body).to.include('$0');
    expect(body).not.to.match(/(?<![\w$.])r\[/);
    // Run it: rax += rbx, 5 times.
    const run = new Runner(new Asm().label('top').i('Add_r64_rm64', 'rax', 'rbx').i('Sub_rm32_imm8', 'ecx', 1).i('Jne_rel32_64', L('top')), 'compiled');
    for (let k = 0; k < 6; k++) expect(run.exec({ [RAX]: 1n, [RBX]: 0x1_0000_0003n, [RCX]: 5n }).getReg(RAX)).to.equal(1 + 5 * 0x1_0000_0003);
  });
});
