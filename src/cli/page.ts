// The demo page: pick or drop files, get a grant per file from the demo's upload route (the
// router's wire protocol, docs/routes.md: POST /api/uploads with the file's checksum), upload
// straight to the storage URL with upgrant/client, then verify. The page is one HTML string; the
// client is the package's own built module, served by the demo server under CLIENT_PATH, and
// hash-wasm (only fetched for MD5 or files over 64 MiB) is mapped by an import map: no bundler.
// Files over the route's multipart threshold get a multipart grant: uploadWithGrant sends the
// parts, and /api/uploads/complete assembles and verifies them.
// Stable test hooks: data-testid = file, upload, progress, result, error (one of the last three
// per file), plus data-state on each file's row (hashing, uploading, verifying, verified, failed).

/** Where the demo server serves dist/src/client/*.js. */
export const CLIENT_PATH = '/assets/upgrant-client/';
/** Where the demo server serves hash-wasm's ES module build. */
export const HASH_WASM_PATH = '/assets/hash-wasm.js';

export function demoPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>upgrant demo</title>
<script type="importmap">{ "imports": { "hash-wasm": "${HASH_WASM_PATH}" } }</script>
<style>
  :root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; background: #eef0f4; }
  * { box-sizing: border-box; }
  body { margin: 0; }
  main { max-width: 46rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border-radius: 14px; box-shadow: 0 1px 4px #0002; }
  h1 { margin: 0 0 .25rem; font-size: 1.35rem; }
  .lead { margin: 0 0 1rem; color: #4a5263; font-size: .95rem; line-height: 1.4; }
  .provider { display: inline-flex; gap: .4rem; align-items: center; padding: .2rem .6rem; border-radius: 99px; background: #e8effd; color: #1d3f8f; font-size: .85rem; font-weight: 600; }
  .drop { display: block; border: 2px dashed #b9c2d3; border-radius: 12px; padding: 1.4rem 1rem; text-align: center; color: #4a5263; cursor: pointer; transition: background .15s, border-color .15s; }
  .drop.over { background: #eef4ff; border-color: #2458d3; }
  .drop input { display: block; margin: .6rem auto 0; max-width: 100%; }
  .controls { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; margin: 1rem 0 .5rem; }
  .controls label { font-size: .9rem; color: #4a5263; }
  select { font: inherit; padding: .3rem; }
  button { font: inherit; padding: .55rem 1.2rem; border: 0; border-radius: 8px; background: #2458d3; color: #fff; cursor: pointer; }
  button:disabled { background: #9aa3b5; cursor: default; }
  button.link { background: none; color: #2458d3; padding: 0; text-decoration: underline; }
  .limit { font-size: .85rem; color: #6a7284; }
  ul { list-style: none; padding: 0; margin: 0; }
  li { border-top: 1px solid #e3e6ec; padding: .85rem 0; }
  .row { display: flex; justify-content: space-between; gap: .5rem; align-items: baseline; }
  .name { font-weight: 600; overflow-wrap: anywhere; }
  .size, .status { color: #6a7284; font-size: .85rem; white-space: nowrap; }
  progress { width: 100%; height: .55rem; margin: .45rem 0 .25rem; accent-color: #2458d3; }
  .chips { display: flex; flex-wrap: wrap; gap: .3rem; margin: .3rem 0; }
  .chip { font-size: .72rem; padding: .1rem .45rem; border-radius: 99px; border: 1px solid; white-space: nowrap; }
  .chip.storage { color: #17603a; border-color: #9fd3b3; background: #eefaf2; }
  .chip.verify { color: #7a4d00; border-color: #e9c987; background: #fff8e8; }
  .chip.none { color: #8a1f17; border-color: #eab0aa; background: #fff0ee; }
  [data-testid=result] { color: #17603a; font-size: .9rem; overflow-wrap: anywhere; }
  [data-testid=result] a { margin-left: .4rem; }
  [data-testid=error] { color: #b3261e; font-size: .9rem; overflow-wrap: anywhere; }
  [data-testid=error] small { display: block; color: #8a5a55; }
  .legend { margin-top: 1.2rem; font-size: .8rem; color: #6a7284; line-height: 1.5; }
  @media (max-width: 520px) {
    main { margin: 0; border-radius: 0; padding: 1rem; min-height: 100vh; box-shadow: none; }
    h1 { font-size: 1.15rem; }
    .controls button { flex: 1 1 100%; }
  }
</style>
</head>
<body>
<main>
  <h1>Upload straight to storage</h1>
  <p class="lead">Each file gets a single-use, expiring upload grant from this server, then goes directly to
    <span class="provider" id="provider">…</span> — this server never sees the bytes.</p>
  <label class="drop" id="drop">Drop files here, or choose them:
    <input type="file" multiple data-testid="file" id="file">
  </label>
  <div class="controls">
    <button type="button" data-testid="upload" id="upload" disabled>Upload</button>
    <label>checksum <select id="checksum"><option value="sha256">SHA-256</option><option value="md5">MD5</option><option value="none">none</option></select></label>
    <span class="limit" id="limit"></span>
  </div>
  <ul id="list"></ul>
  <p class="legend">What each grant promises, and who keeps the promise:
    <span class="chip storage">storage</span> the storage refuses a violating upload;
    <span class="chip verify">verify</span> the server checks after the upload and deletes a violating file;
    <span class="chip none">none</span> nobody can.</p>
</main>
<script type="module">
import { uploadWithGrant, sha256Base64, md5Base64, UploadError } from '${CLIENT_PATH}index.js';

const $ = (id) => document.getElementById(id);
const LABELS = { key: 'key', bucket: 'bucket', expiry: 'expiry', createOnly: 'single use', contentType: 'type', size: 'size', checksum: 'checksum' };
let info = { provider: '?', bucket: '?' };
let pending = [];

const infoReady = fetch('/api/info').then((r) => r.json()).then((i) => {
  info = i;
  $('provider').textContent = i.provider + ' · ' + i.bucket;
  if (i.maxUploadSize) $('limit').textContent = 'up to ' + bytes(i.maxUploadSize) + ' per file';
}).catch(() => { $('provider').textContent = 'unknown storage'; });

function bytes(n) {
  if (n < 1024) return n + ' B';
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n, u = -1;
  do { v /= 1024; u++; } while (v >= 1024 && u < units.length - 1);
  return v.toFixed(v < 10 ? 1 : 0) + ' ' + units[u];
}

function choose(files) {
  pending = [...files];
  $('upload').disabled = pending.length === 0;
  $('upload').textContent = pending.length > 1 ? 'Upload ' + pending.length + ' files' : 'Upload';
}

$('file').addEventListener('change', () => choose($('file').files));
const drop = $('drop');
for (const type of ['dragenter', 'dragover']) drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.add('over'); });
for (const type of ['dragleave', 'drop']) drop.addEventListener(type, () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => { e.preventDefault(); choose(e.dataTransfer.files); });

$('upload').addEventListener('click', async () => {
  await infoReady;
  const files = pending;
  choose([]);
  $('file').value = '';
  await Promise.all(files.map(upload));
});

// The demo's upload route; every call is a POST with a JSON body (docs/routes.md).
const ROUTE = '/api/uploads';
async function api(action, body) {
  const r = await fetch(ROUTE + (action ? '/' + action : ''), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await r.json().catch(() => ({}));
  if (!r.ok) {
    const e = json.error ?? {};
    const err = new Error(e.violations
      ? 'the storage accepted the file, but it is not what was granted (' + e.violations.map((v) => v.constraint + ' is ' + v.actual + ', expected ' + v.expected).join('; ') + '): it was deleted'
      : (e.message ?? r.statusText));
    err.status = r.status;
    err.code = e.code ?? r.headers.get('x-upgrant-error') ?? 'failed';
    throw err;
  }
  return json;
}

function row(file) {
  const li = document.createElement('li');
  li.innerHTML = '<div class="row"><span class="name"></span><span class="size"></span></div>' +
    '<progress data-testid="progress" max="1" value="0"></progress>' +
    '<div class="row"><span class="status"></span><button type="button" class="link cancel">cancel</button></div>' +
    '<div class="chips"></div><div data-testid="result"></div><div data-testid="error"></div>';
  li.querySelector('.name').textContent = file.name;
  li.querySelector('.size').textContent = bytes(file.size);
  $('list').prepend(li);
  return li;
}

function showEnforcement(li, enforcement) {
  const chips = li.querySelector('.chips');
  for (const [name, who] of Object.entries(enforcement)) {
    const chip = document.createElement('span');
    chip.className = 'chip ' + who;
    chip.textContent = (LABELS[name] ?? name) + ': ' + who;
    chip.title = who === 'storage' ? 'the storage refuses a violating upload' : who === 'verify' ? 'checked after the upload; a violating file is deleted' : 'not enforced by anyone';
    chips.append(chip);
  }
}

async function upload(file) {
  const li = row(file);
  const bar = li.querySelector('progress');
  const status = (state, text) => { li.dataset.state = state; li.querySelector('.status').textContent = text; };
  const controller = new AbortController();
  const cancel = li.querySelector('.cancel');
  cancel.onclick = () => controller.abort();
  const contentType = file.type || 'application/octet-stream';
  let multipart;
  try {
    const algorithm = $('checksum').value;
    const request = { name: file.name, type: contentType, size: file.size };
    if (algorithm !== 'none') {
      status('hashing', 'computing ' + algorithm.toUpperCase() + '…');
      const hash = algorithm === 'md5' ? md5Base64 : sha256Base64;
      request[algorithm] = await hash(file, { signal: controller.signal, onProgress: (n, total) => status('hashing', 'computing ' + algorithm.toUpperCase() + ' ' + Math.round((100 * n) / total) + '%') });
    }
    const { grant } = await api('', request);
    showEnforcement(li, grant.enforcement);
    status('uploading', 'uploading…');
    multipart = grant.kind === 'multipart' ? grant : undefined;
    const sent = await uploadWithGrant(grant, file, {
      // A file that is not what its type says is refused here at once (the server checks again).
      checkContent: true,
      signal: controller.signal,
      onProgress: (p) => { bar.value = p.fraction; status('uploading', 'uploading ' + Math.round(p.fraction * 100) + '%' + (p.attempt > 1 ? ' (attempt ' + p.attempt + ')' : '')); },
    });
    bar.value = 1;
    cancel.remove();
    status('verifying', 'verifying…');
    // Big files get a multipart grant: complete assembles the parts and verifies them.
    const { object } = multipart ? await api('complete', { token: grant.token, parts: sent.parts }) : await api('verify', { token: grant.token });
    multipart = undefined;
    const { url } = await api('download', { key: object.key });
    const result = li.querySelector('[data-testid=result]');
    result.textContent = 'verified: ' + object.size + ' bytes, ' + object.contentType + (object.checksum ? ', ' + object.checksum.algorithm + ' ' + object.checksum.value : '');
    const a = document.createElement('a');
    a.href = url;
    a.textContent = 'download';
    a.rel = 'noopener';
    result.append(a);
    status('verified', 'done');
  } catch (e) {
    cancel.remove();
    // A multipart upload that did not complete leaves parts on the storage: discard them.
    if (multipart) api('abort', { token: multipart.token }).catch(() => undefined);
    const box = li.querySelector('[data-testid=error]');
    if (e instanceof UploadError) {
      box.textContent = 'Refused: ' + e.humanMessage + '.';
      const detail = document.createElement('small');
      detail.textContent = e.status ? e.status + ' ' + (e.providerCode ?? '') + (e.providerMessage ? ': ' + e.providerMessage : '') : (e.providerMessage ?? '');
      box.append(detail);
      li.dataset.code = e.code;
    } else {
      box.textContent = (e.status === 422 ? 'Rejected: ' : e.status === 413 ? 'Refused: ' : 'Failed: ') + e.message;
      if (e.code) li.dataset.code = e.code;
    }
    status('failed', 'not uploaded');
  }
}
</script>
</body>
</html>
`;
}
