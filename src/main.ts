import { enableCompileCache } from 'node:module';

// The CLI is a new process for every command: the app's modules, stripped of their types and
// compiled, are kept on disk (NODE_COMPILE_CACHE, or the system's temporary directory) so that
// start-up does not redo that each time. Enabled before the app is imported, hence the dynamic
// imports below; bin/custodia.js enables it even before this file, which then comes from the cache.
enableCompileCache();

const { CommanderError } = await import('commander');
const { buildProgram } = await import('./cli/program.ts');
const { reportUncaught } = await import('./cli/output.ts');

try {
  // The composition root hands the CLI what it may not import itself: the HTTP node.
  await buildProgram({ serve: async (overrides) => (await import('./node.ts')).serve(overrides) }).parseAsync(process.argv);
} catch (error) {
  // Commander has printed its usage error and set exit code 1 already.
  if (!(error instanceof CommanderError)) process.exitCode = reportUncaught(error);
}
