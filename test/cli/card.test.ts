// Ensures `mykey card login` logs a software card (emulated at the APDU level) into a running platform as a
// person would: the PIN comes from stdin, never a flag; the same card reaches the same Mykey ID; a wrong PIN is
// a card error with the tries left and exit code 3. How: the platform runs in this process, the command as a child.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseServeConfig } from '../../src/cli/config.js';
import { startPlatform, type RunningPlatform } from '../../src/cli/platform.js';
import { parseMykeyId } from '../../src/domain/mykey-id.js';
import { runMykey } from '../helpers/run-cli.js';

describe('mykey card login with a software card', () => {
  let dir: string;
  let platform: RunningPlatform;
  let cardPath: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mykey-card-cli-'));
    const config = parseServeConfig(['--port', '0', '--data-dir', dir, '--origin', 'http://localhost:3000', '--demo', 'false', '--log-level', 'silent'], {});
    assert.ok(config.ok);
    platform = await startPlatform(config.value, { logger: false });
    cardPath = join(dir, 'card.json');
    const issued = await runMykey(['ca', 'issue-card', '--dir', join(dir, 'test-ca'), '--out', cardPath]);
    assert.equal(issued.status, 0, issued.stderr);
  });

  after(async () => {
    await platform.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in with the PIN from stdin, twice to the same Mykey ID', async () => {
    const args = ['card', 'login', '--url', platform.url, '--origin', 'http://localhost:3000', '--software', cardPath, '--json'];
    const first = await runMykey(args, { input: '1234\n' });
    assert.equal(first.status, 0, first.stderr);
    const login = JSON.parse(first.stdout) as { mykeyId: string; personCreated: boolean; sessionToken: string };
    assert.ok(parseMykeyId(login.mykeyId).ok);
    assert.equal(login.personCreated, true);
    assert.ok(!first.stderr.includes('1234'), 'the PIN is never echoed');
    const second = await runMykey(args.slice(0, -1), { input: '1234\n' });
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout.trim(), login.mykeyId);
  });

  it('a wrong PIN is a card error with the tries left; a PIN flag does not exist', async () => {
    const wrong = await runMykey(['card', 'login', '--url', platform.url, '--origin', 'http://localhost:3000', '--software', cardPath], { input: '9999\n' });
    assert.equal(wrong.status, 3);
    assert.match(wrong.stderr, /^mykey card: pin_wrong \(2 tries left\)/);
    const flag = await runMykey(['card', 'login', '--url', platform.url, '--software', cardPath, '--pin', '1234']);
    assert.equal(flag.status, 64);
  });

  it('the platform refusing the login (an origin it does not serve) is exit code 2', async () => {
    const refused = await runMykey(['card', 'login', '--url', platform.url, '--origin', 'https://phishing.example', '--software', cardPath], { input: '1234\n' });
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /signature_invalid/);
  });
});
