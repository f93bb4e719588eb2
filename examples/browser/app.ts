/**
 * The data owner's page: buttons and files on one side, the owner's worker
 * (owner-worker.ts, which holds the secret key) on the other. Served by
 * `hecnn serve --owner` with the cross-origin isolation headers.
 */
import { PRESETS } from '@hecnn/ckks/ckks';
import type { Reply, Request } from './protocol.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`#${id} missing`);
  return e as T;
};
const worker = new Worker(new URL('./owner-worker.js', import.meta.url), { type: 'module', name: 'hecnn-owner' });

let csvText: string | undefined;
let evalKeys: Uint8Array | undefined;
let uploadBytes: Uint8Array | undefined;
let weightsCsv: string | undefined;
let waiting: ((r: Reply) => void) | undefined;
let statusEl: HTMLElement = $('status-keygen');

/** Presets that can train (the trainer needs 6 levels: 4 per iteration, 1 for W, 1 left to decrypt). */
for (const [name, lit] of Object.entries(PRESETS)) {
  if (lit.logQ !== undefined && lit.logQ.length - 1 < 6) continue;
  const o = document.createElement('option');
  o.value = o.textContent = name;
  $('preset').append(o);
}
$<HTMLSelectElement>('preset').value = 'PN16QP690_TRAIN_SEC128';
$('isolation').textContent = globalThis.crossOriginIsolated
  ? 'This page is cross-origin isolated: workers share memory.'
  : 'This page is NOT cross-origin isolated: workers get copies of the keys.';

function download(name: string, data: Uint8Array | string, type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function rows(id: string): [number, number] {
  const m = /^(\d+):(\d+)$/.exec($<HTMLInputElement>(id).value.trim());
  if (!m) throw new Error(`rows must read A:B, got ${$<HTMLInputElement>(id).value}`);
  return [Number(m[1]), Number(m[2])];
}

function show(text: string, error = false): void {
  statusEl.textContent = text;
  statusEl.className = error ? 'status error' : 'status';
}

worker.onmessage = (ev: MessageEvent<Reply>) => {
  const r = ev.data;
  if (r.type === 'progress') {
    $<HTMLProgressElement>('progress').max = r.total;
    $<HTMLProgressElement>('progress').value = r.done;
    $('progress-label').textContent = `${r.stage} ${r.done}/${r.total}`;
    return;
  }
  const w = waiting;
  waiting = undefined;
  w?.(r);
};

/** Send a request, show its result or error in `el`, and run `then` on success. */
function ask(req: Request, el: string, then: (r: Reply) => void, transfer: Transferable[] = []): void {
  statusEl = $(el);
  if (waiting !== undefined) return show('busy: wait for the current step', true);
  show('working...');
  document.body.dataset.busy = 'yes';
  waiting = (r) => {
    document.body.dataset.busy = 'no';
    if (r.type === 'error') show(r.message, true);
    else then(r);
  };
  worker.postMessage(req, transfer);
}

/** Show that a picked file is being read (before the request: the old status must not linger). */
function reading(el: string): void {
  statusEl = $(el);
  show('reading the file...');
}

function guard(f: () => void, el: string): () => void {
  return () => {
    try {
      f();
    } catch (e) {
      statusEl = $(el);
      show((e as Error).message, true);
    }
  };
}

$('keygen').onclick = guard(() => {
  const req: Request = {
    cmd: 'keygen',
    preset: $<HTMLSelectElement>('preset').value,
    literal: $<HTMLTextAreaElement>('literal').value,
    allowInsecure: $<HTMLInputElement>('insecure').checked,
    width: Number($<HTMLInputElement>('width').value),
  };
  ask(req, 'status-keygen', (r) => {
    if (r.type !== 'keys') return;
    evalKeys = r.evalKeys;
    show(`keys ready: ${r.summary}`);
    $<HTMLButtonElement>('download-keys').disabled = false;
    $<HTMLButtonElement>('save-key').disabled = false;
  });
}, 'status-keygen');

$('download-keys').onclick = () => evalKeys && download('eval.keys', evalKeys);

$('save-key').onclick = guard(() => {
  const password = $<HTMLInputElement>('password').value;
  if (password === '') throw new Error('type a password first');
  ask({ cmd: 'saveKey', password }, 'status-key', (r) => {
    if (r.type !== 'sealed') return;
    download('secret.hkey', r.sealed);
    show(`secret.hkey: ${r.sealed.length} bytes, sealed with scrypt and XChaCha20-Poly1305`);
  });
}, 'status-key');

$('load-key').onclick = guard(() => {
  const f = $<HTMLInputElement>('key-file').files?.[0];
  if (f === undefined) throw new Error('pick a key file first');
  const password = $<HTMLInputElement>('password').value;
  reading('status-key');
  void f.arrayBuffer().then((buf) =>
    ask({ cmd: 'loadKey', sealed: new Uint8Array(buf), password, allowInsecure: $<HTMLInputElement>('insecure').checked }, 'status-key', (r) => {
      if (r.type === 'keyLoaded') {
        show(r.summary);
        $<HTMLButtonElement>('save-key').disabled = false;
      }
    }),
  );
}, 'status-key');

$<HTMLInputElement>('csv').onchange = () => {
  const f = $<HTMLInputElement>('csv').files?.[0];
  statusEl = $('status-encrypt');
  if (f !== undefined) void f.text().then((t) => ((csvText = t), show(`${f.name}: ${t.length} characters`)));
};

$('use-bundled').onclick = () => {
  statusEl = $('status-encrypt');
  void fetch('./data/mnist-regnet-x-400mf-first256.csv')
    .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`the bundled data: HTTP ${r.status}`))))
    .then((t) => ((csvText = t), show(`bundled data: ${t.length} characters`)))
    .catch((e: Error) => show(e.message, true));
};

