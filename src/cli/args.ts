/**
 * Argument parsing shared by the `mykey` sub-commands: node:util's parseArgs (strict, with positionals), and on a
 * parse error the message and the command's usage on stderr.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Io } from './serve.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The parsed arguments of `mykey <command>`, or undefined after writing why they do not parse (exit with 64). */
export function parseCommandArgs<const O extends Options>(command: string, argv: string[], options: O, usage: string, io: Io) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (error) {
    io.stderr.write(`mykey ${command}: ${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return undefined;
  }
}
