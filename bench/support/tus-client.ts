// A tus 1.0 client in its own process, as a browser or a forensic workstation would be: creates
// the upload, then sends the file in PATCHes of `partBytes`; a part as large as the file (what
// tus-js-client does by default) is sent by curl, the rest by Node's fetch. Prints the seconds
// from the POST to the final answer (which comes once the vault has taken the file in).
// Usage: node bench/support/tus-client.ts <base url> <bearer token> <file> <part bytes> <metadata json>
import { execFileSync } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [base, token, file, partArg, metadataJson] = process.argv.slice(2) as [string, string, string, string, string];
const bytes = statSync(file).size;
const partBytes = Number(partArg);
const metadata = Object.entries(JSON.parse(metadataJson) as Record<string, string>)
  .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
  .join(',');
const auth = { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' };

const t0 = performance.now();
const created = await fetch(`${base}/api/v1/uploads`, { method: 'POST', headers: { ...auth, 'upload-length': String(bytes), 'upload-metadata': metadata } });
if (created.status !== 201) throw new Error(`tus create: ${created.status} ${await created.text()}`);
const url = new URL(created.headers.get('location') as string, base).toString();
if (partBytes >= bytes) {
  // curl streams the file (-T) and prints the answer's status; anything but 204 is a failure.
  const status = execFileSync('curl', [
    '-sS',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '-X',
    'PATCH',
    '-T',
    file,
    ...Object.entries({ ...auth, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    url,
  ]).toString();
  if (status !== '204') throw new Error(`tus patch (curl): ${status}`);
}
for (let offset = 0; partBytes < bytes && offset < bytes; offset += partBytes) {
  const end = Math.min(bytes, offset + partBytes) - 1;
  const res = await fetch(url, {
    method: 'PATCH',
    headers: { ...auth, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream', 'content-length': String(end - offset + 1) },
    body: createReadStream(file, { start: offset, end, highWaterMark: 1024 * 1024 }) as unknown as BodyInit,
    duplex: 'half',
  } as RequestInit);
  if (res.status !== 204) throw new Error(`tus patch: ${res.status} ${await res.text()}`);
}
process.stdout.write(`${(performance.now() - t0) / 1000}\n`);
