/**
 * Argument parsing shared by the `mykey` sub-commands: node:util's parseArgs (strict, with positionals), then the
 * common answers — `--help` prints the usage (exit 0), a parse error or a missing sub-command prints why and the
 * usage on stderr (exit 64).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Io } from './serve.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const exitOk = 0;
const exitUsage = 64;

/** The parsed arguments of `mykey <command> <sub-command> …` (options must include `help`), or the exit code once answered. */
export function parseCommandArgs<const O extends Options & { help: { type: 'boolean' } }>(command: string, argv: string[], options: O, usage: string, io: Io) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (error) {
    io.stderr.write(`mykey ${command}: ${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return exitUsage;
  }
  if ((parsed.values as { help?: boolean }).help === true) {
    io.stdout.write(usage);
    return exitOk;
  }
  if (parsed.positionals.length === 0) {
    io.stderr.write(usage);
    return exitUsage;
  }
  return parsed;
}
