/**
 * Durability through the whole simulator (issue 6): fs_fsync_kill, run by
 * the compiled `nommu-um run` in a child process, writes a journal on a
 * --bind mounted host directory, fsyncs it and says so; the test then kills
 * the simulator with SIGKILL and finds every fsync'd record on the host.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { PATHS, testProgram } from './guest.js';

/** The compiled CLI in the same output directory as this compiled test. */
const CLI = fileURLToPath(new URL('../../cli/index.js', import.meta.url));

/** The records fs_fsync_kill writes and fsyncs before it reports. */
const SYNCED = Array.from({ length: 100 }, (_, i) => `record ${String(i).padStart(3, '0')} fsync'd\n`).join('');

describe('kernel: fsync\'d data survives a SIGKILL of the simulator', function () {
  this.timeout(120_000);

  for (const path of PATHS) {
    it(`--syscall-path ${path}: the fsync'd journal is on the host after kill -9`, async () => {
      const dir = fs.mkdtempSync(join(tmpdir(), 'nommu-guest-durability-'));
      try {
        const child = spawn(process.execPath, [CLI, 'run', '--syscall-path', path, '--bind', `${dir}:/data`, '--',
          testProgram('fs_fsync_kill'), '/data'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '', err = '';
        child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
        const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
          child.on('exit', (code, signal) => resolve({ code, signal }));
        });
        // The marker line, or the simulator ending before it (a failure, reported with its output).
        const marker = await new Promise<string | null>((resolve) => {
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            const m = /^synced (\d+)\n/m.exec(out);
            if (m !== null) resolve(m[1]);
          });
          void exited.then(() => resolve(null));
        });
        expect(marker, `the guest reports its fsync (stdout: ${out}, stderr: ${err})`).to.equal(String(SYNCED.length));
        child.kill('SIGKILL');
        const end = await exited;
        expect(end.signal).to.equal('SIGKILL');
        const data = fs.readFileSync(join(dir, 'journal'), 'latin1');
        expect(data.slice(0, SYNCED.length)).to.equal(SYNCED);
        // Writes reach the host as they happen, so the unsynced tail is there too (it need not be).
        expect(data.slice(SYNCED.length)).to.be.oneOf(['', "record 100 not fsync'd\n"]);
        expect(out).to.not.contain('FAIL');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
