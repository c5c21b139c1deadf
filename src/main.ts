import { enableCompileCache } from 'node:module';

// The CLI is a new process for every command: V8's compiled code for the app's modules is kept on
// disk (NODE_COMPILE_CACHE, or the system's temporary directory) so that start-up does not compile
// them again each time. Enabled before the app is imported, hence the dynamic imports below.
enableCompileCache();

const { CommanderError } = await import('commander');
const { buildProgram } = await import('./cli/program.ts');

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 10;
  }
}
