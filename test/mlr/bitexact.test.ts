/**
 * Regression pin: with the platform CSPRNG replaced by a fixed SHAKE256 stream,
 * key generation, encryption and 3 iterations of the encrypted trainer (with a
 * refresh round trip) produce the same weights, bit for bit, as the code
 * before the RLWE core was split out of the CKKS layer. Any change to the
 * arithmetic (the NTT, basis conversion, key switching, rescaling, sampling)
 * that is not exact changes the digest: such a change must re-pin it on
 * purpose and say why.
 *
 * The digest is SHA-256 over the raw residues of every component of every W
 * ciphertext after iteration 3 (the decrypted model's float64 values are
 * pinned as well).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { shake256 } from '@noble/hashes/sha3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Evaluator, INSECURE_OPT_IN, createParameters } from '../../src/ckks/index.js';
import { DataOwner, EncryptedTrainer, buildDesign, parseCsv, selectRows, trainingLayout } from '../../src/mlr/index.js';

const FILE = new URL('../../data/mnist-regnet-x-400mf-first256.csv', import.meta.url);

/** The expected digests (computed with the code at 61d9d0d, before the restructuring). */
const WANT_CIPHERTEXTS = 'a7d5874378fb4dc6adab6559b3418d9facdd2ffb34dd1f00ef50f481ae9b0773';
const WANT_WEIGHTS = 'd1380aeb2fc3d4b18ababd6eb5eb6b8a04b6995d74cd51f8d3780792a2d7d76e';

describe('encrypted trainer: bit-exact regression pin (logN 11, 16 samples, 3 iterations)', () => {
  const original = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
  let counter = 0;
  beforeAll(() => {
    // Deterministic stand-in for the CSPRNG: SHAKE256("hecnn bitexact" || counter) per call.
    globalThis.crypto.getRandomValues = (<T extends ArrayBufferView | null>(a: T): T => {
      if (a === null) return a;
      const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      const label = new TextEncoder().encode(`hecnn bitexact ${counter++}`);
      bytes.set(shake256(label, { dkLen: bytes.length }));
      return a;
    }) as typeof globalThis.crypto.getRandomValues;
  });
  afterAll(() => {
    globalThis.crypto.getRandomValues = original;
  });

  it('W after 3 iterations equals the pinned digest', () => {
    const params = createParameters({ logN: 11, logQ: new Array(12).fill(30), logP: new Array(4).fill(30), logDefaultScale: 30, unsafeAllowInsecure: INSECURE_OPT_IN });
    const all = selectRows(parseCsv(readFileSync(FILE, 'utf8'), { source: 'bundled' }), 0, 16);
    const d = 100;
    const few = { ...all, d, features: Float64Array.from({ length: all.n * d }, (_, i) => all.features[Math.floor(i / d) * all.d + (i % d)]) };
    const tr = buildDesign(few);
    const owner = new DataOwner(params);
    const upload = owner.encryptDataset(tr.X, tr.Y, { width: 64 });
    const layout = trainingLayout(params, upload.shape, upload.width);
    const trainer = new EncryptedTrainer(new Evaluator(params, owner.evaluationKeys(layout)), upload, owner, { maxIterations: 10 });
    let refreshed = 0;
    for (let i = 0; i < 3; i++) if (trainer.step().refreshed) refreshed++;
    expect(refreshed).toBeGreaterThan(0);
    const h = createHash('sha256');
    for (const row of trainer.weights.W) for (const ct of row) for (const c of ct.c) h.update(new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength));
    const W = owner.decryptWeights(trainer.weights.W);
    const hw = createHash('sha256').update(new Uint8Array(W.data.buffer, W.data.byteOffset, W.data.byteLength)).digest('hex');
    expect(h.digest('hex')).toBe(WANT_CIPHERTEXTS);
    expect(hw).toBe(WANT_WEIGHTS);
  });
});
