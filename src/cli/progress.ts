/**
 * A progress bar on the terminal (stderr, so `--json` output stays clean). On a terminal it redraws
 * one line; otherwise it prints a line every 10 %, so logs of long runs still show progress.
 */
export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  let lastDraw = 0;
  let lastDecile = -1;
  const tty = stream.isTTY === true;
  const render = (done: number) => {
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    const rate = done / seconds / 1024 ** 2;
    const width = 30;
    const bar = '█'.repeat(Math.round(fraction * width)).padEnd(width, '·');
    return `${label} [${bar}] ${(fraction * 100).toFixed(1)}% ${formatBytes(done)}/${formatBytes(total)} ${rate.toFixed(1)} MiB/s`;
  };
  return {
    update(done: number): void {
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 100 && done < total) return;
        lastDraw = now;
        stream.write(`\r${render(done)}`);
        return;
      }
      const decile = total > 0 ? Math.floor((done / total) * 10) : 10;
      if (decile > lastDecile) {
        lastDecile = decile;
        stream.write(`${render(done)}\n`);
      }
    },
    finish(done: number): void {
      if (tty) stream.write(`\r${render(done)}\n`);
      else if (lastDecile < 10) stream.write(`${render(done)}\n`);
    },
  };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
