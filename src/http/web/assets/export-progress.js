// Progressive enhancement for the export progress page: asks the node how far the package is every
// second and updates the bar and the status line; reloads the page when the package is ready (or
// failed) so the download link (or the error) appears. Without JavaScript the page has a Refresh link.
(() => {
  const box = document.querySelector('[data-export-progress]');
  if (!box) return;
  const bar = box.querySelector('progress');
  const status = box.querySelector('[role="status"]');
  const url = box.getAttribute('data-status-url');
  const tick = async () => {
    try {
      const res = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (!res.ok) return;
      const job = await res.json();
      if (job.state !== 'running') {
        window.location.reload();
        return;
      }
      bar.max = Math.max(job.totalBytes, 1);
      bar.value = job.bytes;
      status.textContent = job.text;
    } catch {
      // A missed beat is harmless: the next one asks again.
    }
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 1000);
})();
