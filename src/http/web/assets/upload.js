// Resumable evidence uploads for Custodia: progressive enhancement of the form marked
// `data-tus-upload`, on tus-js-client (served from this origin as /assets/tus.min.js and loaded
// before this script; it is the global `tus`). Without JavaScript, or in a browser tus-js-client
// does not support, the form posts as multipart. With it, the file goes to the tus endpoint in
// 8 MiB PATCHes, each with `Upload-Checksum: sha256 …` (added by the HTTP stack below), and
// survives a lost connection (retries with back-off), a pause, and a page reload: tus-js-client
// keeps the upload's URL in localStorage under our fingerprint (file name, size and date, case,
// exhibit), so choosing the same file for the same exhibit again resumes from where the server stands.
//
// The form tells the script everything it needs (strings come rendered in the person's language):
//   data-endpoint   the tus creation URL (default /api/v1/uploads)
//   data-case       the case reference (metadata `case`)
//   data-done-url   where to go when the item exists; `{item}` is replaced by its id
//   data-msg-<name> status texts for preparing, progress, paused, resuming, retrying, finishing,
//                   done, failed, no-file; placeholders {sent} {total} {percent} {seconds} {reason}
// Inside it: fields named as the metadata keys (or with data-tus-meta="<key>"); a datetime-local
// field may name its time-zone select with data-zone-field; one file input; a [data-upload-progress]
// box holding a <progress>; a role=status live region; [data-upload-pause] and [data-upload-resume].
// Strict CSP: no inline script, no eval; same-origin requests only, with the session's CSRF token.
(() => {
  const form = document.querySelector('form[data-tus-upload]');
  const tus = window.tus;
  if (!form || !tus?.isSupported) return;

  const CHUNK = 8 * 1024 * 1024;
  // Waits before each retry: at once (out of step with the server, or a corrupted chunk), then
  // backing off to a minute; eight in a row at most (the count starts again once bytes get through).
  const RETRY_DELAYS = [0, 2000, 4000, 8000, 16000, 32000, 60000, 60000];
  const ITEM_HEADER = 'Custodia-Evidence-Item';
  const KEYS = ['exhibit', 'description', 'acquiredBy', 'acquiredAt', 'acquiredWhere', 'tool', 'toolVersion', 'method', 'source', 'authority', 'md5', 'sha1'];
  const endpoint = new URL(form.dataset.endpoint || '/api/v1/uploads', location.href).href;
  const lang = document.documentElement.lang || 'es';
  const fileInput = form.querySelector('input[type="file"]');
  const progressBox = form.querySelector('[data-upload-progress]');
  const progress = form.querySelector('progress');
  const submit = form.querySelector('button[type="submit"], input[type="submit"]');
  const pauseButton = form.querySelector('[data-upload-pause]');
  const resumeButton = form.querySelector('[data-upload-resume]');
  let status = form.querySelector('[role="status"]');
  if (!status) {
    status = document.createElement('p');
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    form.append(status);
  }
  if (!fileInput) return;

  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
  const camel = (name) => name.replace(/-(\w)/g, (_, c) => c.toUpperCase());
  const text = (name, params = {}) =>
    (form.dataset[camel(`msg-${name}`)] ?? '').replace(/\{(\w+)\}/g, (whole, key) => (params[key] === undefined ? whole : String(params[key])));
  const say = (name, params) => {
    status.textContent = text(name, params);
  };

  const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'];
  const bytes = (n) => {
    let unit = 0;
    let value = n;
    while (value >= 1000 && unit < UNITS.length - 1) {
      value /= 1000;
      unit++;
    }
    return new Intl.NumberFormat(lang, { style: 'unit', unit: UNITS[unit], unitDisplay: 'short', maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value);
  };
  const amounts = (sent, total) => ({
    sent: bytes(sent),
    total: bytes(total),
    percent: new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }).format(total === 0 ? 100 : Math.floor((sent / total) * 100)),
  });
  let lastShown = { sent: 0, total: 0 };
  const show = (sent, total) => {
    lastShown = { sent, total };
    if (progress) {
      progress.max = 100;
      progress.value = total === 0 ? 100 : Math.floor((sent / total) * 100);
    }
  };

  const base64 = (buffer) => {
    const view = new Uint8Array(buffer);
    let binary = '';
    for (let i = 0; i < view.length; i += 0x8000) binary += String.fromCharCode.apply(null, view.subarray(i, i + 0x8000));
    return btoa(binary);
  };

  // The wall clock of a time zone as an instant with its offset (what the vault records).
  const zoneOffset = (zone, utcMs) => {
    const parts = {};
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    for (const part of format.formatToParts(new Date(utcMs))) parts[part.type] = part.value;
    return Math.round((Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second) - utcMs) / 60000);
  };
  const pad = (n) => String(n).padStart(2, '0');
  const withZone = (wall, zone) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(wall);
    if (!m || !zone) return wall;
    try {
      const guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0));
      const offset = zoneOffset(zone, guess - zoneOffset(zone, guess) * 60000);
      const abs = Math.abs(offset);
      return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
    } catch {
      return wall;
    }
  };

  const metadataOf = (file) => {
    const meta = { filename: file.name };
    if (form.dataset.case) meta.case = form.dataset.case;
    for (const el of form.elements) {
      const key = el.dataset?.tusMeta || el.name;
      if (!KEYS.includes(key) || el.disabled) continue;
      if (el.type === 'checkbox') {
        if (el.checked) meta[key] = '';
        continue;
      }
      const value = String(el.value ?? '').trim();
      if (value === '') continue;
      const zoneField = el.dataset?.zoneField;
      meta[key] = zoneField ? withZone(value, form.elements.namedItem(zoneField)?.value) : value;
    }
    return meta;
  };
  const fingerprint = (file, meta) => ['custodia.tus', file.name, file.size, file.lastModified, meta.case ?? '', meta.exhibit ?? ''].join('|');

  // tus-js-client's own XHR stack, with the SHA-256 of each PATCH body in Upload-Checksum (tus
  // checksum extension; the server answers 460 to a chunk that does not match, and it is sent
  // again). crypto.subtle exists only in secure contexts (HTTPS, localhost); without it, no checksum.
  const xhrStack = new tus.DefaultHttpStack();
  const httpStack = {
    getName: () => 'CustodiaChecksumStack',
    createRequest(method, url) {
      const request = xhrStack.createRequest(method, url);
      if (method !== 'PATCH' || !window.crypto?.subtle) return request;
      const send = request.send.bind(request);
      request.send = async (body) => {
        if (body == null) return send(body);
        const chunk = body instanceof Blob ? await body.arrayBuffer() : body;
        request.setHeader('Upload-Checksum', `sha256 ${base64(await crypto.subtle.digest('SHA-256', chunk))}`);
        return send(chunk);
      };
      return request;
    },
  };

  const statusOf = (error) => error?.originalResponse?.getStatus() ?? 0;
  // No answer at all, a timeout, out of step (409), locked, too many requests, a server error; and a
  // corrupted chunk (460) a few times.
  const retryable = (status, attempt) =>
    status === 0 || status === 408 || status === 409 || status === 423 || status === 429 || status >= 500 || (status === 460 && attempt < 3);
  const problemOf = (error) => {
    try {
      return JSON.parse(error?.originalResponse?.getBody() ?? '');
    } catch {
      return undefined;
    }
  };
  const reasonOf = (error, problem) =>
    problem?.title || (error?.originalResponse ? `HTTP ${statusOf(error)}` : error?.originalRequest ? 'network error' : String(error?.message ?? error));

  // The one upload this page runs.
  let upload;
  let paused = false;

  /** Sends the file (or resumes an earlier upload of it); resolves with the evidence item's id. */
  const send = (file, meta) =>
    new Promise((resolve, reject) => {
      let resumingEarlier = false;
      upload = new tus.Upload(file, {
        endpoint,
        chunkSize: CHUNK,
        retryDelays: RETRY_DELAYS,
        metadata: meta,
        httpStack,
        fingerprint: async () => fingerprint(file, meta),
        removeFingerprintOnSuccess: true,
        onBeforeRequest(request) {
          request.setHeader('x-csrf-token', csrf());
          if (request.getMethod() === 'POST') request.setHeader('Accept', 'application/problem+json, application/json');
        },
        onAfterResponse(request, response) {
          if (!resumingEarlier || request.getMethod() !== 'HEAD' || response.getStatus() !== 200) return;
          resumingEarlier = false;
          const offset = Number(response.getHeader('Upload-Offset'));
          show(offset, file.size);
          say('resuming', amounts(offset, file.size));
        },
        onProgress(sent, total) {
          if (paused) return;
          show(sent, total);
          say(sent >= total ? 'finishing' : 'progress', amounts(sent, total));
        },
        onShouldRetry(error, attempt) {
          const again = retryable(statusOf(error), attempt);
          const wait = RETRY_DELAYS[attempt] ?? 0;
          if (again && wait > 0) say('retrying', { seconds: wait / 1000 });
          return again;
        },
        onSuccess({ lastResponse }) {
          const item = lastResponse?.getHeader(ITEM_HEADER);
          if (item) resolve(item);
          else reject(new Error(`the server did not name the evidence item (${ITEM_HEADER})`));
        },
        onError: reject,
      });
      upload.findPreviousUploads().then((previous) => {
        if (previous.length > 0) {
          resumingEarlier = true;
          upload.resumeFromPreviousUpload(previous[0]);
        } else say('preparing');
        show(0, file.size);
        upload.start();
      }, reject);
    });

  const clearErrors = () => {
    for (const el of form.querySelectorAll('[data-tus-error]')) {
      const field = form.elements.namedItem(el.dataset.tusError);
      if (field?.removeAttribute) {
        field.removeAttribute('aria-invalid');
        const described = (field.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => id && id !== el.id);
        field.setAttribute('aria-describedby', described.join(' '));
      }
      el.remove();
    }
  };
  // Field problems (`metadata.<key>`) next to their fields, the first one focused.
  const showProblem = (problem, reason) => {
    say('failed', { reason });
    let first;
    for (const issue of problem.errors ?? []) {
      const key = String(issue.path).replace(/^metadata\./, '');
      const field = key === 'filename' ? fileInput : form.elements.namedItem(key);
      if (!field?.setAttribute || !field.parentNode) continue;
      const note = document.createElement('p');
      note.className = 'field-error';
      note.id = `${key}-tus-error`;
      note.dataset.tusError = key;
      note.textContent = issue.message;
      field.parentNode.insertBefore(note, field);
      field.setAttribute('aria-invalid', 'true');
      field.setAttribute('aria-describedby', `${field.getAttribute('aria-describedby') ?? ''} ${note.id}`.trim());
      first ??= field;
    }
    first?.focus();
  };

  const setRunning = (running) => {
    if (submit) submit.disabled = running;
    if (pauseButton) pauseButton.hidden = !running;
    if (resumeButton) resumeButton.hidden = true;
  };

  let running = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (running) return;
    const file = fileInput.files?.[0];
    clearErrors();
    if (!file) {
      say('no-file');
      fileInput.focus();
      return;
    }
    running = true;
    paused = false;
    if (progressBox) progressBox.hidden = false;
    setRunning(true);
    try {
      const item = await send(file, metadataOf(file));
      say('done');
      setRunning(false);
      const done = form.dataset.doneUrl;
      if (done) location.assign(done.replace('{item}', encodeURIComponent(item)));
    } catch (error) {
      setRunning(false);
      const problem = problemOf(error);
      if (problem) showProblem(problem, reasonOf(error, problem));
      else say('failed', { reason: reasonOf(error) });
    } finally {
      running = false;
      upload = undefined;
    }
  });

  pauseButton?.addEventListener('click', () => {
    if (!running || paused) return;
    paused = true;
    upload?.abort();
    pauseButton.hidden = true;
    if (resumeButton) {
      resumeButton.hidden = false;
      resumeButton.focus();
    }
    say('paused', amounts(lastShown.sent, lastShown.total));
  });
  resumeButton?.addEventListener('click', () => {
    if (!paused) return;
    paused = false;
    resumeButton.hidden = true;
    if (pauseButton) {
      pauseButton.hidden = false;
      pauseButton.focus();
    }
    upload?.start();
  });
})();
