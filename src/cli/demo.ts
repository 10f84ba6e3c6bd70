/**
 * `mykey demo`: the story of DESIGN.md §2, end to end over HTTP, with a short readable report. A test CA issues
 * three software cards; three citizens create Mykey IDs and bind accounts at two providers; the providers report
 * payments, top-ups, a refund and a retried event, then read and acknowledge their grants. Runs against an
 * in-process platform in a temporary directory, or against a running one (`--url`, `--data-dir`).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CitizenAgent, OperatorClient, type ApiAnswer } from '../card/agent.js';
import { createSoftwareCard } from '../card/software-card.js';
import { loadTestCa, type TestCa } from '../identity/test-ca.js';
import { ProviderClient, startDemoProviderServer, type DemoAccount, type ReportedEvent } from '../provider-sim/demo-provider.js';
import type { SigningKey } from '../http/signed-fetch.js';
import { parseServeConfig } from './config.js';
import { startPlatform } from './platform.js';
import type { Io } from './serve.js';

const usage = `Usage: mykey demo [--url URL --data-dir DIR] [--origin ORIGIN] [--json]

Runs the whole Mykey story and prints a report. Without --url it starts its own platform (embedded store in a
temporary directory, removed afterwards). With --url it runs against a running development platform and reads
the test CA and operator token from its --data-dir (default ./data; MYKEY_OPERATOR_TOKEN overrides).
  --origin  the origin the platform binds card logins to (default http://localhost:3000 with --url)
  --json    print the report as JSON
`;

interface Person {
  label: string;
  agent: CitizenAgent;
  mykeyId?: string;
  service?: string;
  notes: string[];
}

interface DemoProvider {
  id: string;
  serviceId: string;
  client: ProviderClient;
  close(): Promise<unknown>;
}

function expectStatus(answer: Pick<ApiAnswer, 'status' | 'body'>, status: number, what: string): void {
  if (answer.status !== status) throw new Error(`${what}: expected HTTP ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`);
}

async function registerProvider(operator: OperatorClient, baseUrl: string, id: string, name: string, accounts: DemoAccount[]): Promise<DemoProvider> {
  let key: SigningKey | undefined;
  const server = await startDemoProviderServer({ accounts, key: () => key });
  const serviceId = `${id}-main`;
  expectStatus(await operator.post('/v1/operator/providers', { id, name, verifyUrl: server.verifyUrl, services: [{ id: serviceId, name }] }), 201, `register ${id}`);
  const issued = await operator.post(`/v1/operator/providers/${id}/keys`, {});
  expectStatus(issued, 201, `key for ${id}`);
  key = { keyId: issued.body.keyId, secret: Buffer.from(issued.body.secret, 'base64') };
  return { id, serviceId, client: new ProviderClient(baseUrl, key), close: () => server.app.close() };
}

function at(offsetMinutes: number): string {
  return new Date(Date.now() + offsetMinutes * 60_000).toISOString();
}

interface Report {
  campaignId: string;
  people: Array<{ label: string; mykeyId: string | undefined; service: string | undefined; eligibleYen: number; points: number; notes: string[] }>;
  providers: Array<{ id: string; grantsRead: number; pointsNet: number; acknowledged: number }>;
}

async function runStory(baseUrl: string, origin: string, ca: TestCa, operator: OperatorClient, log: (line: string) => void): Promise<Report> {
  const tag = randomBytes(3).toString('hex');
  const campaignId = `demo-${tag}`;
  log(`operator: campaign ${campaignId} from the Mynapoint 2020 rules (25 %, cap 5,000), open now`);
  expectStatus(await operator.post('/v1/operator/campaigns', { preset: 'mynapoint-2020-now', id: campaignId }), 201, 'create campaign');

  const wallet = await registerProvider(operator, baseUrl, `wallet-${tag}`, 'Demo Wallet (prepaid)', [
    { accountRef: 'W-1001', securityCode: '1111' },
    { accountRef: 'W-1002', securityCode: '3333' },
  ]);
  const card = await registerProvider(operator, baseUrl, `card-${tag}`, 'Demo Card (credit)', [{ accountRef: 'C-2001', securityCode: '2222' }]);
  log(`operator: providers ${wallet.id} and ${card.id} registered, keys issued`);

  const people: Person[] = [];
  for (const label of ['Aiko', 'Ben', 'Chika']) {
    const softwareCard = await createSoftwareCard(ca, { nowMs: Date.now() });
    people.push({ label, agent: new CitizenAgent(baseUrl, origin, softwareCard), notes: [] });
  }
  const [aiko, ben, chika] = people as [Person, Person, Person];
  for (const person of people) {
    const login = await person.agent.login();
    expectStatus(login, 200, `${person.label} login`);
    person.mykeyId = login.body.mykeyId;
    log(`${person.label}: card login → Mykey ID ${person.mykeyId} (new: ${login.body.personCreated})`);
  }

  const bind = async (person: Person, provider: DemoProvider, accountRef: string, securityCode: string): Promise<ApiAnswer> =>
    person.agent.bind({ campaignId, providerServiceId: provider.serviceId, accountRef, securityCode });
  expectStatus(await bind(aiko, wallet, 'W-1001', '1111'), 201, 'Aiko binds');
  aiko.service = wallet.serviceId;
  expectStatus(await bind(ben, card, 'C-2001', '2222'), 201, 'Ben binds');
  ben.service = card.serviceId;
  const wrongCode = await bind(chika, wallet, 'W-1002', '9999');
  chika.notes.push(`first try with a wrong security code: ${wrongCode.body?.code}`);
  expectStatus(await bind(chika, wallet, 'W-1002', '3333'), 201, 'Chika binds');
  chika.service = wallet.serviceId;
  const taken = await bind(ben, wallet, 'W-1001', '1111');
  ben.notes.push(`a second binding in the same campaign: ${taken.body?.code}`);
  log('bindings: Aiko → wallet W-1001, Ben → card C-2001, Chika → wallet W-1002 (each signed by the card)');

  const walletEvents: ReportedEvent[] = [
    { eventId: `${tag}-w1`, accountRef: 'W-1001', kind: 'topup', amountYen: 10_000, occurredAt: at(1) },
    { eventId: `${tag}-w2`, accountRef: 'W-1001', kind: 'topup', amountYen: 12_000, occurredAt: at(2) },
    { eventId: `${tag}-w3`, accountRef: 'W-1002', kind: 'topup', amountYen: 3_000, occurredAt: at(3) },
  ];
  const cardEvents: ReportedEvent[] = [
    { eventId: `${tag}-c1`, accountRef: 'C-2001', kind: 'payment', amountYen: 8_000, occurredAt: at(1) },
    { eventId: `${tag}-c2`, accountRef: 'C-2001', kind: 'payment', amountYen: 4_000, occurredAt: at(2) },
    { eventId: `${tag}-c3`, accountRef: 'C-2001', kind: 'refund', amountYen: 2_000, occurredAt: at(3), originalEventId: `${tag}-c1` },
  ];
  expectStatus(await wallet.client.reportEvents(walletEvents), 200, 'wallet events');
  const retry = await wallet.client.reportEvents([walletEvents[2]!]);
  expectStatus(retry, 200, 'wallet retry');
  chika.notes.push(`the provider retried her top-up: ${(retry.body as { results: Array<{ status: string }> }).results[0]!.status}`);
  expectStatus(await card.client.reportEvents(cardEvents), 200, 'card events');
  aiko.notes.push('top-ups 10,000 + 12,000 yen: 2,500 then a partial 2,500 at the 5,000 cap');
  ben.notes.push('payments 8,000 + 4,000 yen, then a 2,000 yen refund: 2,000 + 1,000 − 500');
  log('providers: events reported (top-ups, payments, a refund, a retried event)');

  const providers: Report['providers'] = [];
  for (const provider of [wallet, card]) {
    const { grants } = await provider.client.readGrants();
    const ack = await provider.client.acknowledge(grants.map((g) => g.grantId));
    expectStatus(ack, 200, `${provider.id} ack`);
    providers.push({ id: provider.id, grantsRead: grants.length, pointsNet: grants.reduce((sum, g) => sum + g.points, 0), acknowledged: (ack.body as { acknowledged: number }).acknowledged });
  }
  log('providers: grant feeds read and acknowledged');

  const again = await aiko.agent.login();
  expectStatus(again, 200, 'Aiko logs in again');
  aiko.notes.push(`logged in again with the same card: same Mykey ID ${again.body.mykeyId === aiko.mykeyId ? 'yes' : 'NO'}`);

  const rows: Report['people'] = [];
  for (const person of people) {
    const me = await person.agent.me();
    expectStatus(me, 200, `${person.label} me`);
    const binding = (me.body.bindings as Array<{ campaignId: string; eligibleYen: number; points: number }>).find((b) => b.campaignId === campaignId);
    rows.push({ label: person.label, mykeyId: person.mykeyId, service: person.service, eligibleYen: binding?.eligibleYen ?? 0, points: binding?.points ?? 0, notes: person.notes });
    await person.agent.logout();
  }
  await Promise.all([wallet.close(), card.close()]);
  return { campaignId, people: rows, providers };
}

function formatReport(report: Report): string {
  const lines = [`Mykey demo — campaign ${report.campaignId} (25 % back, up to 5,000 points per person)`, ''];
  lines.push(`${'person'.padEnd(7)} ${'Mykey ID'.padEnd(9)} ${'service'.padEnd(18)} ${'eligible ¥'.padStart(10)} ${'points'.padStart(7)}`);
  for (const p of report.people) {
    lines.push(`${p.label.padEnd(7)} ${(p.mykeyId ?? '-').padEnd(9)} ${(p.service ?? '-').padEnd(18)} ${p.eligibleYen.toLocaleString('en-US').padStart(10)} ${p.points.toLocaleString('en-US').padStart(7)}`);
    for (const note of p.notes) lines.push(`        · ${note}`);
  }
  lines.push('');
  for (const p of report.providers) lines.push(`provider ${p.id}: read ${p.grantsRead} grants (net ${p.pointsNet.toLocaleString('en-US')} points), acknowledged ${p.acknowledged}`);
  return `${lines.join('\n')}\n`;
}

/** Exit codes: 0 the story ran, 1 a step failed (the message says which), 64 usage error. */
export async function demoCommand(argv: string[], io: Io, env: NodeJS.ProcessEnv): Promise<number> {
  let values;
  try {
    values = parseArgs({ args: argv, options: { url: { type: 'string' }, 'data-dir': { type: 'string' }, origin: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } } }).values;
  } catch (error) {
    io.stderr.write(`mykey demo: ${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return 64;
  }
  if (values.help === true) {
    io.stdout.write(usage);
    return 0;
  }
  const log = (line: string): void => {
    io.stderr.write(`  ${line}\n`);
  };
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    let baseUrl: string;
    let origin: string;
    let ca: TestCa;
    let operatorToken: string;
    if (values.url === undefined) {
      const dataDir = await mkdtemp(join(tmpdir(), 'mykey-demo-'));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      origin = values.origin ?? 'http://localhost:3000';
      const config = parseServeConfig(['--port', '0', '--data-dir', dataDir, '--origin', origin, '--demo', 'false'], {});
      if (!config.ok) throw new Error(config.message);
      const platform = await startPlatform(config.value, { logger: false });
      cleanups.unshift(() => platform.close());
      baseUrl = platform.url;
      operatorToken = platform.operatorToken;
      ca = await loadTestCa(join(dataDir, 'test-ca'));
      log(`in-process platform on ${baseUrl} (embedded store in ${dataDir})`);
    } else {
      const dataDir = values['data-dir'] ?? 'data';
      baseUrl = values.url.replace(/\/$/, '');
      origin = values.origin ?? 'http://localhost:3000';
      operatorToken = env.MYKEY_OPERATOR_TOKEN ?? (await readFile(join(dataDir, 'operator-token'), 'utf8')).trim();
      ca = await loadTestCa(join(dataDir, 'test-ca'));
      log(`platform at ${baseUrl}`);
    }
    const report = await runStory(baseUrl, origin, ca, new OperatorClient(baseUrl, operatorToken), log);
    io.stdout.write(values.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    return 0;
  } catch (error) {
    io.stderr.write(`mykey demo: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}
