// Resumable evidence uploads for Custodia (tus 1.0.0): progressive enhancement of the form marked
// `data-tus-upload`. Without JavaScript the form posts as multipart; with it, the file goes to the
// tus endpoint in 8 MiB PATCHes, each with `Upload-Checksum: sha256 …`, and survives a lost
// connection (retries with back-off), a pause, and a page reload (choosing the same file again
// resumes from where the server stands).
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
  if (!form || !window.fetch || !window.XMLHttpRequest || !window.Blob || !Blob.prototype.slice) return;

  const TUS = '1.0.0';
  const CHUNK = 8 * 1024 * 1024;
  const MAX_RETRIES = 8;
  const KEYS = ['exhibit', 'description', 'acquiredBy', 'acquiredAt', 'acquiredWhere', 'tool', 'toolVersion', 'method', 'source', 'authority', 'md5', 'sha1'];
  const endpoint = form.dataset.endpoint || '/api/v1/uploads';
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
  const utf8Base64 = (value) => base64(new TextEncoder().encode(value));

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
  const metadataHeader = (meta) =>
    Object.entries(meta)
      .map(([key, value]) => (value === '' ? key : `${key} ${utf8Base64(value)}`))
      .join(',');

  // Remembered uploads: the same file for the same exhibit resumes after a reload.
  const storage = {
    get(key) {
      try {
        return localStorage.getItem(key);
      } catch {
        return null;
      }
    },
    set(key, value) {
      try {
        localStorage.setItem(key, value);
      } catch {}
    },
    forget(key) {
      try {
        localStorage.removeItem(key);
      } catch {}
    },
  };
  const fingerprint = (file, meta) => ['custodia.tus', file.name, file.size, file.lastModified, meta.case ?? '', meta.exhibit ?? ''].join('|');

  class HttpError extends Error {
    constructor(status, problem) {
      super(problem?.title || (status === 0 ? 'network error' : `HTTP ${status}`));
      this.status = status;
      this.problem = problem;
    }
  }
  const problemOf = (body) => {
    try {
      return JSON.parse(body);
    } catch {
      return undefined;
    }
  };
  const retryable = (error) =>
    error instanceof HttpError &&
    (error.status === 0 || error.status === 408 || error.status === 409 || error.status === 423 || error.status === 429 || error.status >= 500);

  const head = async (url) => {
    const res = await fetch(url, { method: 'HEAD', credentials: 'same-origin', cache: 'no-store', headers: { 'Tus-Resumable': TUS } });
    if (!res.ok) throw new HttpError(res.status);
    return {
      offset: Number(res.headers.get('Upload-Offset')),
      length: Number(res.headers.get('Upload-Length')),
      item: res.headers.get('Custodia-Evidence-Item'),
    };
  };

  const create = async (size, meta) => {
    let res;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          'Tus-Resumable': TUS,
          'Upload-Length': String(size),
          'Upload-Metadata': metadataHeader(meta),
          'x-csrf-token': csrf(),
          accept: 'application/problem+json, application/json',
        },
      });
    } catch {
      throw new HttpError(0);
    }
    if (res.status !== 201) throw new HttpError(res.status, problemOf(await res.text()));
    return { url: new URL(res.headers.get('Location'), location.href).pathname, item: res.headers.get('Custodia-Evidence-Item') };
  };

  // The state of the one upload this page runs.
  let xhr;
  let paused = false;
  let resumed;
  let lastShown = { sent: 0, total: 0 };

  const patch = async (url, offset, blob, total) => {
    const body = await blob.arrayBuffer();
    const headers = {
      'Tus-Resumable': TUS,
      'Upload-Offset': String(offset),
      'Content-Type': 'application/offset+octet-stream',
      'x-csrf-token': csrf(),
    };
    // crypto.subtle exists only in secure contexts (HTTPS, localhost); without it, no checksum.
    if (window.crypto?.subtle) headers['Upload-Checksum'] = `sha256 ${base64(await crypto.subtle.digest('SHA-256', body))}`;
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      xhr = request;
      request.open('PATCH', url);
      for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
      request.upload.onprogress = (event) => {
        if (paused) return;
        const sent = offset + event.loaded;
        show(sent, total);
        say(sent >= total ? 'finishing' : 'progress', amounts(sent, total));
      };
      request.onload = () => {
        xhr = undefined;
        if (request.status === 204) {
          resolve({ offset: Number(request.getResponseHeader('Upload-Offset')), item: request.getResponseHeader('Custodia-Evidence-Item') });
        } else reject(new HttpError(request.status, problemOf(request.responseText)));
      };
      request.onerror = () => {
        xhr = undefined;
        reject(new HttpError(0));
      };
      request.onabort = () => {
        xhr = undefined;
        reject(Object.assign(new Error('paused'), { paused: true }));
      };
      request.send(body);
    });
  };

  const wait = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const untilResumed = () =>
    paused
      ? new Promise((resolve) => {
          resumed = resolve;
        })
      : Promise.resolve();

  const upload = async (file, meta) => {
    const key = fingerprint(file, meta);
    let url = storage.get(key);
    let offset = 0;
    if (url) {
      try {
        const state = await head(url);
        if (state.length !== file.size) throw new HttpError(404);
        if (state.item) {
          storage.forget(key);
          return state.item;
        }
        offset = state.offset;
        say('resuming', amounts(offset, file.size));
      } catch (error) {
        if (!(error instanceof HttpError) || retryable(error)) throw error;
        storage.forget(key);
        url = null;
      }
    }
    if (!url) {
      say('preparing');
      const created = await create(file.size, meta);
      if (created.item) return created.item;
      url = created.url;
      storage.set(key, url);
    }
    show(offset, file.size);
    let failures = 0;
    let mismatches = 0;
    for (;;) {
      if (paused) {
        await untilResumed();
        offset = (await head(url)).offset;
      }
      try {
        const end = Math.min(offset + CHUNK, file.size);
        const done = await patch(url, offset, file.slice(offset, end), file.size);
        failures = 0;
        offset = done.offset;
        show(offset, file.size);
        if (done.item) {
          storage.forget(key);
          return done.item;
        }
      } catch (error) {
        if (error.paused) continue;
        if (error instanceof HttpError && (error.status === 404 || error.status === 410)) storage.forget(key);
        // A corrupted PATCH is sent again at once, a few times.
        if (error instanceof HttpError && error.status === 460 && ++mismatches <= 3) continue;
        if (!retryable(error) || ++failures > MAX_RETRIES) throw error;
        // Out of step with the server (409): ask where it stands at once; otherwise back off.
        if (error.status !== 409) {
          const seconds = Math.min(60, 2 ** failures);
          say('retrying', { seconds });
          await wait(seconds);
        }
        try {
          offset = (await head(url)).offset;
        } catch (headError) {
          if (!retryable(headError)) throw headError;
        }
      }
    }
  };

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
  const showProblem = (error) => {
    say('failed', { reason: error.message });
    let first;
    for (const problem of error.problem?.errors ?? []) {
      const key = String(problem.path).replace(/^metadata\./, '');
      const field = key === 'filename' ? fileInput : form.elements.namedItem(key);
      if (!field?.setAttribute || !field.parentNode) continue;
      const note = document.createElement('p');
      note.className = 'field-error';
      note.id = `${key}-tus-error`;
      note.dataset.tusError = key;
      note.textContent = problem.message;
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
      const item = await upload(file, metadataOf(file));
      say('done');
      setRunning(false);
      const done = form.dataset.doneUrl;
      if (done) location.assign(done.replace('{item}', encodeURIComponent(item)));
    } catch (error) {
      setRunning(false);
      if (error instanceof HttpError && error.problem) showProblem(error);
      else say('failed', { reason: error.message });
    } finally {
      running = false;
    }
  });

  pauseButton?.addEventListener('click', () => {
    if (!running || paused) return;
    paused = true;
    xhr?.abort();
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
    resumed?.();
    resumed = undefined;
  });
})();
