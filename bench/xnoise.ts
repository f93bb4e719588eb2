/**
 * `npm run bench -- xnoise`: how much of the trainer's drift from the
 * plaintext mirror X's encryption noise alone causes, at the scale X is
 * encrypted at (docs/CIRCUIT.md, "Bootstrapping instead of refresh round
 * trips"). Not a timing: a precision experiment with a fixed seed.
 *
 * X (the bundled features, `rows` rows) is encrypted at N = 2^16 at scale
 * 2^logX and decrypted; two plaintext mirrors of the circuit then run side by
 * side, one computing Z = X V^T with the exact X, the other with the decrypted
 * X, both using the exact X in the gradient and the exact Bbar (as the
 * encrypted circuit does: X~ = X diag(Bbar) is encrypted at 2^35 and Bbar is
 * computed by the owner from the exact X). The report is their largest weight
 * difference after 1, 10, 20, 50 and 100 iterations, per scale.
 *
 * Environment: XNOISE_ROWS (default 256), XNOISE_LOGX (default "20,25,50").
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Decryptor, Encoder, Encryptor, KeyGenerator, PRESETS, XofSource, createParameters } from '../src/ckks/index.js';
import { PlainTrainerState, SIGMOID3_C0, SIGMOID3_C1, SIGMOID3_C3, buildDesign, nagSchedule, parseCsv, selectRows, trainingLayout } from '../src/mlr/index.js';
import { round } from './util.js';

/** The mirror's step with Z computed from `Xz` (the rest from the exact X and Bbar). */
function mirrorWithZFrom(X: { rows: number; cols: number; data: Float64Array }, Y: { cols: number; data: Float64Array }, Xz: Float64Array, bbar: Float64Array, iterations: number): () => Float64Array {
  const n = X.rows;
  const d = X.cols;
  const K = Y.cols;
  const x = X.data;
  const y = Y.data;
  const { eta, gamma } = nagSchedule(iterations, n);
  let w = new Float64Array(K * d).fill(0.0128);
  let v = new Float64Array(K * d).fill(0.0128);
  let t = 0;
  return () => {
    const G = new Float64Array(K * d);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < K; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += Xz[r * d + j] * v[c * d + j];
        const e = y[r * K + c] - (SIGMOID3_C0 + SIGMOID3_C1 * s + SIGMOID3_C3 * s * s * s);
        for (let j = 0; j < d; j++) G[c * d + j] += e * x[r * d + j];
      }
    }
    const W = new Float64Array(K * d);
    const V = new Float64Array(K * d);
    for (let i = 0; i < K * d; i++) {
      const tmp = w[i] + (1 + gamma[t]) * bbar[i % d] * G[i];
      W[i] = (1 - eta[t]) * tmp + eta[t] * v[i];
      V[i] = tmp;
    }
    w = W;
    v = V;
    t++;
    return W;
  };
}

/** Run the experiment. */
export async function run(): Promise<object> {
  const rows = Number(process.env.XNOISE_ROWS ?? 256);
  const scales = (process.env.XNOISE_LOGX ?? '20,25,50').split(',').map(Number);
  const params = createParameters(PRESETS.PN16QP1530_TRAIN_BOOT_H192);
  const file = fileURLToPath(new URL('../data/mnist-regnet-x-400mf-first256.csv', import.meta.url));
  const tr = buildDesign(selectRows(parseCsv(readFileSync(file, 'utf8'), { source: file }), 0, rows));
  const seed = new Uint8Array(32).fill(5);
  const kg = new KeyGenerator(params, { source: new XofSource(seed, 'bench/xnoise keys'), hammingWeight: 192 });
  const sk = kg.genSecretKey();
  const enc = new Encryptor(params, sk, new XofSource(seed, 'bench/xnoise enc'));
  const dec = new Decryptor(params, sk);
  const encoder = new Encoder(params);
  const layout = trainingLayout(params, { n: tr.X.rows, d: tr.X.cols, K: tr.Y.cols });
  // Where each value of X sits in the packed slots (the inverse of layout.pack).
  const where = layout.pack(Float64Array.from({ length: tr.X.data.length }, (_, i) => i + 1));
  const level = 13;
  const checkpoints = [1, 10, 20, 50, 100];
  const out: { logX: number; maxXError: number; drift: Record<string, number> }[] = [];
  for (const logX of scales) {
    const back = layout.pack(tr.X.data).map((v) => encoder.decode(dec.decrypt(enc.encrypt(encoder.encode(v, level, 2 ** logX)))));
    const Xd = new Float64Array(tr.X.data.length);
    where.forEach((idx, c) => idx.forEach((k, s) => {
      if (k > 0) Xd[k - 1] = back[c][s];
    }));
    let maxXError = 0;
    for (let i = 0; i < Xd.length; i++) maxXError = Math.max(maxXError, Math.abs(Xd[i] - tr.X.data[i]));
    const exact = new PlainTrainerState(tr.X, tr.Y, { method: 'SigmoidNAGQG', sigmoid: 'poly3', w0: 0.0128 });
    const noisy = mirrorWithZFrom(tr.X, tr.Y, Xd, exact.bbar as Float64Array, 100);
    const drift: Record<string, number> = {};
    for (let i = 1; i <= 100; i++) {
      const a = exact.step().W;
      const b = noisy();
      let m = 0;
      for (let j = 0; j < a.length; j++) m = Math.max(m, Math.abs(a[j] - b[j]));
      if (checkpoints.includes(i)) drift[String(i)] = round(m);
    }
    console.log(`X at 2^${logX}: max |X error| ${maxXError.toExponential(2)}; max |W - mirror| from X's noise alone after 1/10/20/50/100 iterations: ${Object.values(drift).map((x) => x.toExponential(2)).join(' / ')}`);
    out.push({ logX, maxXError: round(maxXError), drift });
  }
  return { suite: 'xnoise', rows, preset: 'PN16QP1530_TRAIN_BOOT_H192', level, results: out };
}
