/**
 * The data owner's worker: holds the secret key (it never leaves this page),
 * makes the keys with progress, encrypts the CSV, decrypts a returned model,
 * seals the key file under a password and, as a demonstration, trains on the
 * page's own cores with {@link BrowserPairPool}.
 *
 * Written against the package, as a user would: `@hecnn/ckks` and
 * `@hecnn/ckks/browser` (resolved to src/ by the build).
 */
import {
  DataOwner,
  EncryptedTrainer,
  EvaluationKeys,
  Evaluator,
  INSECURE_OPT_IN,
  KEY_ID_BYTES,
  KeyGenerator,
  type Parameters,
  type ParametersLiteral,
  PRESETS,
  type Upload,
  accuracy,
  buildDesign,
  createParameters,
  decodeCheckpoint,
  decodeSecretKeyFile,
  encodeCheckpoint,
  encodeEvaluationKeysFile,
  encodeSecretKeyFile,
  encodeUpload,
  generateSigningKey,
  galoisElementsFor,
  keyIdHex,
  parseCsv,
  predict,
  randomSeed,
  rotationStepsFor,
  sameId,
  selectRows,
  trainingLayout,
  verifySession,
} from '@hecnn/ckks';
import { BrowserPairPool, openSecretKeyFile, sealSecretKeyFile } from '@hecnn/ckks/browser';
import type { Reply, Request } from './protocol.js';

interface Scope {
  onmessage: ((ev: { data: Request }) => void) | null;
  postMessage(message: Reply, transfer?: Transferable[]): void;
}
const scope = globalThis as unknown as Scope;

let params: Parameters | undefined;
let owner: DataOwner | undefined;
let plan: { keyId: Uint8Array; width: number; signingKey?: Uint8Array } | undefined;
let allowInsecure = false;
let keys: EvaluationKeys | undefined;
let upload: Upload | undefined;

const post = (r: Reply, transfer: Transferable[] = []): void => scope.postMessage(r, transfer);
const progress = (stage: string, done: number, total: number): void => post({ type: 'progress', stage, done, total });

function need<T>(x: T | undefined, what: string): T {
  if (x === undefined) throw new Error(`${what} first`);
  return x;
}

function keygen(req: Extract<Request, { cmd: 'keygen' }>): void {
  let lit: ParametersLiteral;
  if (req.literal.trim() !== '') lit = JSON.parse(req.literal) as ParametersLiteral;
  else if (Object.hasOwn(PRESETS, req.preset)) lit = { ...PRESETS[req.preset] };
  else throw new Error(`unknown preset ${req.preset}`);
  allowInsecure = req.allowInsecure;
  lit = { ...lit, unsafeAllowInsecure: allowInsecure ? INSECURE_OPT_IN : undefined };
  const p = createParameters(lit);
  const width = req.width;
  if (!Number.isInteger(width) || width < 2 || width > p.slots || (width & (width - 1)) !== 0) throw new Error(`the part width must be a power of two in [2, ${p.slots}]`);
  // The rotation keys depend on the slot count and the width only; one key at a time, for the progress bar.
  const { steps, conjugate } = rotationStepsFor(trainingLayout(p, { n: 1, d: width, K: 1 }, width));
  const elements = galoisElementsFor(p, steps, conjugate);
  const total = elements.length + 2;
  const kg = new KeyGenerator(p, { shared: typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true });
  owner?.wipe();
  progress('keygen', 0, total);
  const sk = kg.genSecretKey();
  progress('keygen', 1, total);
  const ek = new EvaluationKeys(p, kg.genRelinKey(sk), new Map());
  progress('keygen', 2, total);
  elements.forEach((g, i) => {
    ek.galois.set(g, kg.genGaloisKey(sk, g));
    progress('keygen', 3 + i, total);
  });
  params = p;
  owner = DataOwner.fromSecretKey(p, sk);
  // The owner's Ed25519 signing key signs eval.keys and the upload (the server checks them).
  plan = { keyId: randomSeed().slice(0, KEY_ID_BYTES), width, signingKey: generateSigningKey() };
  keys = ek;
  upload = undefined;
  const evalKeys = encodeEvaluationKeysFile(p, ek, plan);
  post(
    { type: 'keys', summary: `N = ${p.N}, ${p.maxLevel} levels, ${ek.galois.size} Galois keys + relinearization, key id ${keyIdHex(plan.keyId)}; eval.keys ${(evalKeys.length / 2 ** 20).toFixed(2)} MB`, evalKeys },
    [evalKeys.buffer as ArrayBuffer],
  );
}

