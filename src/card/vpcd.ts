/**
 * Puts a software card into a real PC/SC reader: vsmartcard's vpcd driver (loaded by pcscd) listens on TCP and a
 * virtual card connects to it as a client. Every message is a 2-byte big-endian length and a payload; a 1-byte
 * payload is a control message (0 power off, 1 power on, 2 reset, 4 send the ATR), anything longer is a command
 * APDU answered by the response APDU. Then pcscd, OpenSC and any PC/SC program see a card in "Virtual PCD 00 00".
 * Only loopback is accepted: a virtual card must never be offered to another machine.
 */
import { connect, isIPv4, type Socket } from 'node:net';

/** What vpcd needs of a card; the APDU-level software JPKI card implements it. */
export interface VirtualCard {
  atr(): Buffer;
  process(command: Buffer): Buffer;
  reset(): void;
  powerOff(): void;
}

export const vpcdDefaultPort = 0x8c7b; // 35963, CHANNELID of /etc/reader.conf.d/vpcd

const controlPowerOff = 0x00;
const controlPowerOn = 0x01;
const controlReset = 0x02;
const controlAtr = 0x04;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIPv4(host) && host.startsWith('127.'));
}

function answer(card: VirtualCard, payload: Buffer): Buffer | undefined {
  if (payload.length !== 1) return card.process(payload);
  switch (payload[0]) {
    case controlPowerOff:
      card.powerOff();
      return undefined;
    case controlPowerOn:
    case controlReset:
      card.reset();
      return undefined;
    case controlAtr:
      return card.atr();
    default:
      return undefined;
  }
}

function frame(payload: Buffer): Buffer {
  const header = Buffer.alloc(2);
  header.writeUInt16BE(payload.length);
  return Buffer.concat([header, payload]);
}

export interface VirtualCardConnection {
  /** Takes the card out of the reader (closes the connection). */
  close(): Promise<void>;
  /** Resolves when the connection has ended, for whatever reason. */
  closed: Promise<void>;
}

/**
 * Connects the card to vpcd at host:port (loopback only) and serves it until closed.
 *
 * @example
 * const inserted = await connectVirtualCard(card); // pcscd now shows a card in "Virtual PCD 00 00"
 * await inserted.close();                         // … and now it is removed
 */
export async function connectVirtualCard(card: VirtualCard, options: { host?: string; port?: number } = {}): Promise<VirtualCardConnection> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) throw new Error(`vpcd must be on loopback, not ${host}`);
  const socket: Socket = connect({ host, port: options.port ?? vpcdDefaultPort });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
      const length = pending.readUInt16BE(0);
      const payload = pending.subarray(2, 2 + length);
      pending = pending.subarray(2 + length);
      const response = answer(card, Buffer.from(payload));
      if (response !== undefined) socket.write(frame(response));
    }
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => socket.destroy());
  return {
    closed,
    close: async () => {
      socket.end();
      socket.destroy();
      await closed;
    },
  };
}
