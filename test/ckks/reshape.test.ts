/**
 * Output reuse (reshape in src/ckks/types.ts): an output ciphertext used at
 * alternating levels and degrees grows back into the memory it was cut from
 * (no allocation after the first use), the results stay right, and memory
 * that the ciphertext no longer holds (a component replaced from outside) is
 * never written.
 */
import { describe, expect, it } from 'vitest';
import { Ciphertext, Encoder, Encryptor, Evaluator, KeyGenerator, PRESETS, createParameters } from '../../src/ckks/index.js';
import { RnsPoly } from '../../src/ntt/index.js';
import { Decryptor } from '../../src/ckks/encryption.js';
import { expectBits, randomVec, rotateRef } from './helpers.js';

describe('reshape: an output reused at alternating levels and degrees', () => {
  const params = createParameters(PRESETS.PN12QP180_INSECURE);
  const kg = new KeyGenerator(params);
  const sk = kg.genSecretKey();
  const ev = new Evaluator(params, kg.genEvaluationKeys(sk, { steps: [1] }));
  const encoder = new Encoder(params);
  const enc = new Encryptor(params, sk);
  const dec = new Decryptor(params, sk);
  const n = params.slots;
  const x = randomVec(n, 5);
  const ct = enc.encrypt(encoder.encode(x, params.maxLevel));
  const prod = ev.mulRelinNew(ct, ct);

  it('rescale, rotate, mulRelin into one out: the same buffers every round after the first, right values', () => {
    const out = new Ciphertext(params, 1, params.maxLevel, ct.scale, ct.slots);
    let buffers: ArrayBufferLike[] | undefined;
    for (let round = 0; round < 3; round++) {
      ev.rescale(prod, out);
      expect(out.level).toBe(params.maxLevel - 1);
      ev.rotate(ct, 1, out);
      expectBits('PN12QP180_INSECURE', 'rotate into a reused out', encoder.decode(dec.decrypt(out)), rotateRef(x, 1), 15);
      ev.mulRelin(ct, ct, out);
      expectBits('PN12QP180_INSECURE', 'mulRelin into a reused out', encoder.decode(dec.decrypt(ev.rescaleNew(out))), x.map((v) => v * v), 15);
      ev.mul(ct, ct, out); // degree 2 again: the dropped third component comes back
      expect(out.degree).toBe(2);
      const now = out.c.map((p) => p.data.buffer);
      if (buffers === undefined) buffers = now;
      else expect(now).toEqual(buffers);
    }
  });

  it('never writes memory the output no longer holds', () => {
    const out = new Ciphertext(params, 1, params.maxLevel, ct.scale, ct.slots);
    const original = out.c[0];
    ev.rescale(prod, out); // out.c[0] is now a prefix view of original
    // The caller replaces the component with a polynomial of its own, and keeps the original.
    out.c[0] = new RnsPoly(params.N, params.maxLevel);
    out.c[0].isNtt = true;
    original.data.fill(7);
    ev.rotate(ct, 1, out); // grows: must not go back into `original`
    expect(original.data.every((v) => v === 7)).toBe(true);
    expectBits('PN12QP180_INSECURE', 'rotate after a replaced component', encoder.decode(dec.decrypt(out)), rotateRef(x, 1), 15);
  });
});