function encrypt(req: Extract<Request, { cmd: 'encrypt' }>): void {
  const p = need(params, 'make or load a key');
  const o = need(owner, 'make or load a key');
  const pl = need(plan, 'make or load a key');
  const all = parseCsv(req.csv, { source: 'the CSV file' });
  const [a, b] = req.trainRows;
  if (a < 1 || b < a || b > all.n) throw new Error(`training rows ${a}:${b} are outside 1:${all.n}`);
  const tr = buildDesign(selectRows(all, a - 1, b));
  progress('encrypt', 0, 1);
  upload = o.encryptDataset(tr.X, tr.Y, { width: pl.width });
  const { bytes } = encodeUpload(p, upload, pl.keyId, { signingKey: pl.signingKey });
  progress('encrypt', 1, 1);
  post({ type: 'upload', summary: `${tr.X.rows} samples x ${tr.X.cols - 1} features, ${tr.Y.cols} classes; upload.bin ${(bytes.length / 2 ** 20).toFixed(2)} MB`, upload: bytes }, [
    bytes.buffer as ArrayBuffer,
  ]);
}

function testDesign(csv: string, rows: [number, number]): ReturnType<typeof buildDesign> {
  const all = parseCsv(csv, { source: 'the CSV file' });
  const [c, d] = rows;
  if (c < 1 || d < c || d > all.n) throw new Error(`test rows ${c}:${d} are outside 1:${all.n}`);
  return buildDesign(selectRows(all, c - 1, d));
}

function report(te: ReturnType<typeof buildDesign>, W: Float64Array): { accuracy: number; perClass: { label: number; correct: number; total: number }[] } {
  const pred = predict(te.X, W);
  const perClass = Array.from({ length: te.Y.cols }, (_, label) => ({ label, correct: 0, total: 0 }));
  for (let r = 0; r < te.X.rows; r++) {
    const c = perClass[te.labels[r]];
    c.total++;
    if (pred[r] === te.labels[r]) c.correct++;
  }
  return { accuracy: accuracy(te.X, te.labels, W), perClass };
}

function decrypt(req: Extract<Request, { cmd: 'decrypt' }>): void {
  const p = need(params, 'make or load a key');
  const o = need(owner, 'make or load a key');
  const pl = need(plan, 'make or load a key');
  const { params: cp, checkpoint } = decodeCheckpoint(req.checkpoint, allowInsecure ? { unsafeAllowInsecure: INSECURE_OPT_IN } : {});
  if (cp.fingerprint !== p.fingerprint) throw new Error('the model was made under other parameters than this key');
  if (!sameId(checkpoint.keyId, pl.keyId)) throw new Error(`the model is encrypted under key ${keyIdHex(checkpoint.keyId)}, this page holds ${keyIdHex(pl.keyId)}`);
  // The model must come from the keys and upload this owner signed.
  if (pl.signingKey !== undefined) verifySession(checkpoint, pl.signingKey);
  const te = testDesign(req.csv, req.testRows);
  if (te.X.cols !== checkpoint.shape.d) throw new Error(`the test rows have ${te.X.cols - 1} features, the model ${checkpoint.shape.d - 1}`);
  o.setProblem(checkpoint.shape, checkpoint.width);
  const W = o.decryptWeights(checkpoint.weights.W);
  const { accuracy: acc, perClass } = report(te, W.data);
  const { K, d } = checkpoint.shape;
  const lines: string[] = [];
  for (let k = 0; k < K; k++) lines.push(Array.from(W.data.subarray(k * d, (k + 1) * d)).join(','));
  post({
    type: 'decrypted',
    summary: `${K} x ${d} weights after ${checkpoint.iteration} iteration(s); ${te.X.rows} test samples`,
    accuracy: acc,
    perClass,
    weightsCsv: lines.join('\n') + '\n',
  });
}

