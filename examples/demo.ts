/**
 * `npm run demo`: a small end-to-end encrypted computation with @hecnn/ckks.
 *
 * The data owner encrypts two vectors of 32768 values (N = 2^16, the paper's
 * ring), the "server" computes an inner product and a degree-3 polynomial
 * (the sigmoid approximation of Chiang 2023) on the ciphertexts with the
 * evaluation keys only, and the owner decrypts and compares with plain
 * float64 arithmetic. Prints timings and the precision in bits, and exits
 * with an error if the precision is below 10 bits (it is run as a test).
 *
 * Written as a user would: `import ... from '@hecnn/ckks'` (in this
 * repository tsconfig.json maps the name to src/; installed, it is the package).
 */

import {
  Decryptor,
  Encoder,
  Encryptor,
  Evaluator,
  KeyGenerator,
  PN16QP420_SEC128,
  createParameters,
} from '@hecnn/ckks';

function bits(got: ArrayLike<number>, want: ArrayLike<number>, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(got[i] - want[i]));
  return -Math.log2(m);
}

function timed<T>(label: string, f: () => T): T {
  const t0 = performance.now();
  const r = f();
  console.log(`  ${label.padEnd(44)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms`);
  return r;
}

const params = createParameters(PN16QP420_SEC128);
console.log(
  `Parameters PN16QP420_SEC128: N = ${params.N}, ${params.slots} slots, ${params.Q.length} + ${params.P.length} primes, ` +
    `log2(QP) = ${params.logQP.toFixed(1)}, security ${params.securityLevel} bits`,
);

// Data owner: keys and encryption.
const n = params.slots;
const x = Float64Array.from({ length: n }, (_, i) => Math.sin(0.001 * i));
const y = Float64Array.from({ length: n }, (_, i) => Math.cos(0.002 * i) / 2);
console.log('Data owner');
const kg = new KeyGenerator(params);
const sk = timed('secret key', () => kg.genSecretKey());
const steps = Array.from({ length: Math.log2(n) }, (_, i) => 2 ** i);
const evalKeys = timed(`relinearization + ${steps.length} rotation keys`, () => kg.genEvaluationKeys(sk, { steps }));
const encoder = new Encoder(params);
const encryptor = new Encryptor(params, sk);
const cx = timed('encode + encrypt x', () => encryptor.encrypt(encoder.encode(x, params.maxLevel)));
const cy = timed('encode + encrypt y', () => encryptor.encrypt(encoder.encode(y, params.maxLevel)));

// Server: evaluation keys and ciphertexts only.
console.log('Server (evaluation keys only)');
const ev = new Evaluator(params, evalKeys);
const dot = timed(`inner product x.y (1 mul, ${steps.length} rotations)`, () => {
  const acc = ev.rescaleNew(ev.mulRelinNew(cx, cy));
  for (const k of steps) ev.add(acc, ev.rotateNew(acc, k), acc);
  return acc;
});
// sigmoid approximation: 0.5 + c1 x + c3 x^3, 2 levels.
const c1 = 0.10679534503216294;
const c3 = -0.00038503259805075;
const sig = timed('sigmoid polynomial 0.5 + c1 x + c3 x^3', () => {
  const x2 = ev.rescaleNew(ev.mulRelinNew(cx, cx));
  const c3x = ev.rescaleNew(ev.mulConstNew(cx, c3));
  const cube = ev.rescaleNew(ev.mulRelinNew(x2, c3x));
  const lin = ev.rescaleNew(ev.mulConstNew(cx, c1, cube.scale * params.Q[cx.level] / cx.scale));
  ev.dropLevel(lin, lin.level - cube.level, lin);
  ev.add(cube, lin, cube);
  return ev.addConstNew(cube, 0.5);
});

// Data owner: decrypt and check.
console.log('Data owner');
const decryptor = new Decryptor(params, sk);
const dotGot = timed('decrypt + decode inner product', () => encoder.decode(decryptor.decrypt(dot)));
const sigGot = timed('decrypt + decode sigmoid', () => encoder.decode(decryptor.decrypt(sig)));
let dotWant = 0;
for (let i = 0; i < n; i++) dotWant += x[i] * y[i];
const sigWant = x.map((v) => 0.5 + c1 * v + c3 * v ** 3);
console.log(`\ninner product: encrypted ${dotGot[0].toFixed(6)}, plain ${dotWant.toFixed(6)}, |diff| = ${Math.abs(dotGot[0] - dotWant).toExponential(2)}`);
console.log(`sigmoid polynomial on ${n} slots: ${bits(sigGot, sigWant, n).toFixed(1)} bits of precision (max abs error ${(2 ** -bits(sigGot, sigWant, n)).toExponential(2)})`);
console.log(`levels used: inner product ${params.maxLevel - dot.level}, sigmoid ${params.maxLevel - sig.level} (of ${params.maxLevel})`);

if (bits(sigGot, sigWant, n) < 10 || Math.abs(dotGot[0] - dotWant) > 1e-2) throw new Error('demo: the encrypted results are off');
