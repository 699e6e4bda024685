import { expect } from 'chai';
import iced from 'iced-x86';
import { GuestMemory, MemoryFault, PERM_X } from '../../cpu/memory.js';
import {
  CALL_RAX, GATE_ADDRESS, GATE_OPCODE, PAGE_SIZE, SLED_LENGTH, SYSCALL_OPCODE, SYSENTER_OPCODE, buildPageZero,
  installPageZero,
} from '../../trampoline/index.js';

const { Code, Decoder, DecoderOptions, Encoder, Instruction, Register } = iced;

/** Decodes `bytes` at `at` with iced: [code, length]. */
function decodeAt(bytes: Uint8Array, at: number): [number, number] {
  const d = new Decoder(64, bytes.subarray(at), DecoderOptions.None);
  const i = d.decode();
  const r: [number, number] = [i.code, i.length];
  i.free();
  d.free();
  return r;
}

describe('trampoline: page 0', () => {
  const page = buildPageZero();

  it('is one page: the sled decodes as 512 one-byte nops, then the gate, then int3 filler', () => {
    expect(page.length).to.equal(PAGE_SIZE);
    const d = new Decoder(64, page, DecoderOptions.None);
    const instr = new Instruction();
    let nops = 0;
    for (let pos = 0; pos < SLED_LENGTH; pos++) {
      d.decodeOut(instr);
      if (instr.code === Code.Nopd && instr.length === 1) nops++;
    }
    instr.free();
    d.free();
    expect(nops).to.equal(SLED_LENGTH);
    expect([...page.subarray(GATE_ADDRESS, GATE_ADDRESS + 2)]).to.deep.equal([...GATE_OPCODE]);
    for (let a = GATE_ADDRESS + 2; a < PAGE_SIZE; a++) {
      if (a === GATE_ADDRESS + 2 || a === PAGE_SIZE - 1) expect(decodeAt(page, a)).to.deep.equal([Code.Int3, 1]);
      expect(page[a]).to.equal(page[GATE_ADDRESS + 2]);
    }
  });

  it('every syscall number 0..511 enters the sled on an instruction boundary and slides to the gate', () => {
    for (const n of [0, 1, 60, 231, 435, SLED_LENGTH - 1]) {
      let pc = n;
      while (pc < GATE_ADDRESS) {
        const [code, len] = decodeAt(page, pc);
        expect(code).to.equal(Code.Nopd);
        pc += len;
      }
      expect(pc).to.equal(GATE_ADDRESS);
    }
  });

  it('uses a gate opcode that real x86-64 leaves undefined', () => {
    expect(decodeAt(page, GATE_ADDRESS)[0]).to.equal(Code.INVALID);
  });

  it('agrees with iced on the rewrite constants: call *%rax, syscall and sysenter', () => {
    const enc = new Encoder(64);
    const call = Instruction.createReg(Code.Call_rm64, Register.RAX);
    enc.encode(call, 0n);
    expect([...enc.takeBuffer()]).to.deep.equal([...CALL_RAX]);
    call.free();
    enc.free();
    expect(decodeAt(Uint8Array.from(SYSCALL_OPCODE), 0)).to.deep.equal([Code.Syscall, 2]);
    expect(decodeAt(Uint8Array.from(SYSENTER_OPCODE), 0)).to.deep.equal([Code.Sysenter, 2]);
  });

  it('installs execute-only at address 0: NULL data accesses fault', () => {
    const mem = new GuestMemory(1 << 20);
    installPageZero(mem);
    expect([...mem.u8.subarray(0, PAGE_SIZE)]).to.deep.equal([...page]);
    expect(mem.perm[0]).to.equal(PERM_X);
    expect(() => mem.readU8(0)).to.throw(MemoryFault);
    expect(() => mem.writeU8(8, 1)).to.throw(MemoryFault);
    expect(mem.check(0, 1, PERM_X)).to.equal(true);
  });
});
