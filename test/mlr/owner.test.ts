/**
 * DataOwner around an existing secret key (the CLI's owner commands load it
 * from a file), and wiping: a wiped owner refuses to decrypt and to refresh.
 */
import { describe, expect, it } from 'vitest';
import { CkksError, Decryptor, INSECURE_OPT_IN, KeyGenerator, createParameters } from '../../src/ckks/index.js';
import { DataOwner, TrainerError } from '../../src/mlr/index.js';

const params = createParameters({ logN: 4, logQ: [30, 30], logP: [30], digitSize: 1, logDefaultScale: 20, unsafeAllowInsecure: INSECURE_OPT_IN });
const X = { rows: 4, cols: 5, data: Float64Array.from({ length: 20 }, (_, i) => (i % 5 === 0 ? 1 : Math.sin(i))) };
const Y = { rows: 4, cols: 3, data: Float64Array.from({ length: 12 }, (_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0)) };

describe('DataOwner.fromSecretKey and wipe', () => {
  it('an owner built from the key decrypts what the key owner encrypted, once it knows the shape', () => {
    const a = new DataOwner(params);
    const up = a.encryptDataset(X, Y, { width: 4 });
    const b = DataOwner.fromSecretKey(params, a.secretKey);
    const W = [[up.W0, up.W0], [up.W0, up.W0]];
    expect(() => b.decryptWeights(W)).toThrow(/setProblem/);
    b.setProblem(up.shape, up.width);
    const w = b.decryptWeights(W);
    expect([w.rows, w.cols]).toEqual([3, 5]);
    for (const v of w.data) expect(Math.abs(v - 0.0128)).toBeLessThan(1e-6);
    const again = b.refresh({ W, V: W });
    expect(again.W[0][0].level).toBe(params.maxLevel);
    expect(b.refreshes).toBe(1);
  });

  it('a wiped owner refuses to decrypt and to refresh; the shared key object is wiped', () => {
    const sk = new KeyGenerator(params).genSecretKey();
    const owner = DataOwner.fromSecretKey(params, sk);
    const up = owner.encryptDataset(X, Y, { width: 4 });
    const W = [[up.W0, up.W0], [up.W0, up.W0]];
    expect(owner.decryptWeights(W).rows).toBe(3);
    owner.wipe();
    expect(owner.isWiped).toBe(true);
    expect(sk.isWiped).toBe(true);
    expect(sk.coeffs.every((c) => c === 0)).toBe(true);
    expect(sk.poly.data.every((c) => c === 0)).toBe(true);
    expect(() => owner.decryptWeights(W)).toThrow(TrainerError);
    expect(() => owner.decryptWeights(W)).toThrow(/wiped/);
    expect(() => owner.refresh({ W, V: W })).toThrow(/wiped/);
    expect(owner.refreshes).toBe(0);
    expect(() => new Decryptor(params, sk).decrypt(up.W0)).toThrow(CkksError);
    expect(() => DataOwner.fromSecretKey(params, sk)).toThrow(/wiped/);
  });

  it('refuses a key of other parameters or something that is not a key', () => {
    const other = createParameters({ logN: 4, logQ: [30, 30, 30], logP: [30], digitSize: 1, logDefaultScale: 20, unsafeAllowInsecure: INSECURE_OPT_IN });
    const sk = new KeyGenerator(other).genSecretKey();
    expect(() => DataOwner.fromSecretKey(params, sk)).toThrow(/other parameters/);
    expect(() => DataOwner.fromSecretKey(params, {} as never)).toThrow(TrainerError);
  });
});
