/**
 * End to end on a real terminal: `nommu-um boot` in a tmux pane (120x40)
 * shows a hush prompt, runs commands, does job control, lets Ctrl-C
 * interrupt a foreground `sleep 100` while the shell survives, and on
 * `exit` gives the host terminal back exactly as it was (`stty -a` in the
 * same pane before and after). Every wait polls capture-pane with a bound;
 * no assertion depends on timing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

/** The CLI of the same build as this test (dist/ under npm test). */
const cli = fileURLToPath(new URL('../../../cli/index.js', import.meta.url));
const socket = `nommu-um-test-${process.pid}`;
const target = 'boot';

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
}

/** The whole pane, scrollback included, wrapped lines joined. */
function screen(): string {
  return tmux('capture-pane', '-p', '-J', '-t', target, '-S', '-', '-E', '-');
}

function keys(...k: string[]): void { tmux('send-keys', '-t', target, ...k); }
function line(s: string): void { keys('-l', s); keys('Enter'); }

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls the pane until `test` finds what it wants; fails with the screen after `ms`. */
async function waitFor<T>(what: string, ms: number, test: (s: string) => T | null | false): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const s = screen();
    const r = test(s);
    if (r !== null && r !== false) return r;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}; the pane shows:\n${s}`);
    await pause(200);
  }
}

/** Output between the last occurrence of a command's echo and its marker line (markers are computed by the shell, so the typed command does not contain them). */
let seq = 0;
async function run(cmd: string, ms = 120_000): Promise<string> {
  const n = ++seq;
  line(`${cmd}; echo M-$((${n}+1000))`);
  const marker = `M-${n + 1000}`;
  return waitFor(`the output of '${cmd}'`, ms, (s) => {
    const lines = s.split('\n');
    const end = lines.findIndex((l) => l.trim() === marker);
    if (end < 0) return null;
    let start = end;
    while (start > 0 && !lines[start].includes(`${cmd}; echo M-$((${n}+1000))`)) start--;
    return lines.slice(start + 1, end).join('\n');
  });
}

/** The last non-empty line is a guest prompt (PS1 '\\u@\\h:\\w\\$ ' ends in '# '; the host shell's is 'HOST> '). */
const promptAtEnd = (s: string): boolean => {
  const last = s.replace(/\s+$/, '').split('\n').pop() ?? '';
  return /[#$]$/.test(last) && !last.startsWith('HOST>');
};

describe('nommu-um boot under tmux', function () {
  this.timeout(900_000);
  let dir: string;

  before(() => {
    try {
      execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    } catch {
      throw new Error('tmux is missing: install the Debian package tmux (the project setup installs it)');
    }
    dir = mkdtempSync(join(tmpdir(), 'nommu-boot-tmux-'));
    tmux('new-session', '-d', '-s', target, '-x', '120', '-y', '40', 'env', 'PS1=HOST> ', 'sh');
    tmux('set-option', '-t', target, 'history-limit', '20000');
  });

  after(() => {
    try { tmux('kill-server'); } catch { /* already gone */ }
    rmSync(dir, { recursive: true, force: true });
  });

  it('boots to a prompt, runs commands and job control, survives Ctrl-C, and restores the terminal on exit', async () => {
    const before = join(dir, 'before.txt');
    const after = join(dir, 'after.txt');
    line(`stty -a > ${before}; node ${cli} boot; echo "BOOT-EXIT $?"; stty -a > ${after}`);

    await waitFor('the guest prompt', 300_000, (s) => {
      if (/^BOOT-EXIT/m.test(s)) throw new Error(`nommu-um boot ended before showing a prompt:\n${s}`);
      return promptAtEnd(s);
    });

    // While the guest runs, the pane's terminal is in raw mode: the guest does the editing.
    const paneTty = tmux('display-message', '-p', '-t', target, '#{pane_tty}').trim();
    const during = execFileSync('stty', ['-F', paneTty, '-a'], { encoding: 'utf8' });
    expect(during).to.match(/-icanon/);
    expect(during).to.match(/-echo\b/);

    const ls = await run('ls -l /');
    for (const d of ['bin', 'dev', 'etc', 'proc', 'tmp']) expect(ls).to.match(new RegExp(`^d.* ${d}$`, 'm'));

    const status = await run('cat /proc/self/status');
    expect(status).to.match(/^Name:\s+cat$/m);
    expect(status).to.match(/^State:\s+R/m);
    expect(status).to.match(/^Pid:\s+\d+$/m);

    // sort -r compares text, so 999 comes before 1000 (as natively)
    const sorted = await run('seq 1 1000 | sort -r | head -3');
    expect(sorted.trim().split(/\s*\n\s*/)).to.deep.equal(['999', '998', '997']);

    line('sleep 100 &');
    const jobs = await run('jobs');
    expect(jobs).to.match(/\[1\].*Running.*sleep 100/);
    await run('kill %1');
    // The shell reports the job's end at a later prompt; ask until it is gone.
    let gone = false;
    for (let i = 0; i < 20 && !gone; i++) gone = !/Running.*sleep 100/.test(await run('jobs'));
    expect(gone, 'kill %1 ended the background sleep').to.equal(true);

    // Ctrl-C interrupts a foreground sleep; the shell stays. The marker shows the
    // shell reached the command; a ^C that lands before the job owns the terminal
    // is sent again (bounded).
    const n = ++seq;
    line(`echo S-$((${n}+2000)); sleep 100`);
    await waitFor('the sleep to start', 120_000, (s) => s.split('\n').some((l) => l.trim() === `S-${n + 2000}`));
    let interrupted = false;
    for (let i = 0; i < 6 && !interrupted; i++) {
      keys('C-c');
      interrupted = await waitFor('a prompt after Ctrl-C', 15_000, (s) => {
        const tail = s.slice(s.lastIndexOf(`S-${n + 2000}`));
        return tail.includes('^C') && promptAtEnd(tail);
      }).then(() => true, () => false);
    }
    expect(interrupted, 'Ctrl-C ended sleep 100 and the prompt came back').to.equal(true);
    expect((await run('echo still-$((40+2))')).trim()).to.equal('still-42');

    line('exit');
    const code = await waitFor('nommu-um to exit', 120_000, (s) => /^BOOT-EXIT (\d+)$/m.exec(s)?.[1] ?? null);
    expect(code).to.equal('0');
    await waitFor('stty -a after the exit', 30_000, () => {
      try { return readFileSync(after, 'utf8').length > 0; } catch { return false; }
    });
    expect(readFileSync(after, 'utf8')).to.equal(readFileSync(before, 'utf8'));
  });
});
