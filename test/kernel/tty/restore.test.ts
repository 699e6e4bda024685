/**
 * The host terminal gets its settings back on every way out of the
 * simulator. Each case runs a child Node process on a fresh pseudo-terminal
 * (util-linux `script`), which puts the terminal in raw mode through
 * ProcessTtyHost and then leaves in one particular way; `stty -g` before,
 * during and after tells what happened to the terminal. (Node itself resets
 * the terminal on SIGINT and SIGTERM, but not on SIGHUP or SIGQUIT.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';

const hostModule = new URL('../../../kernel/tty/index.js', import.meta.url).href;

const CHILD = `
import { execFileSync } from 'node:child_process';
import { ProcessTtyHost } from ${JSON.stringify(hostModule)};
const stty = () => execFileSync('stty', ['-g'], { stdio: ['inherit', 'pipe', 'inherit'] }).toString().trim();
const host = new ProcessTtyHost();
if (!host.isTerminal) { console.log('NOT-A-TERMINAL'); process.exit(9); }
host.setRawMode(true);
host.onInput(() => {});
console.log('DURING ' + stty());
const how = process.argv[2];
setTimeout(() => {
  switch (how) {
    case 'exit': process.exit(3);
    case 'throw': throw new Error('simulator bug');
    case 'reject': Promise.reject(new Error('async simulator bug')); break;
    case 'sigterm': process.kill(process.pid, 'SIGTERM'); break;
    case 'sighup': process.kill(process.pid, 'SIGHUP'); break;
    case 'sigint': process.kill(process.pid, 'SIGINT'); break;
    case 'sigquit': process.kill(process.pid, 'SIGQUIT'); break;
    case 'restore': host.restore(); break; // then the event loop empties and Node exits by itself
  }
}, 10);
`;

interface Outcome { before: string; during: string; after: string; status: number; text: string }

function runInPty(dir: string, how: string): Outcome {
  const child = join(dir, 'child.mjs');
  const shell = `stty -g | sed 's/^/BEFORE /'; node ${child} ${how}; echo "STATUS $?"; stty -g | sed 's/^/AFTER /'`;
  const r = spawnSync('script', ['-qec', shell, '/dev/null'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000 });
  const text = (r.stdout ?? '') + (r.stderr ?? '');
  const field = (name: string): string => {
    const line = text.split(/\r?\n/).map((l) => l.replace(/\r/g, '')).find((l) => l.startsWith(name + ' '));
    if (line === undefined) throw new Error(`no ${name} line in the pty output:\n${text}`);
    return line.slice(name.length + 1).trim();
  };
  return { before: field('BEFORE'), during: field('DURING'), after: field('AFTER'), status: Number(field('STATUS')), text };
}

describe('host terminal restore (child process on a pty)', function () {
  this.timeout(120000);
  let dir: string;

  before(() => {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    dir = mkdtempSync(join(tmpdir(), 'nommu-tty-restore-'));
    writeFileSync(join(dir, 'child.mjs'), CHILD);
  });
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  const cases: Array<[string, string, number]> = [
    ['process.exit', 'exit', 3],
    ['an uncaught exception', 'throw', 1],
    ['an unhandled promise rejection', 'reject', 1],
    ['SIGTERM from outside', 'sigterm', 128 + 15],
    ['SIGHUP (the terminal closing)', 'sighup', 128 + 1],
    ['SIGQUIT from outside', 'sigquit', 128 + 3],
    ['SIGINT from outside (raw mode turns ^C into a byte, kill -INT still comes)', 'sigint', 128 + 2],
    ['an orderly restore() and a natural end', 'restore', 0],
  ];
  for (const [what, how, status] of cases) {
    it(`restores the settings after ${what}`, () => {
      const o = runInPty(dir, how);
      expect(o.during, 'raw mode took effect').to.not.equal(o.before);
      expect(o.after, o.text).to.equal(o.before);
      expect(o.status, o.text).to.equal(status);
    });
  }
});
