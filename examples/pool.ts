/**
 * Encrypted training on worker threads, with the trainer from `@hecnn/ckks`
 * and the pool from `@hecnn/ckks/node` (one library instance across entry
 * points: the pool's ciphertexts go back to the owner's Decryptor at every
 * refresh). Small insecure test parameters (logN 12, 8 primes: a refresh
 * every iteration), 32 synthetic samples, 3 iterations; checks the pooled run
 * bit for bit against one thread.
 *
 *     node --import tsx examples/pool.ts
 */
import {
  DataOwner,
  EncryptedTrainer,
  Evaluator,
  INSECURE_OPT_IN,
  TrainerError,
  createParameters,
  trainingLayout,
  type Matrix,
} from '@hecnn/ckks';
import { NodePairPool } from '@hecnn/ckks/node';

const params = createParameters({ logN: 12, logQ: new Array(8).fill(30), logP: [30, 30], logDefaultScale: 30, unsafeAllowInsecure: INSECURE_OPT_IN });
const n = 32;
const d = 9; // bias + 8 features
const K = 4;
const X: Matrix = { rows: n, cols: d, data: new Float64Array(n * d) };
const Y: Matrix = { rows: n, cols: K, data: new Float64Array(n * K) };
for (let r = 0; r < n; r++) {
  const label = r % K;
  X.data[r * d] = 1;
  for (let c = 1; c < d; c++) X.data[r * d + c] = (c % K === label ? 0.8 : 0.1) + 0.05 * Math.sin(r * c);
  Y.data[r * K + label] = 1;
}

const owner = new DataOwner(params, { shared: true });
const layout = trainingLayout(params, { n, d, K });
const keys = owner.evaluationKeys(layout);
const upload = owner.encryptDataset(X, Y);
const ev = new Evaluator(params, keys);
const pooled = new EncryptedTrainer(ev, upload, owner, { maxIterations: 2 });
const single = new EncryptedTrainer(ev, upload, owner, { maxIterations: 2 });

// The pool's errors are the library's: instanceof holds across entry points.
try {
  await NodePairPool.create(pooled.context(), keys, { threads: 0 });
} catch (e) {
  if (!(e instanceof TrainerError)) throw new Error('pool errors should be TrainerErrors of @hecnn/ckks');
}

const pool = await NodePairPool.create(pooled.context(), keys, { threads: 2 });
try {
  for (let i = 0; i < 2; i++) {
    const st = await pooled.stepWith(pool);
    single.step();
    console.log(`iteration ${st.iteration}: ${st.seconds.toFixed(2)} s on ${pool.threads} threads${st.refreshed ? ', after a refresh' : ''}`);
  }
} finally {
  await pool.close();
}
const a = owner.decryptWeights(pooled.weights.W).data;
const b = owner.decryptWeights(single.weights.W).data;
let diff = 0;
for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
console.log(`refreshes: ${pooled.refreshes}; largest |pooled - one thread| = ${diff.toExponential(2)}; first weights ${Array.from(a.slice(0, 3), (x) => x.toFixed(4)).join(', ')}`);
if (pooled.refreshes < 1 || !(diff < 1e-3)) throw new Error('pool: results differ');
owner.wipe();
