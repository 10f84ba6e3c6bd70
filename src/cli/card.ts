/**
 * `mykey card …`: the citizen's side of the card from a terminal. `login` signs a platform challenge with a card —
 * in a PC/SC reader (a real reader works exactly like the virtual one) or the in-process software card — and
 * `insert` serves a software card into pcscd's virtual reader (vsmartcard vpcd) so that PC/SC programs see it.
 * The PIN is read from stdin (a prompt without echo on a terminal) or from a file: never from a flag, never logged,
 * and wiped after use.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { CitizenAgent } from '../card/agent.js';
import { softwareCardSource, startCardAgent, type CardSource } from '../card/agent-server.js';
import { InProcessTransport } from '../card/in-process-transport.js';
import { listReaderNames, openPcscTransport } from '../card/pcsc-transport.js';
import { loadSoftwareCard } from '../card/software-card.js';
import { SoftwareJpkiCard } from '../card/software-jpki-card.js';
import { CardError, type CardTransport } from '../card/transport.js';
import { connectVirtualCard, vpcdDefaultPort } from '../card/vpcd.js';
import { defaultCardAgentPort, defaultPortalOrigin } from '../domain/card-agent.js';
import { parseCommandArgs } from './args.js';
import type { Io } from './serve.js';

const usage = `Usage:
  mykey card login --url URL [--origin ORIGIN] (--reader NAME | --any-reader | --software FILE) [--pin-file FILE] [--json]
      Log in to the platform at URL with the card: prints the Mykey ID (with --json also the session token).
      --reader NAME / --any-reader: a card in a PC/SC reader (pcscd); --software FILE: a software card made by
      \`mykey ca issue-card\`, emulated in-process at the APDU level (its PIN is 1234).
      The PIN is asked on the terminal (no echo), or read from the first line of stdin, or from --pin-file.
  mykey card insert --software FILE [--pin-file FILE] [--port N]
      Put a software card into pcscd's virtual reader "Virtual PCD 00 00" (vsmartcard vpcd on 127.0.0.1:${vpcdDefaultPort})
      until interrupted. --pin-file sets the card's PIN (default 1234).
  mykey card readers
      List the PC/SC readers.
  mykey card agent [--portal ORIGIN] (--reader NAME | --any-reader | --software FILE) [--port N]
      The card agent for the portal in a browser (docs/identity.md "The card agent"): listens on
      127.0.0.1:N (default ${defaultCardAgentPort}), answers only ORIGIN (default ${defaultPortalOrigin}), and asks for the PIN in its own page
      (open the URL it prints). --software FILE: a software card (PIN 1234), which its page can take out and put back.

Options:
  --origin  the origin the platform binds card logins to (default: the URL's origin)
  --json    print the result as JSON

Exit codes: 0 done, 1 unexpected error, 2 the platform refused the login, 3 a card or reader error
(pin_wrong, pin_blocked, card_absent, reader_absent, not_a_jpki_card, timeout), 64 usage error.
`;

const exitCode = { ok: 0, unexpected: 1, refused: 2, card: 3, usage: 64 } as const;
const defaultSoftwarePin = '1234';

/** Reads the PIN: a file, else stdin (without echo when it is a terminal). Returns a Buffer the caller wipes. */
async function readPin(pinFile: string | undefined, io: Io): Promise<Buffer> {
  if (pinFile !== undefined) return firstLine(await readFile(pinFile));
  const stdin = process.stdin;
  if (stdin.isTTY) {
    io.stderr.write('PIN (4 digits): ');
    stdin.setRawMode(true);
  }
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stdin) {
      chunks.push(chunk as Buffer);
      if ((chunk as Buffer).includes(0x0a) || (chunk as Buffer).includes(0x0d)) break;
    }
  } finally {
    if (stdin.isTTY) {
      stdin.setRawMode(false);
      io.stderr.write('\n');
    }
    stdin.pause();
  }
  const all = Buffer.concat(chunks);
  for (const chunk of chunks) chunk.fill(0);
  const pin = firstLine(all);
  all.fill(0);
  return pin;
}

function firstLine(bytes: Buffer): Buffer {
  let end = bytes.findIndex((byte) => byte === 0x0a || byte === 0x0d);
  if (end === -1) end = bytes.length;
  return Buffer.from(bytes.subarray(0, end));
}

async function softwareJpkiCard(path: string, pinFile: string | undefined): Promise<SoftwareJpkiCard> {
  const pin = pinFile === undefined ? Buffer.from(defaultSoftwarePin) : firstLine(await readFile(pinFile));
  try {
    return SoftwareJpkiCard.fromSoftwareCard(await loadSoftwareCard(path), { pin: pin.toString('ascii') });
  } finally {
    pin.fill(0);
  }
}

type Values = { portal?: string; url?: string; origin?: string; reader?: string; 'any-reader'?: boolean; software?: string; 'pin-file'?: string; port?: string; json?: boolean };

async function openTransport(values: Values): Promise<CardTransport> {
  if (values.software !== undefined) return new InProcessTransport(await softwareJpkiCard(values.software, undefined));
  return openPcscTransport(values.reader === undefined ? {} : { readerName: values.reader });
}

