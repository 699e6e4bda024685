/**
 * The userland runs natively on the host (Linux x86-64 with musl's loader):
 * the same binaries the guest runs, as the reference for guest runs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { guestBenchDir, guestTestsDir } from '../../userspace/index.js';
import { inRootfs, requireRootfs } from './helpers.js';

const BUSYBOX = (): string => inRootfs('/bin/busybox');
/** Runs with PATH set to the rootfs's applet links, so the shell finds BusyBox, not host tools. */
const run = (file: string, args: string[], input?: string): string =>
  execFileSync(file, args, {
    encoding: 'utf8', input, env: { PATH: [inRootfs('/bin'), inRootfs('/usr/bin')].join(':') },
  });

const M64 = (1n << 64n) - 1n;

/** The benchmark's PRNG (xorshift64), recomputed here to check its checksums independently. */
function xorshift(seed: bigint): () => bigint {
  let x = seed;
  return () => {
    x ^= (x << 13n) & M64;
    x ^= x >> 7n;
    x ^= (x << 17n) & M64;
    return x;
  };
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const hex64 = (v: bigint): string => `0x${v.toString(16).padStart(16, '0')}`;

describe('userspace: busybox runs natively', () => {
  before(requireRootfs);

  it('echo hi', () => {
    expect(run(BUSYBOX(), ['echo', 'hi'])).to.equal('hi\n');
  });

  it('hush runs arithmetic, loops and pipelines', () => {
    const out = run(BUSYBOX(), ['sh', '-c', 'for i in 1 2 3; do echo $((i * 7)); done | tr "\\n" " "; echo']);
    expect(out).to.equal('7 14 21 \n');
  });

  it('md5sum, sha256sum, seq, sort and awk give the host\'s answers', () => {
    const text = 'the quick brown fox\njumps over the lazy dog\n';
    expect(run(BUSYBOX(), ['md5sum'], text)).to.equal(`${createHash('md5').update(text).digest('hex')}  -\n`);
    expect(run(BUSYBOX(), ['sha256sum'], text)).to.equal(`${createHash('sha256').update(text).digest('hex')}  -\n`);
    expect(run(BUSYBOX(), ['seq', '3'])).to.equal('1\n2\n3\n');
    expect(run(BUSYBOX(), ['sort', '-n'], '10\n9\n100\n')).to.equal('9\n10\n100\n');
    expect(run(BUSYBOX(), ['awk', '{ s += $1 } END { print s }'], '1\n2\n39\n')).to.equal('42\n');
  });
});

describe('userspace: test and benchmark programs run natively', () => {
  before(requireRootfs);

  it('hello prints its greeting, argv and the environment count', () => {
    const out = execFileSync(inRootfs(`${guestTestsDir}/hello`), ['one', 'two words'], {
      encoding: 'utf8', env: { A: '1', B: '2', C: '3' },
    });
    expect(out.split('\n')).to.deep.equal([
      'hello from nommu-um', 'argc=3', `argv[0]=${inRootfs(`${guestTestsDir}/hello`)}`,
      'argv[1]=one', 'argv[2]=two words', 'envc=3', '',
    ]);
  });

  const LAT = (): string => inRootfs(`${guestBenchDir}/lat_syscall`);
  const ROWS = ['syscall', 'getpid', 'read', 'write', 'stat', 'open/close', 'select-10', 'select-100',
    'select-1000', 'vfork+execve', 'vfork+sh'];

  it('lat_syscall lists the rows of the nommu UML table', () => {
    expect(run(LAT(), ['-l']).trim().split('\n')).to.deep.equal(ROWS);
  });

  it('lat_syscall measures every row and prints one machine-readable line each', () => {
    const out = run(LAT(), ['-n', '20', '-w', '2', ...ROWS]).trim().split('\n');
    expect(out).to.have.length(ROWS.length);
    out.forEach((line, i) => {
      const m = /^row=(\S+) iterations=(\d+) warmup=(\d+) total_ns=(\d+) ns_per_op=(\d+)\.(\d{3})$/.exec(line);
      expect(m, line).to.not.equal(null);
      expect(m![1]).to.equal(ROWS[i]);
      expect(Number(m![2])).to.equal(20);
      expect(Number(m![3])).to.equal(2);
      expect(Number(m![4])).to.be.greaterThan(0);
      // ns_per_op is total_ns / iterations in fixed point.
      expect(Number(m![5])).to.equal(Math.floor(Number(m![4]) / 20));
    });
  });

  it('lat_syscall selects on pipes with -p and on any select-N', () => {
    const out = run(LAT(), ['-p', '-n', '5', 'select-10', 'select-7']);
    expect(out).to.match(/^row=select-10 iterations=5 /m);
    expect(out).to.match(/^row=select-7 iterations=5 /m);
  });

  it('lat_syscall rejects an unknown row and a failing exec', () => {
    const bad = spawnSync(LAT(), ['nosuchrow'], { encoding: 'utf8' });
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.contain("unknown row 'nosuchrow'");
    const noexec = spawnSync(LAT(), ['-n', '1', '-w', '0', '-x', '/nonexistent', 'vfork+execve'], { encoding: 'utf8' });
    expect(noexec.status).to.equal(1);
    expect(noexec.stderr).to.contain('vfork+execve');
  });

  it('cpu_kernels gives checksums that an independent computation agrees with', () => {
    const out = run(inRootfs(`${guestBenchDir}/cpu_kernels`), []);
    const sums = new Map([...out.matchAll(/^kernel=(\S+) rounds=1 checksum=(0x[0-9a-f]{16})$/gm)].map((m) => [m[1], m[2]]));
    expect([...sums.keys()]).to.deep.equal(['crc32', 'sort', 'fib', 'matmul', 'hash']);

    const rnd1 = xorshift(1n);
    const buf = Buffer.alloc(64 * 1024);
    for (let i = 0; i < buf.length; i += 8) buf.writeBigUInt64LE(rnd1(), i);
    expect(sums.get('crc32')).to.equal(hex64(BigInt(crc32(buf))));

    const rnd2 = xorshift(2n);
    const values = Array.from({ length: 8192 }, () => Number(rnd2() & 0xffffffffn)).sort((a, b) => a - b);
    let sorted = 0n;
    for (const v of values) sorted = (sorted * 31n + BigInt(v)) & M64;
    expect(sums.get('sort')).to.equal(hex64(sorted));

    let a = 0n;
    let b = 1n;
    for (let i = 0; i < 200000; i++) [a, b] = [b, (a + b) & M64];
    expect(sums.get('fib')).to.equal(hex64(b ^ (17711n << 32n)));

    let total = 0n;
    for (const v of sums.values()) total = (((total << 11n) | (total >> 53n)) & M64) ^ BigInt(v);
    expect(out.trim().split('\n').at(-1)).to.equal(`checksum=${hex64(total)}`);
  });

  it('cpu_kernels runs the fp kernel on request and repeats rounds deterministically', () => {
    const once = run(inRootfs(`${guestBenchDir}/cpu_kernels`), ['fp', 'crc32']);
    expect(once).to.match(/^kernel=crc32 rounds=1 checksum=0x[0-9a-f]{16}\nkernel=fp rounds=1 checksum=0x[0-9a-f]{16}\n/);
    expect(run(inRootfs(`${guestBenchDir}/cpu_kernels`), ['fp', 'crc32'])).to.equal(once);
    const crc = BigInt(/kernel=crc32 rounds=1 checksum=(0x[0-9a-f]+)/.exec(once)![1]);
    // Two rounds: rotl(rotl(0, 7) ^ k, 7) ^ k.
    const two = (((crc << 7n) | (crc >> 57n)) & M64) ^ crc;
    expect(run(inRootfs(`${guestBenchDir}/cpu_kernels`), ['-r', '2', 'crc32'])).to.contain(`checksum=${hex64(two)}`);
  });
});
