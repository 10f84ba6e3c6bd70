/**
 * A CardTransport straight into a SoftwareJpkiCard, for unit tests and development without pcscd: the same
 * interface a PC/SC reader implements, with no daemon and no socket.
 */
import { CardError } from './transport.js';
import type { CardTransport } from './transport.js';
import type { SoftwareJpkiCard } from './software-jpki-card.js';

/**
 * Wraps a software JPKI card. `remove()` simulates pulling the card out of the reader (the card loses power);
 * `insert()` puts it back. After `close()` or `remove()`, every call rejects with CardError `card_absent`.
 *
 * @example
 * const transport = new InProcessTransport(new SoftwareJpkiCard({ authCertificateDer, authPrivateKey }));
 * const certificateDer = await readAuthCertificate(transport);
 */
export class InProcessTransport implements CardTransport {
  private present = true;
  private closed = false;

  constructor(private readonly card: SoftwareJpkiCard) {}

  async atr(): Promise<Buffer> {
    this.assertPresent();
    return this.card.atr();
  }

  async transmit(command: Buffer): Promise<Buffer> {
    this.assertPresent();
    return this.card.process(command);
  }

  async reset(): Promise<void> {
    this.assertPresent();
    this.card.reset();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Simulates pulling the card out: it loses power, so its volatile state is gone. */
  remove(): void {
    if (this.present) this.card.powerOff();
    this.present = false;
  }

  /** Puts the card back (powered on afresh). */
  insert(): void {
    this.present = true;
  }

  private assertPresent(): void {
    if (this.closed || !this.present) throw new CardError('card_absent', 'no card in the reader');
  }
}
