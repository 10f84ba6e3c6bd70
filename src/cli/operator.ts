/**
 * `mykey operator add-admin`: the first operator administrator of a platform (or one more, when nobody can sign in
 * any longer). It opens the store exactly as `mykey serve` would — the same flags and environment, so it finds the
 * same data dir or PostgreSQL database —, creates an operator_admin with a one-time enrolment link, prints the
 * link on stdout and how long it is valid on stderr. The audit log records it as `system:cli`.
 */
import { createStaffAccount } from '../app/staff-accounts.js';
import { systemClock } from '../app/context.js';
import { staffDisplayNameCharsMax } from '../domain/limits.js';
import { parseCommandArgs } from './args.js';
import { parseServeConfig } from './config.js';
import { openConfiguredStore, StartupError } from './platform.js';
import type { Io } from './serve.js';

const usage = `Usage:
  mykey operator add-admin --name NAME [--data-dir DIR | --database-url URL] [--origin ORIGIN]
      Create an operator administrator (role operator_admin) in the platform's store and print its one-time
      enrolment link: open it in the browser that will hold the administrator's passkey (valid 24 hours, once).
      The store and the origin are found as \`mykey serve\` finds them: the flags, else MYKEY_DATA_DIR,
      DATABASE_URL, MYKEY_ORIGIN (default http://localhost:PORT), MYKEY_MODE.

Options:
  --name          the administrator's display name (shown in the consoles and the audit log)
  --data-dir      the data dir of the embedded store (default ./data)
  --database-url  postgres://… of a PostgreSQL store
  --origin        the origin the platform is served at; the link points to its operator console

Exit codes: 0 created, 2 bad configuration or the store cannot be opened, 64 usage error.
`;

const exitCode = { ok: 0, config: 2, usage: 64 } as const;

export async function operatorCommand(argv: string[], io: Io, env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseCommandArgs(
    'operator',
    argv,
    { name: { type: 'string' }, 'data-dir': { type: 'string' }, 'database-url': { type: 'string' }, origin: { type: 'string' }, help: { type: 'boolean' } },
    usage,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const [command, ...extra] = parsed.positionals;
  const name = parsed.values.name?.trim() ?? '';
  const problem =
    command !== 'add-admin' || extra.length > 0
      ? `unknown sub-command "${parsed.positionals.join(' ')}"`
      : name === ''
        ? '--name is required'
        : name.length > staffDisplayNameCharsMax
          ? `--name is longer than ${staffDisplayNameCharsMax} characters`
          : undefined;
  if (problem !== undefined) {
    io.stderr.write(`mykey operator: ${problem}\n\n${usage}`);
    return exitCode.usage;
  }
  // The serve configuration's own parsing, so the store, the origin and their checks are exactly serve's.
  const forwarded = (['data-dir', 'database-url', 'origin'] as const).flatMap((flag) => {
    const value = parsed.values[flag];
    return value === undefined ? [] : [`--${flag}`, value];
  });
  const config = parseServeConfig(forwarded, env);
  if (!config.ok) {
    io.stderr.write(`mykey operator: ${config.message}\n`);
    return exitCode.config;
  }
  let store;
  try {
    store = await openConfiguredStore(config.value);
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    io.stderr.write(`mykey operator: ${error.message}\n`);
    return exitCode.config;
  }
  try {
    const created = await createStaffAccount({ store, clock: systemClock, origin: config.value.origin }, 'system:cli', { providerId: null }, { displayName: name, role: 'operator_admin' });
    if (!created.ok) throw new Error(`an operator administrator was refused: ${created.code}`);
    const { account, enrolment } = created.value;
    io.stdout.write(`${enrolment.link}\n`);
    io.stderr.write(
      `mykey operator: created the operator administrator "${account.displayName}" (${account.staffId}); the link enrols one passkey until ${new Date(enrolment.expiresAtMs).toISOString()} (24 hours)\n`,
    );
    return exitCode.ok;
  } finally {
    await store.close();
  }
}
