/**
 * A running pcscd with vsmartcard's virtual reader, for the tests that go through real PC/SC. Reuses a pcscd that
 * is already running, else starts `pcscd -f` and stops it afterwards. Where pcscd, the vpcd driver or the optional
 * `smartcard` binding is missing, CI (CI=true) fails; elsewhere the tests are skipped and say why (see
 * skipped-groups.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { pcscBindingMissing } from '../../src/card/pcsc-transport.js';
import { skipGroup } from './skipped-groups.js';

const socketPath = '/run/pcscd/pcscd.comm';
const pidPath = '/run/pcscd/pcscd.pid';
const pcscdPaths = ['/usr/sbin/pcscd', '/usr/bin/pcscd'];
const vpcdConfigPath = '/etc/reader.conf.d/vpcd';
/** OpenSC's PKCS#11 module, whose JPKI driver checks the software card independently. */
export const openscModulePath = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';

export interface PcscUnderTest {
  skip: string | false;
  stop(): Promise<void>;
}

function running(): boolean {
  if (!existsSync(socketPath) || !existsSync(pidPath)) return false;
  // pcscd writes the pid followed by a newline and a NUL byte.
  const pid = Number.parseInt(readFileSync(pidPath, 'utf8'), 10);
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

function unavailable(reason: string): PcscUnderTest {
  return { skip: skipGroup('pcsc', reason), stop: async () => undefined };
}

export async function pcscdUnderTest(): Promise<PcscUnderTest> {
  const pcscd = pcscdPaths.find((path) => existsSync(path));
  if (pcscd === undefined) return unavailable('pcscd is not installed');
  if (!existsSync(vpcdConfigPath)) return unavailable('the vpcd virtual reader (vsmartcard-vpcd) is not installed');
  if (!existsSync(openscModulePath)) return unavailable('OpenSC (opensc), the independent check of the card, is not installed');
  const bindingMissing = await pcscBindingMissing();
  if (bindingMissing !== false) return unavailable(bindingMissing);
  if (running()) return { skip: false, stop: async () => undefined };
  // A pcscd killed hard leaves its socket and pid file behind, and a new one refuses to start beside them.
  rmSync(socketPath, { force: true });
  rmSync(pidPath, { force: true });
  const child: ChildProcess = spawn(pcscd, ['-f'], { stdio: 'ignore' });
  if (!(await waitFor(running, 5_000))) {
    child.kill('SIGKILL');
    return unavailable('pcscd did not start');
  }
  return {
    skip: false,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
