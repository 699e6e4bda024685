/**
 * Deterministic input data for the CPU suite: pseudo-random binary blobs
 * (for the hashes) and a text of numbered word lines (for gzip, sort and
 * awk). The same seed gives the same bytes on every machine, so outputs can
 * be compared across paths and runs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** xorshift32: small, fast, and the same everywhere. */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

/** `bytes` pseudo-random bytes (rounded up to 4). */
export function randomBlob(bytes: number, seed: number): Uint8Array {
  const rnd = xorshift32(seed);
  const words = new Uint32Array(Math.ceil(bytes / 4));
  for (let i = 0; i < words.length; i++) words[i] = rnd();
  return new Uint8Array(words.buffer, 0, bytes);
}

const WORDS = [
  'alpha', 'beta', 'gamma', 'delta', 'kernel', 'nommu', 'zpoline', 'syscall',
  'trap', 'busybox', 'musl', 'vfork', 'execve', 'tmpfs', 'procfs', 'signal',
];

/** Lines "NNNNNN word word NNN" until about `bytes` bytes: sortable, compressible, and fields for awk. */
export function wordText(bytes: number, seed: number): string {
  const rnd = xorshift32(seed);
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const line = `${String(rnd() % 1000000).padStart(6, '0')} ${WORDS[rnd() & 15]} ${WORDS[(rnd() >>> 8) & 15]} ${rnd() % 1000}\n`;
    parts.push(line);
    size += line.length;
  }
  return parts.join('');
}

export interface DataFile { name: string; bytes: number }

/**
 * Writes the CPU suite's inputs into dir, sizes multiplied by scale. At
 * scale 1 each simulator run takes some seconds and each native run a
 * tenth of a second or more, so process start-up does not dominate.
 */
export function generateData(dir: string, scale: number): DataFile[] {
  const size = (mib: number): number => Math.max(4096, Math.round(mib * scale * (1 << 20) / 4096) * 4096);
  const files: Array<[string, () => Uint8Array | string]> = [
    ['md5.bin', () => randomBlob(size(64), 1)],
    ['sha256.bin', () => randomBlob(size(32), 2)],
    ['gzip.txt', () => wordText(size(4), 3)],
    ['text.txt', () => wordText(size(1), 4)],
  ];
  return files.map(([name, make]) => {
    const data = make();
    writeFileSync(join(dir, name), data);
    return { name, bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.length };
  });
}
