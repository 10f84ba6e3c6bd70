/**
 * `mykey serve`: starts the platform with the configuration from flags and environment, prints where the API and
 * its OpenAPI document are, and stops cleanly on SIGINT / SIGTERM. A bad configuration stops it with one line.
 */
import { redactedLogPaths } from '../http/app.js';
import { parseServeConfig } from './config.js';
import { StartupError, startPlatform } from './platform.js';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Exit codes: 0 stopped cleanly, 1 unexpected error, 2 bad configuration or a start-up problem to fix. */
export async function serveCommand(argv: string[], io: Io, env: NodeJS.ProcessEnv): Promise<number> {
  const config = parseServeConfig(argv, env);
  if (!config.ok) {
    if (config.code === 'help') {
      io.stdout.write(config.message);
      return 0;
    }
    io.stderr.write(`mykey serve: ${config.message}\n`);
    return 2;
  }
  let platform;
  try {
    platform = await startPlatform(config.value, { logger: { level: config.value.logLevel, redact: redactedLogPaths } });
  } catch (error) {
    if (error instanceof StartupError) {
      io.stderr.write(`mykey serve: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  io.stderr.write(
    [
      `Mykey Platform (${config.value.mode}) listening on ${platform.url}`,
      `  portal:  ${config.value.origin}/   provider console: ${config.value.origin}/provider/   operator console: ${config.value.origin}/operator/`,
      `  API:     ${platform.url}/v1/…   OpenAPI: ${platform.url}/openapi.json`,
      `  card logins are bound to the origin ${config.value.origin}`,
      ...platform.notes.map((note) => `  ${note}`),
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await platform.close();
  return 0;
}
