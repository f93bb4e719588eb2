/**
 * The session of a checkpoint (the owner's signatures of the files it was
 * computed from: made by the server with {@link sessionOf}, checked by the
 * owner with {@link verifySession}), and the server's cross-check of a
 * checkpoint it resumes from, against the
 * upload and keys it verified and against the counters of the run itself: a
 * checkpoint whose fields disagree with them is refused with a
 * {@link BundleError} naming the field, before any of its ciphertexts is
 * used. The digest of the file (src/mlr/bundle-auth.ts) already refuses any
 * altered byte; this check refuses checkpoints that are well formed and
 * correctly sealed but do not fit the run (an edited and resealed file, or a
 * checkpoint of another run of the same key).
 *
 * @module
 */

import type { Parameters } from '../ckks/index.js';
import { argError } from '../ckks/serialize/container.js';
import { equalBytes } from '../core/codec.js';
import { type BundleAuth, checkSigningKey, signerPublicKey, verifyDigestSignature } from './bundle-auth.js';
import { BundleError, BundleKind, type Checkpoint, IntegrityError } from './bundle.js';
import { LEVELS_PER_ITERATION, type ProblemShape, iterationLevels } from './encrypted.js';

/**
 * What ties a checkpoint to the owner's session: the owner's public key and
 * its signatures of the evaluation-key file and of the upload (the upload's
 * digest is {@link Checkpoint.uploadDigest}). The server copies them from the
 * files it verified; the owner checks them with {@link verifySession}.
 */
export interface SessionBinding {
  /** The owner's Ed25519 public key (the key that signed the evaluation keys and the upload). */
  signer: Uint8Array;
  /** SHA-256 bundle digest of the evaluation-key file. */
  keysDigest: Uint8Array;
  /** The owner's signature of the evaluation-key file. */
  keysSignature: Uint8Array;
  /** The owner's signature of the upload. */
  uploadSignature: Uint8Array;
}

/**
 * The owner's check that a checkpoint comes from its own session: the
 * checkpoint names the owner's public key (derived from the signing key in
 * the secret-key file), and the owner's signatures of the evaluation-key file
 * and of the upload it carries verify (Ed25519, RFC 8032). An attacker who
 * replaced the evaluation keys and the public key beside them cannot produce
 * these signatures. The weights themselves are the server's: they are not
 * signed (see the README's Security section for what remains open).
 * @param checkpoint the checkpoint
 * @param signingKey the owner's signing key
 * @returns nothing
 * @throws IntegrityError (field session) if the checkpoint has no session, names another key, or a signature does not verify;
 *   CkksError (INVALID_ARGUMENT) on a signing key of the wrong size
 */
export function verifySession(checkpoint: Checkpoint, signingKey: Uint8Array): void {
  const op = 'verifySession';
  checkSigningKey(op, signingKey);
  const fail = (problem: string): never => {
    throw new IntegrityError(op, 'checkpoint', 'session', problem);
  };
  const s = checkpoint.session;
  if (s === undefined) return fail('the checkpoint carries no signed session: it was not made from files this owner signed');
  if (!equalBytes(s.signer, signerPublicKey(signingKey))) fail("the checkpoint's evaluation keys and upload were signed by another key than this owner's");
  if (!verifyDigestSignature(BundleKind.EvaluationKeys, s.keysDigest, s.signer, s.keysSignature)) fail("the owner's signature of the evaluation keys does not verify");
  if (!verifyDigestSignature(BundleKind.Upload, checkpoint.uploadDigest, s.signer, s.uploadSignature)) fail("the owner's signature of the upload does not verify");
}

/**
 * The session a server records in its checkpoints, from the evaluation-key
 * file and the upload it verified.
 * @param keys the evaluation-key file's verified authentication data
 * @param upload the upload's verified authentication data
 * @returns the session, or undefined when either file is unsigned
 * @throws CkksError (INVALID_ARGUMENT) if the two files were signed by different keys
 */
