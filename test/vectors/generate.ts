/**
 * Known-answer vectors for the ring layer, computed with the plain BigInt
 * reference (test/ntt/reference.ts) only; nothing from src/ is imported.
 *
 * Run: npx tsx test/vectors/generate.ts
 * The JSON files it writes are committed and compared with the fast code by
 * test/ntt/vectors.test.ts. Regenerating must reproduce them byte for byte.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  allPrimitive2NthRoots,
  automorphismRef,
  brev,
  centered,
  fastBaseConvIntegerRef,
  minimalPsiRef,
  mod,
  modpow,
  negacyclicRef,
  nttPrimesRef,
  nttRef,
  product,
  smallestNttPrimeAtLeast,
  splitmix64,
} from '../ntt/reference.js';

const dir = fileURLToPath(new URL('.', import.meta.url));

function write(name: string, value: unknown): void {
  writeFileSync(dir + name, JSON.stringify(value, null, 1) + '\n');
  console.log('wrote', name);
}

/** N residues mod q: a few edge values first (0, 1, q-1, q-2), then pseudo-random ones. */
function residues(N: number, q: bigint, seed: bigint): bigint[] {
  const rnd = splitmix64(seed);
  const out: bigint[] = [0n, 1n, q - 1n, q - 2n];
  while (out.length < N) out.push(rnd() % q);
  return out;
}

const num = (xs: readonly bigint[]): number[] => xs.map((x) => Number(x));

// ---- NTT vectors -----------------------------------------------------------
for (const logN of [4, 6]) {
  const N = 1 << logN;
  const cases = [];
  const small = smallestNttPrimeAtLeast(logN, 2n);
  const top = nttPrimesRef(logN, [30])[0];
  for (const q of [small, top]) {
    const psi = minimalPsiRef(q, logN);
    const a = residues(N, q, q * 1000n + BigInt(logN));
    const b = residues(N, q, q * 2000n + BigInt(logN)).reverse();
    cases.push({
      q: Number(q),
      logN,
      psi: Number(psi),
      input: num(a),
      expected: num(nttRef(a, psi, q, logN)),
      b: num(b),
      product: num(negacyclicRef(a, b, q)),
    });
  }
  write(`ntt-logN${logN}.json`, {
    description: `Negacyclic NTT modulo q for N = 2^${logN}: expected[i] = input(psi^(2*brev(i)+1)) mod q, psi the minimal primitive 2N-th root; product = input * b mod (X^N + 1, q).`,
    cases,
  });
}

// ---- Primes ----------------------------------------------------------------
{
  const logN = 16;
  const first = nttPrimesRef(logN, new Array<number>(8).fill(30));
  const psi = first.map((q) => minimalPsiRef(q, logN));
  const others: { logN: number; bits: number; primes: number[] }[] = [];
  for (const [l, bits, count] of [
    [16, 29, 4],
    [16, 25, 4],
    [16, 20, 1],
    [17, 30, 4],
    [17, 20, 1],
    [15, 30, 4],
    [12, 30, 4],
    [10, 30, 4],
    [4, 30, 4],
    [4, 7, 1],
    [4, 10, 4],
  ] as const) {
    others.push({ logN: l, bits, primes: num(nttPrimesRef(l, new Array<number>(count).fill(bits))) });
  }
  write('primes-logN16.json', {
    description:
      'Largest NTT-friendly primes q < 2^bits with q = 1 mod 2^(logN+1), in decreasing order; psi[i] is the minimal primitive 2N-th root modulo primes30[i].',
    logN,
    bits: 30,
    primes30: num(first),
    psi: num(psi),
    others,
  });
}

// ---- Automorphisms ---------------------------------------------------------
{
  const logN = 4;
  const N = 1 << logN;
  const M = 2n * BigInt(N);
  const q = nttPrimesRef(logN, [30])[0];
  const psi = minimalPsiRef(q, logN);
  const a = residues(N, q, 424242n);
  const inv5 = modpow(5n, M / 4n - 1n, M); // 5^-1 mod 2N (5 has order N/2)
  const gs = [1n, 3n, 5n, mod(5n * 5n, M), inv5, M - 1n, M - 3n];
  write('automorphism-logN4.json', {
    description:
      'sigma_g(a) = a(X^g) mod (X^N + 1, q) in coefficient form (coeff) and NTT form (ntt = NTT of coeff, bit-reversed slots); perm[i] = brev(((2 brev(i)+1) g mod 2N - 1)/2).',
    q: Number(q),
    logN,
    psi: Number(psi),
    input: num(a),
    inputNtt: num(nttRef(a, psi, q, logN)),
    cases: gs.map((g) => {
      const s = automorphismRef(a, g, q);
      const perm: number[] = [];
      for (let i = 0; i < N; i++) {
        const e = mod(BigInt(2 * brev(i, logN) + 1) * g, M);
        perm.push(brev(Number((e - 1n) / 2n), logN));
      }
      return { g: Number(g), coeff: num(s), ntt: num(nttRef(s, psi, q, logN)), perm };
    }),
  });
}

// ---- RNS: CRT and fast basis conversion ------------------------------------
{
  const logN = 4;
  const N = 1 << logN;
  const from = nttPrimesRef(logN, [30, 30, 29]);
  const to = nttPrimesRef(logN, [28, 30], from);
  const Q = product(from);
  const rnd = splitmix64(77n);
  const xs: bigint[] = [0n, 1n, Q - 1n, Q / 2n, Q / 2n + 1n, from[0], Q - from[0]];
  while (xs.length < N) xs.push(mod(rnd() * rnd(), Q));
  write('rns-logN4.json', {
    description:
      'Integers x in [0, Q) (decimal strings), their residues modulo from[i] (limb-major), centered representatives, and FastBConv to the primes `to`: conv[j][c] = (sum_i [x_i (Q/q_i)^-1]_{q_i} (Q/q_i)) mod to[j], u[c] the multiple of Q it adds.',
    logN,
    from: num(from),
    to: num(to),
    x: xs.map(String),
    residues: from.map((qi) => num(xs.map((x) => mod(x, qi)))),
    centered: xs.map((x) => String(centered(x, Q))),
    conv: to.map((p) => num(xs.map((x) => mod(fastBaseConvIntegerRef(x, from), p)))),
    u: xs.map((x) => Number((fastBaseConvIntegerRef(x, from) - x) / Q)),
  });
}

// Sanity of the reference itself (cheap, independent characterisations).
{
  const q = smallestNttPrimeAtLeast(4, 2n);
  const roots = allPrimitive2NthRoots(q, 4);
  if (new Set(roots).size !== 16) throw new Error('reference: roots not distinct');
}