$('encrypt').onclick = guard(() => {
  if (csvText === undefined) throw new Error('pick a CSV file first');
  ask({ cmd: 'encrypt', csv: csvText, trainRows: rows('train-rows') }, 'status-encrypt', (r) => {
    if (r.type !== 'upload') return;
    uploadBytes = r.upload;
    show(`encrypted: ${r.summary}`);
    $<HTMLButtonElement>('download-upload').disabled = false;
  });
}, 'status-encrypt');

$('download-upload').onclick = () => uploadBytes && download('upload.bin', uploadBytes);

/** A bar chart of the accuracy per class, as SVG. */
function plot(perClass: { label: number; correct: number; total: number }[]): string {
  const w = 36;
  const h = 160;
  const bars = perClass
    .map((c, i) => {
      const a = c.total === 0 ? 0 : c.correct / c.total;
      const bh = Math.round(a * h);
      return `<rect x="${30 + i * w}" y="${10 + h - bh}" width="${w - 8}" height="${bh}" fill="#3a6ea5"><title>class ${c.label}: ${c.correct}/${c.total}</title></rect>` +
        `<text x="${30 + i * w + (w - 8) / 2}" y="${h + 26}" text-anchor="middle" font-size="12">${c.label}</text>`;
    })
    .join('');
  return `<svg id="accuracy-plot" xmlns="http://www.w3.org/2000/svg" width="${40 + perClass.length * w}" height="${h + 40}" role="img" aria-label="test accuracy per class">` +
    `<line x1="28" y1="10" x2="28" y2="${h + 10}" stroke="#444"/><text x="2" y="16" font-size="11">100%</text><text x="10" y="${h + 12}" font-size="11">0</text>${bars}</svg>`;
}

$('decrypt').onclick = guard(() => {
  const f = $<HTMLInputElement>('checkpoint').files?.[0];
  if (f === undefined) throw new Error('pick the returned model (checkpoint) first');
  if (csvText === undefined) throw new Error('pick the CSV file with the test rows first');
  const csv = csvText;
  const testRows = rows('test-rows');
  reading('status-decrypt');
  void f.arrayBuffer().then((buf) =>
    ask({ cmd: 'decrypt', checkpoint: new Uint8Array(buf), csv, testRows }, 'status-decrypt', (r) => {
      if (r.type !== 'decrypted') return;
      weightsCsv = r.weightsCsv;
      $('accuracy').textContent = `${(r.accuracy * 100).toFixed(2)}%`;
      $('plot').innerHTML = plot(r.perClass);
      show(r.summary);
      $<HTMLButtonElement>('download-weights').disabled = false;
    }),
  );
}, 'status-decrypt');

$('refresh').onclick = guard(() => {
  const f = $<HTMLInputElement>('checkpoint').files?.[0];
  if (f === undefined) throw new Error('pick the model (checkpoint) the server marked "needs refresh" first');
  reading('status-decrypt');
  void f.arrayBuffer().then((buf) =>
    ask({ cmd: 'refresh', checkpoint: new Uint8Array(buf) }, 'status-decrypt', (r) => {
      if (r.type !== 'refreshed') return;
      download('model.bin', r.checkpoint);
      show(r.summary);
    }),
  );
}, 'status-decrypt');

$('download-weights').onclick = () => weightsCsv && download('weights.csv', weightsCsv, 'text/csv');

$('train-here').onclick = guard(() => {
  const iterations = Number($<HTMLInputElement>('iterations').value);
  const threads = Number($<HTMLInputElement>('threads').value);
  ask({ cmd: 'trainHere', iterations, threads }, 'status-train', (r) => {
    if (r.type === 'trained') show(`${r.summary}; bitwise equal to one thread: ${r.sameAsOneThread ? 'yes' : 'NO'}`);
  });
}, 'status-train');

document.body.dataset.ready = 'yes';
