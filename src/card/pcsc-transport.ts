/**
 * The card transport over PC/SC (pcscd on Linux, WinSCard on Windows, CryptoTokenKit on macOS) through the
 * `smartcard` package. That package is an optional dependency with a native part (it needs libpcsclite-dev to
 * build), loaded only when a reader is asked for: everything else, the software card included, works without it.
 * Unlike bindings that loop while pcscd is down, it fails at once when the service is not running.
 */
import { cardCommandTimeoutMs } from '../domain/limits.js';
import { CardError, withTimeout, type CardTransport } from './transport.js';

interface PcscCard {
  transmit(command: Buffer, options?: { autoGetResponse?: boolean }): Promise<Buffer>;
  getStatus(): { atr: Buffer };
  reconnect(shareMode?: number, protocol?: number, init?: number): Promise<number>;
  disconnect(disposition?: number): void;
}

interface PcscReader {
  readonly name: string;
  readonly atr: Buffer | null;
  connect(shareMode?: number, protocol?: number): Promise<PcscCard>;
}

interface PcscModule {
  Context: new () => { listReaders(): PcscReader[]; close(): void };
  SCARD_SHARE_SHARED: number;
  SCARD_PROTOCOL_T0: number;
  SCARD_PROTOCOL_T1: number;
  SCARD_LEAVE_CARD: number;
  SCARD_RESET_CARD: number;
}

/**
 * The package name in a variable, not a literal: the compiler then leaves the import alone, so the project builds
 * where npm dropped the optional binding (no PC/SC headers), and `PcscModule` above is the one type it is used by.
 */
const pcscPackage: string = 'smartcard';

/** What to do so that PC/SC works here, in one line (the binding is missing or failed to build). */
function installHint(): string {
  return process.platform === 'linux'
    ? 'PC/SC reader support is not installed: run `sudo apt-get install pcscd libpcsclite-dev`, then `npm install` again (it builds the optional smartcard binding)'
    : 'PC/SC reader support is not installed: run `npm install` again (the optional smartcard binding did not build)';
}

async function loadPcsc(): Promise<PcscModule> {
  try {
    const module = (await import(pcscPackage)) as PcscModule & { default?: PcscModule };
    return module.default ?? module;
  } catch {
    throw new CardError('reader_absent', installHint());
  }
}

/** False where the PC/SC binding loads; else the one line saying what to install (for a skipped test, say). */
export async function pcscBindingMissing(): Promise<string | false> {
  try {
    await loadPcsc();
    return false;
  } catch (error) {
    return error instanceof CardError ? error.message : String(error);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A PC/SC context; the binding throws at once when the service is not running. */
function openContext(pcsc: PcscModule): InstanceType<PcscModule['Context']> {
  try {
    return new pcsc.Context();
  } catch (error) {
    throw new CardError('reader_absent', `PC/SC is not available (${describe(error)}): start pcscd (\`sudo systemctl start pcscd\`, or \`sudo pcscd\`)`);
  }
}

/** Reader names, for `mykey card readers` and error messages. Throws CardError reader_absent. */
export async function listReaderNames(): Promise<string[]> {
  const context = openContext(await loadPcsc());
  try {
    return context.listReaders().map((reader) => reader.name);
  } finally {
    context.close();
  }
}

/**
 * Opens the card in the named reader, or in the first reader holding a card. A command the card does not answer
 * within `commandTimeoutMs` fails with CardError timeout.
 * Throws CardError reader_absent (no PC/SC, no reader of that name) or card_absent (no card in it).
 */
export async function openPcscTransport(options: { readerName?: string; commandTimeoutMs?: number } = {}): Promise<CardTransport> {
  const commandTimeoutMs = options.commandTimeoutMs ?? cardCommandTimeoutMs;
  const pcsc = await loadPcsc();
  const context = openContext(pcsc);
  const readers = context.listReaders();
  const reader = options.readerName === undefined ? (readers.find((r) => r.atr !== null) ?? readers[0]) : readers.find((r) => r.name === options.readerName);
  if (reader === undefined) {
    context.close();
    throw new CardError('reader_absent', options.readerName === undefined ? 'no card reader found' : `no reader named "${options.readerName}" (${readers.map((r) => r.name).join(', ')})`);
  }
  let card: PcscCard;
  try {
    card = await reader.connect(pcsc.SCARD_SHARE_SHARED, pcsc.SCARD_PROTOCOL_T0 | pcsc.SCARD_PROTOCOL_T1);
  } catch (error) {
    context.close();
    throw new CardError('card_absent', `no card in "${reader.name}": ${describe(error)}`);
  }
  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await withTimeout(work(), commandTimeoutMs, () => new CardError('timeout', `the card in "${reader.name}" did not answer within ${commandTimeoutMs} ms`));
    } catch (error) {
      if (error instanceof CardError) throw error;
      throw new CardError('card_absent', `the card in "${reader.name}" stopped answering: ${describe(error)}`);
    }
  };
  return {
    atr: async () => card.getStatus().atr,
    // The JPKI client handles 61xx / 6Cxx itself, so the raw answer is passed through.
    transmit: (command) => guarded(() => card.transmit(command, { autoGetResponse: false })),
    reset: () => guarded(async () => void (await card.reconnect(pcsc.SCARD_SHARE_SHARED, pcsc.SCARD_PROTOCOL_T0 | pcsc.SCARD_PROTOCOL_T1, pcsc.SCARD_RESET_CARD))),
    // Leave the card as it is: the JPKI client has already dropped the PIN state by re-selecting the applet, and a
    // reset here would be a synchronous round trip to the card (which deadlocks when the card is served by this
    // very process, as the virtual card is in tests).
    close: async () => {
      try {
        card.disconnect(pcsc.SCARD_LEAVE_CARD);
      } finally {
        context.close();
      }
    },
  };
}
