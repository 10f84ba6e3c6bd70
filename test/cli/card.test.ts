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

describe('a root and an intermediate user-authentication CA (mykey ca init --hierarchy)', () => {
  it('a card of the intermediate logs in when the root is the anchor and the intermediate is configured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mykey-hierarchy-'));
    try {
      const caDir = join(dir, 'ca');
      assert.equal((await runMykey(['ca', 'init', '--dir', caDir, '--hierarchy'])).status, 0);
      const cardPath = join(dir, 'card.json');
      assert.equal((await runMykey(['ca', 'issue-card', '--dir', caDir, '--out', cardPath])).status, 0);
      const origin = 'http://localhost:3000';
      const start = async (env: NodeJS.ProcessEnv) => {
        const config = parseServeConfig(['--port', '0', '--data-dir', join(dir, 'data'), '--origin', origin, '--demo', 'false'], env);
        assert.ok(config.ok);
        return startPlatform(config.value, { logger: false });
      };
      const args = (url: string) => ['card', 'login', '--url', url, '--origin', origin, '--software', cardPath];
      const rootOnly = await start({ MYKEY_TRUST_ANCHORS: join(caDir, 'root.pem') });
      try {
        const refused = await runMykey(args(rootOnly.url), { input: '1234\n' });
        assert.equal(refused.status, 2);
        assert.match(refused.stderr, /certificate_untrusted/);
      } finally {
        await rootOnly.close();
      }
      const withIntermediate = await start({ MYKEY_TRUST_ANCHORS: join(caDir, 'root.pem'), MYKEY_TRUST_INTERMEDIATES: join(caDir, 'ca.pem') });
      try {
        const login = await runMykey(args(withIntermediate.url), { input: '1234\n' });
        assert.equal(login.status, 0, login.stderr);
      } finally {
        await withIntermediate.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