export function sessionOf(keys: BundleAuth, upload: BundleAuth): SessionBinding | undefined {
  if (keys.signer === undefined || keys.signature === undefined || upload.signature === undefined || upload.signer === undefined) return undefined;
  if (!equalBytes(keys.signer, upload.signer)) argError('sessionOf', 'the evaluation keys and the upload were signed by different keys');
  return { signer: keys.signer, keysDigest: keys.digest, keysSignature: keys.signature, uploadSignature: upload.signature };
}

/** What a resumed checkpoint must agree with: the server's verified files and options. */
export interface CheckpointExpectation {
  /** The key id of the evaluation keys and the upload. */
  keyId: Uint8Array;
  /** The verified SHA-256 digest of the upload. */
  uploadDigest: Uint8Array;
  /** The upload's shape. */
  shape: ProblemShape;
  /** The upload's part width. */
  width: number;
  /** The session of the verified files (undefined when they are unsigned). */
  session?: SessionBinding;
  /** The schedule length asked for, when given (else the checkpoint's is taken). */
  maxIterations?: number;
  /** Lowest level W may reach before a refresh (the trainer's minLevel; default 1). */
  minLevel?: number;
  /** Where the upload and every refresh put V (default the top; a bootstrapping server's refresher.outputLevel). */
  startLevel?: number;
}

/**
 * Where a run stands after `iteration` iterations when every refresh brings W
 * and V back to the refresh level (the top for the owner's round trip; for a
 * bootstrapping server, the level the bootstrapped weights land on) and
 * happens exactly when the next iteration would not fit (EncryptedTrainer: V
 * loses {@link LEVELS_PER_ITERATION} logical levels per iteration, W one more,
 * and W must stay at minLevel or above: `iterationLevels`).
 * @param params the parameters
 * @param iteration iterations done
 * @param opts minLevel (the trainer's, default 1) and startLevel (where the upload and every refresh put V, default the top)
 * @returns the refreshes done and V's level after the last iteration, and whether the next one needs a refresh
 * @throws CkksError (INVALID_ARGUMENT) if the counts are not non-negative integers or one iteration does not fit
 */
export function expectedRunState(params: Parameters, iteration: number, opts: { minLevel?: number; startLevel?: number } = {}): { refreshes: number; level: number; refreshDue: boolean } {
  const minLevel = opts.minLevel ?? 1;
  const start = opts.startLevel ?? params.maxLevel;
  if (!Number.isSafeInteger(iteration) || iteration < 0 || !Number.isInteger(minLevel) || minLevel < 1) argError('expectedRunState', 'iteration and minLevel must be integers (>= 0, >= 1)');
  // One refresh cycle: V's level after each iteration that fits.
  const levels = [start];
  for (;;) {
    const next = iterationLevels(params, levels[levels.length - 1]);
    if (next === undefined || next.W < minLevel) break;
    levels.push(next.V);
  }
  const perCycle = levels.length - 1;
  if (perCycle < 1) argError('expectedRunState', `one iteration does not fit from level ${start} with W at ${minLevel} or above`);
  const refreshes = iteration === 0 ? 0 : Math.floor((iteration - 1) / perCycle);
  const done = iteration - refreshes * perCycle;
  const level = levels[done];
  return { refreshes, level, refreshDue: done === perCycle };
}

/**
 * Cross-check a checkpoint against the run that resumes it: key id, upload
 * digest, shape and width of the upload, the session of the verified files,
 * the schedule length, the counters (iteration, refreshes, the "needs
 * refresh" mark) against the levels of W and V, and W and V themselves (every
 * part of W at one level and scale, V likewise, W one level below V, or
 * both at the top level after a refresh). A checkpoint signed by anyone but
 * the owner of the session is refused; one with W and V at the top level
 * after an iteration (a refresh) must be signed by the owner, since only the
 * owner makes that state and the server could not tell W from V there.
 * @param params the parameters of the keys
 * @param cParams the checkpoint's parameters
 * @param cp the checkpoint
 * @param expected the verified upload's and keys' fields and the run's options
 * @param auth the checkpoint's verified digest and signature (decodeCheckpoint)
 * @returns nothing
 * @throws BundleError (MALFORMED_DATA) naming the first field that disagrees
 */
