import { CommanderError } from 'commander';
import { buildProgram } from './cli/program.ts';

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 10;
  }
}
