// The demo page: pick files, get a grant per file from the API (with the file's SHA-256), upload
// straight to the storage URL, then verify. Self-contained HTML so the server needs no assets.
// Stable test hooks: data-testid = file, upload, progress, result, error.
export function demoPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>upgrant demo</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f5f6f8; }
  main { max-width: 42rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border-radius: 12px; box-shadow: 0 1px 4px #0002; }
  h1 { margin-top: 0; font-size: 1.4rem; }
  .provider { font-size: .9rem; color: #566; }
  form { display: flex; gap: .75rem; flex-wrap: wrap; align-items: center; margin: 1rem 0; }
  button { padding: .5rem 1.1rem; border: 0; border-radius: 6px; background: #2458d3; color: #fff; font-size: 1rem; cursor: pointer; }
  button:disabled { background: #99a; }
  ul { list-style: none; padding: 0; }
  li { border-top: 1px solid #e3e5ea; padding: .75rem 0; word-break: break-all; }
  progress { width: 100%; height: .6rem; }
  .ok { color: #17703a; } .bad { color: #b3261e; }
  .enf { font-size: .8rem; color: #667; }
</style>
</head>
<body>
<main>
  <h1>upgrant: direct-to-storage upload</h1>
  <p class="provider">Storage: <strong id="provider">…</strong>. The file goes straight to storage with a single-use grant; this server never sees the bytes.</p>
  <form id="form">
    <input type="file" multiple data-testid="file" id="file">
    <button type="submit" data-testid="upload">Upload</button>
  </form>
  <ul id="list"></ul>
</main>
<script type="module">
const $ = (id) => document.getElementById(id);
fetch('/api/info').then((r) => r.json()).then((i) => { $('provider').textContent = i.provider + ' / ' + i.bucket; });

async function sha256(file) {
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  let s = ''; for (const b of new Uint8Array(digest)) s += String.fromCharCode(b);
  return btoa(s);
}

async function api(path, body) {
  const r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await r.json();
  if (!r.ok) throw new Error(json.error?.violations ? json.error.violations.map((v) => v.constraint + ' is ' + v.actual + ', expected ' + v.expected).join('; ') : json.error?.message ?? r.statusText);
  return json;
}

function send(grant, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(grant.method, grant.url);
    let body = file;
    if (grant.method === 'POST') {
      body = new FormData();
      for (const [k, v] of Object.entries(grant.fields ?? {})) body.append(k, v);
      body.append('file', file);
    } else {
      for (const [k, v] of Object.entries(grant.headers)) if (k !== 'content-length') xhr.setRequestHeader(k, v);
    }
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => xhr.status < 300 ? resolve() : reject(new Error('storage refused the upload (' + xhr.status + '): ' + xhr.responseText.slice(0, 200)));
    xhr.onerror = () => reject(new Error('network error while uploading'));
    xhr.send(body);
  });
}

async function upload(file) {
  const li = document.createElement('li');
  li.innerHTML = '<div class="name"></div><progress data-testid="progress" max="1" value="0"></progress><div data-testid="result"></div><div class="bad" data-testid="error"></div><div class="enf"></div>';
  li.querySelector('.name').textContent = file.name + ' (' + file.size + ' bytes)';
  $('list').append(li);
  const bar = li.querySelector('progress');
  try {
    const grant = await api('/api/grants', { filename: file.name, contentType: file.type || 'application/octet-stream', size: file.size, sha256: await sha256(file) });
    li.querySelector('.enf').textContent = 'enforced by storage: ' + Object.entries(grant.enforcement).filter(([, v]) => v === 'storage').map(([k]) => k).join(', ') +
      '; checked after upload: ' + (Object.entries(grant.enforcement).filter(([, v]) => v === 'verify').map(([k]) => k).join(', ') || 'nothing');
    await send(grant, file, (p) => { bar.value = p; });
    bar.value = 1;
    const { object } = await api('/api/uploads/verify', { token: grant.token });
    const { url } = await api('/api/downloads', { key: object.key });
    const result = li.querySelector('[data-testid=result]');
    result.className = 'ok';
    result.textContent = 'verified: ' + object.size + ' bytes, ' + object.contentType + ' ';
    const a = document.createElement('a'); a.href = url; a.textContent = 'download'; result.append(a);
  } catch (e) {
    li.querySelector('[data-testid=error]').textContent = e.message;
  }
}

$('form').addEventListener('submit', (e) => {
  e.preventDefault();
  for (const file of $('file').files) upload(file);
});
</script>
</body>
</html>
`;
}
