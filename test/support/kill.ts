import { spawn } from 'node:child_process';

/**
 * Runs a child script until it prints `ready`, kills it with SIGKILL `delayMs` later, and returns
 * what `parse` made of each line it acknowledged before dying. Used by the crash tests.
 */
export function runAndKill<K, V>(script: string, env: NodeJS.ProcessEnv, delayMs: number, parse: (line: string) => [K, V] | undefined): Promise<Map<K, V>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = new Map<K, V>();
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') setTimeout(() => child.kill('SIGKILL'), delayMs);
        const parsed = parse(line);
        if (parsed) acked.set(parsed[0], parsed[1]);
      }
    });
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`${script} exited with ${code}: ${stderr}`));
      else resolve(acked);
    });
  });
}