export function checkCheckpoint(params: Parameters, cParams: Parameters, cp: Checkpoint, expected: CheckpointExpectation, auth: BundleAuth = { digest: new Uint8Array(32) }): void {
  const fail = (field: string, problem: string): never => {
    throw new BundleError('checkCheckpoint', 'checkpoint', field, problem);
  };
  if (cParams.fingerprint !== params.fingerprint) fail('parameters', 'made under other parameters than the evaluation keys');
  if (!equalBytes(cp.keyId, expected.keyId)) fail('key id', 'encrypted under another key than the evaluation keys');
  if (!equalBytes(cp.uploadDigest, expected.uploadDigest)) fail('upload digest', 'it belongs to another upload');
  for (const k of ['n', 'd', 'K'] as const) if (cp.shape[k] !== expected.shape[k]) fail(k, `${cp.shape[k]}, the upload has ${expected.shape[k]}`);
  if (cp.width !== expected.width) fail('width', `${cp.width}, the upload has ${expected.width}`);
  const s = cp.session;
  const e = expected.session;
  if ((s === undefined) !== (e === undefined)) fail('session', s === undefined ? 'absent, but the keys and the upload are signed' : 'present, but the keys and the upload are unsigned');
  if (s !== undefined && e !== undefined) {
    const same = equalBytes(s.signer, e.signer) && equalBytes(s.keysDigest, e.keysDigest) && equalBytes(s.keysSignature, e.keysSignature) && equalBytes(s.uploadSignature, e.uploadSignature);
    if (!same) fail('session', 'made with other evaluation keys or another upload');
  }
  if (auth.signer !== undefined && (e === undefined || !equalBytes(auth.signer, e.signer))) fail('signer', "signed by another key than the session's owner");
  if (expected.maxIterations !== undefined && expected.maxIterations !== cp.maxIterations) fail('maxIterations', `${cp.maxIterations}, the run asks for ${expected.maxIterations} (the NAG schedule depends on it)`);
  if (cp.iteration > cp.maxIterations) fail('iteration', `${cp.iteration} exceeds maxIterations ${cp.maxIterations}`);

  // W and V: one level and one scale per grid, W one level below V (or both at the top).
  const grid = (name: 'W' | 'V'): { level: number; scale: number } => {
    const cts = cp.weights[name].flat();
    const { level, scale } = cts[0];
    for (const c of cts) if (c.level !== level || c.scale !== scale) fail(name, `its ciphertexts are at different levels or scales (${level} and ${c.level}): parts or pairs of different runs or iterations`);
    return { level, scale };
  };
  const W = grid('W');
  const V = grid('V');
  const top = expected.startLevel ?? params.maxLevel;
  const fresh = W.level === top && V.level === top;
  if (fresh && cp.iteration > 0 && e !== undefined && auth.signer === undefined) {
    fail('W', `W and V at the top level after ${cp.iteration} iteration(s): a refreshed state, which the owner signs (hecnn refresh); this checkpoint is unsigned`);
  }
  const below = params.levelTops[params.levelTops.indexOf(V.level) - 1];
  if (!fresh && W.level !== below) fail('W', `W at level ${W.level}, V at ${V.level}: W must be one level below V (W and V swapped, or from different iterations)`);

  // The counters against the levels, as the trainer runs.
  const minLevel = expected.minLevel ?? 1;
  const run = expectedRunState(params, cp.iteration, { minLevel, startLevel: top });
  const refreshedSince = run.refreshDue && cp.refreshes === run.refreshes + 1 && fresh && !cp.needsRefresh;
  const asRun = cp.refreshes === run.refreshes && V.level === run.level && (fresh === (run.level === top));
  if (!refreshedSince && !asRun) {
    fail('iteration', `${cp.iteration} iteration(s) and ${cp.refreshes} refresh(es) leave V at level ${run.level} (${run.refreshes} refreshes), the checkpoint's V is at ${V.level}: the counters were edited or do not belong to these weights`);
  }
  if (cp.needsRefresh && !run.refreshDue) fail('needsRefresh', `set, but V at level ${V.level} fits another iteration`);
}
