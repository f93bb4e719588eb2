/**
 * Authentication of the protocol files and the server's checkpoint
 * cross-check, at the library level (issue 15, item 2; the command's side is
 * test/cli/integrity.test.ts):
 *
 * - sealBundle / openBundle: the digest covers every byte before the trailer,
 *   the signature verifies only under the key that made it, a signature of
 *   one bundle kind does not verify for another;
 * - the loaders refuse unsigned files when a signer is required, and files of
 *   another signer, with an IntegrityError (code MALFORMED_DATA);
 * - verifySession accepts a checkpoint made from the owner's signed files
 *   only;
 * - expectedRunState follows the trainer's levels and refreshes, iteration by
 *   iteration (a real EncryptedTrainer at a tiny ring), and checkCheckpoint
 *   accepts the trainer's own states and refuses edited counters, swapped W
 *   and V, mixed levels, and shapes other than the upload's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Evaluator, INSECURE_OPT_IN, type Parameters, createParameters } from '../../src/ckks/index.js';
import {
  BundleError,
  BundleKind,
  type Checkpoint,
  type CheckpointExpectation,
  DataOwner,
  EncryptedTrainer,
  IntegrityError,
  KEY_ID_BYTES,
  type Upload,
  checkCheckpoint,
  decodeCheckpoint,
  decodeEvaluationKeysFile,
  decodeSecretKeyFile,
  decodeUpload,
  encodeCheckpoint,
  encodeEvaluationKeysFile,
  encodeSecretKeyFile,
  encodeUpload,
  expectedRunState,
  generateSigningKey,
  sessionOf,
  signerPublicKey,
  trainingLayout,
  verifyDigestSignature,
  verifySession,
} from '../../src/mlr/index.js';

const OPTS = { unsafeAllowInsecure: INSECURE_OPT_IN } as const;
const keyId = Uint8Array.from({ length: KEY_ID_BYTES }, (_, i) => 3 * i + 1);

let params: Parameters;
let owner: DataOwner;
let upload: Upload;
const signingKey = generateSigningKey();
let keysFile: Uint8Array;
let uploadFile: Uint8Array;

beforeAll(() => {
  // N = 16 (8 slots), 11 levels of 30-bit primes: two iterations per refresh cycle.
  params = createParameters({ logN: 4, logQ: new Array<number>(12).fill(30), logP: [30], digitSize: 1, logDefaultScale: 20, unsafeAllowInsecure: INSECURE_OPT_IN });
  owner = new DataOwner(params);
  const X = { rows: 4, cols: 5, data: Float64Array.from({ length: 20 }, (_, i) => (i % 5 === 0 ? 1 : 0.3 * Math.sin(i))) };
  const Y = { rows: 4, cols: 3, data: Float64Array.from({ length: 12 }, (_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0)) };
  upload = owner.encryptDataset(X, Y, { width: 4 });
  const layout = trainingLayout(params, upload.shape, 4);
  keysFile = encodeEvaluationKeysFile(params, owner.evaluationKeys(layout), { keyId, width: 4, signingKey });
  uploadFile = encodeUpload(params, upload, keyId, { signingKey }).bytes;
});

describe('digest and signature of the protocol files', () => {
  it('signed files load with their signer required; the signer travels in the file', () => {
    const pub = signerPublicKey(signingKey);
    const k = decodeEvaluationKeysFile(keysFile, { ...OPTS, requireSignature: true });
    expect(Array.from(k.auth.signer as Uint8Array)).toEqual(Array.from(pub));
    const u = decodeUpload(uploadFile, { ...OPTS, signer: pub });
    expect(u.auth.digest).toHaveLength(32);
    expect(verifyDigestSignature(BundleKind.Upload, u.auth.digest, pub, u.auth.signature as Uint8Array)).toBe(true);
    // A signature of the upload does not pass for an evaluation-key file (the kind is signed).
    expect(verifyDigestSignature(BundleKind.EvaluationKeys, u.auth.digest, pub, u.auth.signature as Uint8Array)).toBe(false);
  });

  it('another signer, or no signature when one is required: IntegrityError, MALFORMED_DATA', () => {
    const other = signerPublicKey(generateSigningKey());
    const caught = (f: () => unknown): IntegrityError => {
      try {
        f();
      } catch (e) {
        return e as IntegrityError;
      }
      throw new Error('not refused');
    };
    const e1 = caught(() => decodeUpload(uploadFile, { ...OPTS, signer: other }));
    expect(e1).toBeInstanceOf(IntegrityError);
    expect([e1.code, e1.field]).toEqual(['MALFORMED_DATA', 'signer']);
    const unsigned = encodeUpload(params, upload, keyId).bytes;
    expect(unsigned.length).toBe(uploadFile.length - 96);
    expect(caught(() => decodeUpload(unsigned, { ...OPTS, requireSignature: true })).field).toBe('signature');
    expect(decodeUpload(unsigned, OPTS).auth.signer).toBeUndefined();
  });

  it('every single-bit flip after the 8 header bytes is refused by the digest or signature check', () => {
    // Small file: the secret-key file at this ring, every bit of it.
    const sk = encodeSecretKeyFile(params, owner.secretKey, { keyId, width: 4, signingKey });
    let integrity = 0;
    for (let bit = 64; bit < sk.length * 8; bit++) {
      const m = sk.slice();
      m[bit >> 3] ^= 1 << (bit & 7);
      try {
        decodeSecretKeyFile(m, OPTS);
        throw new Error(`bit ${bit} accepted`);
      } catch (e) {
        expect(e).toBeInstanceOf(BundleError);
        if (e instanceof IntegrityError) integrity++;
      }
    }
    // All but the flips that make the header lie about the trailer's size (the signed flag) reach the digest.
    expect(integrity).toBe(sk.length * 8 - 64);
    const back = decodeSecretKeyFile(sk, OPTS);
    expect(Array.from(back.plan.signingKey as Uint8Array)).toEqual(Array.from(signingKey));
  });
});

describe('the owner checks the session of a checkpoint', () => {
  it("accepts the owner's own session; refuses a missing one, another signer's, or a forged signature", () => {
    const k = decodeEvaluationKeysFile(keysFile, OPTS);
    const u = decodeUpload(uploadFile, OPTS);
    const session = sessionOf(k.auth, u.auth);
    expect(session).toBeDefined();
    const W = [[upload.W0, upload.W0], [upload.W0, upload.W0]];
    const cp: Checkpoint = { keyId, uploadDigest: u.auth.digest, shape: upload.shape, width: 4, iteration: 0, refreshes: 0, maxIterations: 3, needsRefresh: false, weights: { W, V: W }, session };
    const back = decodeCheckpoint(encodeCheckpoint(params, cp), OPTS).checkpoint;
    expect(() => verifySession(back, signingKey)).not.toThrow();
    expect(() => verifySession({ ...back, session: undefined }, signingKey)).toThrow(IntegrityError);
    expect(() => verifySession(back, generateSigningKey())).toThrow(/another key/);
    const s = back.session as NonNullable<Checkpoint['session']>;
    expect(() => verifySession({ ...back, session: { ...s, uploadSignature: s.keysSignature } }, signingKey)).toThrow(/upload does not verify/);
    expect(() => verifySession({ ...back, uploadDigest: new Uint8Array(32) }, signingKey)).toThrow(/upload does not verify/);
  });
});

describe("the server's checkpoint cross-check", () => {
  /** A tiny refresher standing in for the owner: decrypt and encrypt again at the top. */
  const refresher = { refresh: (w: EncryptedTrainer['weights']) => owner.refresh(w) };
  let states: { iteration: number; refreshes: number; level: number; wLevel: number; cp: Checkpoint }[];
  let expectation: CheckpointExpectation;

  beforeAll(() => {
    const ev = new Evaluator(params, decodeEvaluationKeysFile(keysFile, OPTS).keys);
    const trainer = new EncryptedTrainer(ev, upload, refresher, { maxIterations: 6 });
    const u = decodeUpload(uploadFile, OPTS);
    const k = decodeEvaluationKeysFile(keysFile, OPTS);
    expectation = { keyId, uploadDigest: u.auth.digest, shape: upload.shape, width: 4, session: sessionOf(k.auth, u.auth) };
    const snap = (needsRefresh = false): Checkpoint => {
      const st = trainer.state();
      return { keyId, uploadDigest: u.auth.digest, shape: upload.shape, width: 4, iteration: st.iteration, refreshes: st.refreshes, maxIterations: 6, needsRefresh, weights: st.weights, session: expectation.session };
    };
    states = [{ iteration: 0, refreshes: 0, level: trainer.weights.V[0][0].level, wLevel: trainer.weights.W[0][0].level, cp: snap() }];
    for (let i = 0; i < 6; i++) {
      trainer.step();
      states.push({ iteration: trainer.iteration, refreshes: trainer.refreshes, level: trainer.weights.V[0][0].level, wLevel: trainer.weights.W[0][0].level, cp: snap(!trainer.canIterate()) });
    }
  });

  it("expectedRunState follows the trainer's levels and refreshes iteration by iteration", () => {
    for (const s of states) {
      const e = expectedRunState(params, s.iteration);
      expect([e.refreshes, e.level], `iteration ${s.iteration}`).toEqual([s.refreshes, s.level]);
    }
    // 11 levels: two iterations per cycle (V 11 -> 7 -> 3), then a refresh.
    expect(states.map((s) => s.level)).toEqual([11, 7, 3, 7, 3, 7, 3]);
    expect(states.map((s) => s.wLevel)).toEqual([11, 6, 2, 6, 2, 6, 2]);
  });

  it("accepts every state of the run, and a refreshed one; refuses edited counters, swapped W and V, other shapes", () => {
    for (const s of states) expect(() => checkCheckpoint(params, params, s.cp, expectation)).not.toThrow();
    const due = states[2].cp; // V at level 3: a refresh is due
    // A refreshed state (W and V at the top) passes only signed by the owner, as hecnn refresh writes it.
    const refreshed = { ...due, refreshes: due.refreshes + 1, needsRefresh: false, weights: owner.refresh(due.weights) };
    const signed = decodeCheckpoint(encodeCheckpoint(params, refreshed, { signingKey }), OPTS);
    expect(() => checkCheckpoint(params, params, signed.checkpoint, expectation, signed.auth)).not.toThrow();
    const unsigned = decodeCheckpoint(encodeCheckpoint(params, refreshed), OPTS);
    expect(() => checkCheckpoint(params, params, unsigned.checkpoint, expectation, unsigned.auth)).toThrow(/refreshed state, which the owner signs/);
    const swapped = { ...refreshed, weights: { W: refreshed.weights.V, V: refreshed.weights.W } };
    const forged = decodeCheckpoint(encodeCheckpoint(params, swapped, { signingKey: generateSigningKey() }), OPTS);
    expect(() => checkCheckpoint(params, params, forged.checkpoint, expectation, forged.auth)).toThrow(/signed by another key/);

    const c = states[1].cp;
    const refusal = (cp: Checkpoint, field: RegExp, exp: CheckpointExpectation = expectation): void => {
      let err: unknown;
      try {
        checkCheckpoint(params, params, cp, exp);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BundleError);
      expect((err as BundleError).field).toMatch(field);
    };
    refusal({ ...c, iteration: 2 }, /^iteration$/);
    refusal({ ...c, iteration: 6 }, /^iteration$/);
    refusal({ ...c, refreshes: 1 }, /^iteration$/);
    refusal({ ...c, needsRefresh: true }, /^needsRefresh$/);
    refusal({ ...c, weights: { W: c.weights.V, V: c.weights.W } }, /^W$/);
    refusal({ ...c, weights: { W: [c.weights.W[0], states[2].cp.weights.W[1]], V: c.weights.V } }, /^W$/);
    refusal({ ...c, shape: { ...c.shape, n: 5 } }, /^n$/);
    refusal({ ...c, width: 8 }, /^width$/);
    refusal({ ...c, uploadDigest: new Uint8Array(32) }, /^upload digest$/);
    refusal({ ...c, session: undefined }, /^session$/);
    refusal(c, /^maxIterations$/, { ...expectation, maxIterations: 7 });
  });
});