/** The owner's refresh round trip: W and V decrypted and encrypted again at the top level. */
function refresh(req: Extract<Request, { cmd: 'refresh' }>): void {
  const p = need(params, 'make or load a key');
  const o = need(owner, 'make or load a key');
  const pl = need(plan, 'make or load a key');
  const { params: cp, checkpoint } = decodeCheckpoint(req.checkpoint, allowInsecure ? { unsafeAllowInsecure: INSECURE_OPT_IN } : {});
  if (cp.fingerprint !== p.fingerprint) throw new Error('the model was made under other parameters than this key');
  if (!sameId(checkpoint.keyId, pl.keyId)) throw new Error(`the model is encrypted under key ${keyIdHex(checkpoint.keyId)}, this page holds ${keyIdHex(pl.keyId)}`);
  // The model must come from the keys and upload this owner signed.
  if (pl.signingKey !== undefined) verifySession(checkpoint, pl.signingKey);
  if (!checkpoint.needsRefresh) throw new Error(`the model does not need a refresh (iteration ${checkpoint.iteration})`);
  const weights = o.refresh(checkpoint.weights);
  const bytes = encodeCheckpoint(p, { ...checkpoint, weights, refreshes: checkpoint.refreshes + 1, needsRefresh: false }, { signingKey: pl.signingKey });
  post({ type: 'refreshed', summary: `refreshed after iteration ${checkpoint.iteration} (refresh ${checkpoint.refreshes + 1}): send model.bin back, the server goes on with --resume`, checkpoint: bytes }, [bytes.buffer as ArrayBuffer]);
}

async function saveKey(req: Extract<Request, { cmd: 'saveKey' }>): Promise<void> {
  const p = need(params, 'make or load a key');
  const o = need(owner, 'make or load a key');
  const file = encodeSecretKeyFile(p, o.secretKey, need(plan, 'make or load a key'));
  try {
    const sealed = await sealSecretKeyFile(file, req.password, { onProgress: (f) => progress('password', Math.round(f * 100), 100) });
    post({ type: 'sealed', sealed }, [sealed.buffer as ArrayBuffer]);
  } finally {
    file.fill(0);
  }
}

async function loadKey(req: Extract<Request, { cmd: 'loadKey' }>): Promise<void> {
  const file = await openSecretKeyFile(req.sealed, req.password, { onProgress: (f) => progress('password', Math.round(f * 100), 100) });
  try {
    allowInsecure = req.allowInsecure;
    const { params: p, sk, plan: pl } = decodeSecretKeyFile(file, allowInsecure ? { unsafeAllowInsecure: INSECURE_OPT_IN } : {});
    owner?.wipe();
    params = p;
    owner = DataOwner.fromSecretKey(p, sk);
    plan = pl;
    keys = undefined;
    upload = undefined;
    post({ type: 'keyLoaded', summary: `key ${keyIdHex(pl.keyId)} restored: N = ${p.N}, ${p.maxLevel} levels, part width ${pl.width}` });
  } finally {
    file.fill(0);
  }
}

async function trainHere(req: Extract<Request, { cmd: 'trainHere' }>): Promise<void> {
  const p = need(params, 'make a key');
  const o = need(owner, 'make a key');
  const ek = need(keys, 'make a key in this page');
  const up = need(upload, 'encrypt the data');
  const ev = new Evaluator(p, ek);
  const pooled = new EncryptedTrainer(ev, up, o, { maxIterations: req.iterations });
  const single = new EncryptedTrainer(ev, up, o, { maxIterations: req.iterations });
  const pool = await BrowserPairPool.create(pooled.context(), ek, { threads: req.threads });
  let same = true;
  try {
    for (let i = 0; i < req.iterations; i++) {
      await pooled.stepWith(pool);
      single.step();
      const a = pooled.weights.W.flat();
      const b = single.weights.W.flat();
      same &&= a.length === b.length && a.every((ct, j) => ct.c.every((poly, m) => poly.data.every((x, k) => x === b[j].c[m].data[k])));
      progress('train', i + 1, req.iterations);
    }
  } finally {
    pool.close();
  }
  post({
    type: 'trained',
    summary: `${req.iterations} iteration(s) on ${pool.threads} Web Workers (keys ${pool.sharedKeys ? 'shared through SharedArrayBuffers' : 'copied into every worker'}), ${up.shape.n} samples`,
    sameAsOneThread: same,
    sharedKeys: pool.sharedKeys,
  });
}

scope.onmessage = (ev) => {
  const req = ev.data;
  const run = async (): Promise<void> => {
    switch (req.cmd) {
      case 'keygen':
        return keygen(req);
      case 'encrypt':
        return encrypt(req);
      case 'decrypt':
        return decrypt(req);
      case 'refresh':
        return refresh(req);
      case 'saveKey':
        return saveKey(req);
      case 'loadKey':
        return loadKey(req);
      case 'trainHere':
        return trainHere(req);
    }
  };
  run().catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }));
};
