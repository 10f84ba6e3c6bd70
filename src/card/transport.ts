/**
 * How the card client talks to a card: one command APDU in, one response APDU (data ‖ SW1 SW2) out. A PC/SC reader
 * (through pcscd), the in-process software card, and any test double implement the same interface.
 */
import type { CardErrorCode } from '../domain/card-agent.js';

/** Failures of the card and reader, as the citizen's agent reports them (JPKI.md §8, client side; the codes: src/domain/card-agent.ts). */
export type { CardErrorCode };

export class CardError extends Error {
  constructor(
    readonly code: CardErrorCode,
    message: string,
    /** For pin_wrong: the tries left on the card. */
    readonly triesLeft?: number,
  ) {
    super(message);
    this.name = 'CardError';
  }
}

export interface CardTransport {
  /** The card's answer to reset. */
  atr(): Promise<Buffer>;
  /** Sends one command APDU and returns the response APDU; throws CardError card_absent, reader_absent or timeout. */
  transmit(command: Buffer): Promise<Buffer>;
  /** Warm reset: volatile card state (selected files, verified PINs) is cleared; PIN counters are not. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The work's result, or the error `onTimeout` makes when it takes longer than `timeoutMs` (a silent card or reader).
 *
 * @example
 * await withTimeout(card.transmit(apdu), 15_000, () => new CardError('timeout', 'the card did not answer'));
 */
export async function withTimeout<T>(work: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
