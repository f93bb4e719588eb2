/**
 * The protocol files as the owner's commands load them: the load options of
 * `--allow-insecure`, the secret-key file, and the check that a checkpoint
 * belongs to that key.
 *
 * @module
 */

import { INSECURE_OPT_IN, type Parameters } from '../ckks/index.js';
import { type BundleLoadOptions, type Checkpoint, DataOwner, type KeyPlan, decodeSecretKeyFile, keyIdHex, sameId, trainingDataLevel, verifySession } from '../mlr/index.js';
import { UsageError, requireValue } from './args.js';
import { readBytes } from './io.js';

/**
 * The load options of every protocol file.
 * @param allowInsecure whether `--allow-insecure` was given
 * @returns options that accept test parameters above the security bound exactly when allowed
 * @throws never
 */
export function loadOptions(allowInsecure: boolean | undefined): BundleLoadOptions {
  return allowInsecure === true ? { unsafeAllowInsecure: INSECURE_OPT_IN } : {};
}

/** The owner as loaded from a secret-key file. */
export interface LoadedOwner {
  /** The data owner holding the secret key (wipe it when done). */
  owner: DataOwner;
  /** The key's parameters. */
  params: Parameters;
  /** The key's id. */
  keyId: Uint8Array;
  /** The part width the key's rotation keys serve. */
  width: number;
  /** The key's plan (with the bootstrapping, when the server refreshes the weights itself). */
  plan: KeyPlan;
  /** The owner's Ed25519 signing key (wiped with the owner by {@link wipeOwner}). */
  signingKey: Uint8Array;
}

/**
 * Wipe a loaded owner: the secret key and the signing key.
 * @param key the loaded owner
 * @returns nothing
 * @throws never
 */
export function wipeOwner(key: LoadedOwner): void {
  key.owner.wipe();
  key.signingKey.fill(0);
}

/**
 * Load the owner's secret-key file (`--secret-key`) and wipe its bytes.
 * @param file the path given with --secret-key
 * @param opts load options ({@link loadOptions})
 * @returns the owner and the key's parameters, id and width
 * @throws UsageError if --secret-key is missing or the file cannot be read; BundleError if it is not a valid secret-key file
 */
export function loadOwner(file: string | undefined, opts: BundleLoadOptions): LoadedOwner {
  const bytes = readBytes(requireValue('--secret-key', file));
  try {
    const { params, sk, plan } = decodeSecretKeyFile(bytes, opts);
    if (plan.signingKey === undefined) {
      sk.wipe();
      throw new UsageError(`${file} holds no signing key (it was made by an older hecnn or by hand): make a new key set with hecnn keygen`);
    }
    // With bootstrapping keys the owner encrypts below the bootstrapping's output level.
    const dataLevel = plan.bootstrap === undefined ? undefined : trainingDataLevel(params, plan.bootstrap.config);
    return { owner: DataOwner.fromSecretKey(params, sk, dataLevel), params, keyId: plan.keyId, width: plan.width, plan, signingKey: plan.signingKey };
  } finally {
    bytes.fill(0);
  }
}

/**
 * Check that a checkpoint was made under the owner's parameters and key, in a
 * session of the owner's own signed files ({@link verifySession}: the owner's
 * signatures of the evaluation keys and the upload it names verify under the
 * public key of the owner's signing key).
 * @param cpFile the checkpoint's path, for the message
 * @param cParams the checkpoint's parameters
 * @param checkpoint the checkpoint
 * @param key the owner's parameters, key id and signing key
 * @returns nothing
 * @throws UsageError if the parameters or the key differ; IntegrityError if the session is not the owner's
 */
export function checkCheckpointKey(cpFile: string, cParams: Parameters, checkpoint: Checkpoint, key: Pick<LoadedOwner, 'params' | 'keyId' | 'signingKey'>): void {
  if (cParams.fingerprint !== key.params.fingerprint) throw new UsageError(`${cpFile} was made under other parameters than the secret key`);
  if (!sameId(key.keyId, checkpoint.keyId)) throw new UsageError(`${cpFile} is encrypted under key ${keyIdHex(checkpoint.keyId)}, the secret key is ${keyIdHex(key.keyId)}`);
  verifySession(checkpoint, key.signingKey);
}
