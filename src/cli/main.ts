#!/usr/bin/env node
/**
 * The `mykey` command: one sub-command per file.
 */
import { backupCommand } from './backup.js';
import { caCommand } from './ca.js';
import { campaignCommand } from './campaign.js';
import { cardCommand } from './card.js';
import { demoCommand } from './demo.js';
import { operatorCommand } from './operator.js';
import { providerCommand } from './provider.js';
import { serveCommand } from './serve.js';
import { settleCommand } from './settle.js';

const usage = `Usage: mykey <command> [options]

Commands:
  serve   start the platform API (mykey serve --help lists every option)
  demo    run the whole Mykey story end to end and print a report (mykey demo --help)
  ca      manage the development test CA and software cards (mykey ca --help)
  card    log in with a card in a reader or a software card; put a software card in a virtual reader (mykey card --help)
  provider  upload event files (NDJSON, CSV) with a progress bar; print their per-line reports (mykey provider --help)
  campaign  dry-run a campaign against a file of past events, offline (mykey campaign --help)
  operator  create an operator administrator with a one-time passkey enrolment link (mykey operator --help)
  settle  recompute a settlement statement from the grant feed; save the feed (mykey settle --help)
  backup  write an online, checksummed snapshot of the embedded store (mykey backup --help)
  restore replace the embedded store with a checked backup (mykey restore --help)
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const io = { stdout: process.stdout, stderr: process.stderr };
  switch (command) {
    case 'serve':
      return serveCommand(rest, io, process.env);
    case 'demo':
      return demoCommand(rest, io, process.env);
    case 'ca':
      return caCommand(rest, io);
    case 'card':
      return cardCommand(rest, io);
    case 'provider':
      return providerCommand(rest, io);
    case 'campaign':
      return campaignCommand(rest, io);
    case 'settle':
      return settleCommand(rest, io);
    case 'operator':
      return operatorCommand(rest, io, process.env);
    case 'backup':
    case 'restore':
      return backupCommand(command, rest, io, process.env);
    case undefined:
    case '--help':
    case 'help':
      process.stdout.write(usage);
      return command === undefined ? 64 : 0;
    default:
      process.stderr.write(`mykey: unknown command "${command}"\n\n${usage}`);
      return 64;
  }
}

process.exitCode = await main(process.argv.slice(2));