async function login(values: Values, io: Io): Promise<number> {
  const sources = [values.reader !== undefined, values['any-reader'] === true, values.software !== undefined].filter(Boolean).length;
  if (values.url === undefined || sources !== 1) {
    io.stderr.write(`mykey card login: give --url and one of --reader, --any-reader, --software\n\n${usage}`);
    return exitCode.usage;
  }
  const baseUrl = values.url.replace(/\/$/, '');
  const origin = values.origin ?? new URL(baseUrl).origin;
  const transport = await openTransport(values);
  try {
    const agent = new CitizenAgent(baseUrl, origin, { transport, readPin: () => readPin(values['pin-file'], io) });
    const answer = await agent.login();
    if (answer.status !== 200) {
      io.stderr.write(`mykey card login: refused: ${answer.body?.code ?? answer.status} (${answer.body?.message ?? ''})\n`);
      return exitCode.refused;
    }
    const { mykeyId, personCreated, sessionToken, expiresAt } = answer.body as { mykeyId: string; personCreated: boolean; sessionToken: string; expiresAt: string };
    io.stdout.write(values.json === true ? `${JSON.stringify({ mykeyId, personCreated, sessionToken, expiresAt })}\n` : `${mykeyId}\n`);
    io.stderr.write(personCreated ? 'a new Mykey ID was created for this card\n' : 'logged in to the Mykey ID of this card\n');
    return exitCode.ok;
  } finally {
    await transport.close();
  }
}

const agentVersion = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The card the agent signs with: a software card kept in memory (its PIN tries count), or a PC/SC reader. */
async function agentCardSource(values: Values): Promise<CardSource> {
  if (values.software !== undefined) return softwareCardSource(await softwareJpkiCard(values.software, undefined));
  const readerOptions = values.reader === undefined ? {} : { readerName: values.reader };
  return {
    readerName: values.reader ?? 'PC/SC',
    open: () => openPcscTransport(readerOptions),
    isPresent: async () => {
      try {
        await (await openPcscTransport(readerOptions)).close();
        return true;
      } catch (error) {
        if (error instanceof CardError && error.code === 'card_absent') return false;
        throw error;
      }
    },
  };
}

async function agent(values: Values, io: Io): Promise<number> {
  const sources = [values.reader !== undefined, values['any-reader'] === true, values.software !== undefined].filter(Boolean).length;
  const port = values.port === undefined ? defaultCardAgentPort : Number(values.port);
  let portalOrigin: string | undefined;
  try {
    portalOrigin = new URL(values.portal ?? defaultPortalOrigin).origin;
  } catch {
    portalOrigin = undefined;
  }
  if (portalOrigin === undefined || sources !== 1 || !Number.isInteger(port) || port < 1 || port > 65_535) {
    io.stderr.write(`mykey card agent: give one of --reader, --any-reader, --software\n\n${usage}`);
    return exitCode.usage;
  }
  const running = await startCardAgent({ portalOrigin, source: await agentCardSource(values), port, version: agentVersion });
  io.stdout.write(`card agent for ${portalOrigin} at ${running.url} — its window (where you type the PIN) opens from the portal, or at ${running.url}/\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.close();
  return exitCode.ok;
}

async function insert(values: Values, io: Io): Promise<number> {
  if (values.software === undefined) {
    io.stderr.write(`mykey card insert: give --software FILE\n\n${usage}`);
    return exitCode.usage;
  }
  const card = await softwareJpkiCard(values.software, values['pin-file']);
  const port = values.port === undefined ? vpcdDefaultPort : Number(values.port);
  let connection;
  try {
    connection = await connectVirtualCard(card, { port });
  } catch (error) {
    throw new CardError('reader_absent', `cannot reach vpcd on 127.0.0.1:${port} (is pcscd running with vsmartcard-vpcd?): ${error instanceof Error ? error.message : String(error)}`);
  }
  io.stderr.write(`the software card is in the virtual reader (vpcd port ${port}); Ctrl-C takes it out\n`);
  const stop = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await Promise.race([stop, connection.closed]);
  await connection.close();
  return exitCode.ok;
}

/** `mykey card …`; `argv` holds the arguments after `card`. Returns the exit code. */
export async function cardCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommandArgs(
    'card',
    argv,
    {
      url: { type: 'string' },
      origin: { type: 'string' },
      reader: { type: 'string' },
      'any-reader': { type: 'boolean' },
      software: { type: 'string' },
      portal: { type: 'string' },
      'pin-file': { type: 'string' },
      port: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    usage,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const [subcommand] = parsed.positionals;
  try {
    switch (subcommand) {
      case 'login':
        return await login(parsed.values, io);
      case 'insert':
        return await insert(parsed.values, io);
      case 'agent':
        return await agent(parsed.values, io);
      case 'readers':
        io.stdout.write(`${(await listReaderNames()).join('\n')}\n`);
        return exitCode.ok;
      default:
        io.stderr.write(`mykey card: unknown subcommand "${subcommand}"\n\n${usage}`);
        return exitCode.usage;
    }
  } catch (error) {
    if (error instanceof CardError) {
      const tries = error.triesLeft === undefined ? '' : ` (${error.triesLeft} tries left)`;
      io.stderr.write(`mykey card: ${error.code}${tries}: ${error.message}\n`);
      return exitCode.card;
    }
    io.stderr.write(`mykey card: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCode.unexpected;
  }
}
