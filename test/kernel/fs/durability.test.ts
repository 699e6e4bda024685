/**
 * Data the guest wrote and fsync'd survives a SIGKILL of the whole
 * simulator process: writes go through to the host file, and fsync also
 * forces the ownership records out.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Vfs } from '../../../kernel/fs/index.js';
import { FakeTask, Sandbox } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('kernel/fs durability', () => {
  let sb: Sandbox;
  beforeEach(() => { sb = new Sandbox(); });
  afterEach(() => sb.cleanup());

  it('keeps what a guest wrote and fsync’d when the simulator is killed with SIGKILL', async () => {
    const vfsUrl = pathToFileURL(path.join(here, '../../../kernel/fs/index.js')).href;
    const helpersUrl = pathToFileURL(path.join(here, 'helpers.js')).href;
    const script = `
      import { Vfs } from ${JSON.stringify(vfsUrl)};
      import { FakeTask, O } from ${JSON.stringify(helpersUrl)};
      const vfs = new Vfs({ root: ${JSON.stringify(sb.root)} });
      const t = new FakeTask(vfs);
      const fd = t.open('/home/user/journal', O.CREAT | O.WRONLY | O.APPEND, 0o600);
      for (let i = 0; i < 100; i++) t.write(fd, 'record ' + i + '\\n');
      t.sys('chown', t.str('/home/user/journal'), 4242, 4242);
      if (t.sys('fsync', fd) !== 0) process.exit(3);
      process.stdout.write('ready\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    child.removeAllListeners('exit');
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, sig) => resolve(sig)));
    child.kill('SIGKILL');
    expect(await exited).to.equal('SIGKILL');
    const data = fs.readFileSync(path.join(sb.root, 'home/user/journal'), 'utf8');
    expect(data.split('\n').filter((l) => l !== '').length).to.equal(100);
    expect(data.endsWith('record 99\n')).to.equal(true);
    const t = new FakeTask(new Vfs({ root: sb.root }));
    expect(t.stat('/home/user/journal')).to.include({ uid: 4242, gid: 4242, mode: 0o100600 });
    fs.rmSync(sb.root + '.meta.json', { force: true });
  });
});
