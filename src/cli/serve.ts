/**
 * `hecnn train --keys ...` (server): training iterations on an upload with the
 * evaluation keys only, a checkpoint written atomically after every iteration,
 * and exit code {@link EXIT_NEEDS_REFRESH} when the levels run out.
 *
 * @module
 */

import { existsSync } from 'node:fs';
import { Encoder, EvaluationKeys, Evaluator, type Parameters, type SwitchingKey, compactKeysAbove } from '../ckks/index.js';
import { rotationStepsFor } from '../encoding/index.js';
import { galoisElementForConjugation, galoisElementForRotation } from '../ntt/index.js';
import {
  BootstrapRefresher,
  BundleKind,
  type Checkpoint,
  EncryptedTrainer,
  LEVELS_PER_ITERATION,
  type Refresher,
  TrainerError,
  checkCheckpoint,
  compactBootstrapKeys,
  decodeCheckpoint,
  decodeEvaluationKeysFile,
  decodeUpload,
  encodeCheckpoint,
  keyIdHex,
  readBundleKind,
  sameId,
  sessionOf,
  shareKeys,
  trainingDataLevel,
  trainingLayout,
} from '../mlr/index.js';
import { NodePairPool, NodeTransformWorkers } from '../node/index.js';
import { UsageError, parseOptions, parsePositiveInt, parseThreads, requireValue } from './args.js';
import { loadOptions } from './bundles.js';
import { EXIT_NEEDS_REFRESH, SERVER_HELP, showHelp } from './help.js';
import { readBytes, say, writeAtomic } from './io.js';
import { checkOutputs } from './outputs.js';

/** The options of `hecnn train --keys ...`. */
export const SERVE_OPTIONS = {
  keys: { type: 'string' },
  upload: { type: 'string' },
  checkpoint: { type: 'string' },
  iterations: { type: 'string' },
  threads: { type: 'string' },
  resume: { type: 'boolean' },
  force: { type: 'boolean' },
  'allow-insecure': { type: 'boolean' },
} as const;

/** The usage line of `hecnn train --keys ...`. */
export const SERVE_USAGE = 'hecnn train --keys FILE --upload FILE --checkpoint FILE [--iterations N] [--threads N] [--resume | --force] [--allow-insecure]';

/**
 * Whether a `hecnn train` command line is the server's (it names evaluation keys).
 * @param argv the arguments after `train`
 * @returns true when `--keys` is among them
 * @throws never
 */
export function isServerCall(argv: readonly string[]): boolean {
  return argv.some((a) => a === '--keys' || a.startsWith('--keys='));
}

const serverRefresher: Refresher = {
  refresh(): never {
    throw new TrainerError('hecnn train', 'the server cannot refresh: the data owner must (hecnn refresh)');
  },
};

/**
 * Whether a key file's bytes are the owner's secret key (a bare serialized
 * secret key or a secret-key bundle).
 * @param bytes the file's bytes
 * @returns true for a secret key
 * @throws BundleError if the bytes start like a bundle but their header is not a bundle header
 */
function isSecretKeyFile(bytes: Uint8Array): boolean {
  const looksLikeBareKey = bytes.length > 7 && bytes[0] === 0x48 && bytes[1] === 0x45 && bytes[2] === 0x43 && bytes[3] === 0x4b && bytes[6] === 7;
  return looksLikeBareKey || (bytes.length >= 12 && bytes[3] === 0x4d && readBundleKind(bytes).kind === BundleKind.SecretKey);
}

/**
 * Run `hecnn train --keys ...` (server): refuses a secret-key file, checks that
 * keys, upload and checkpoint belong together, and runs the iterations.
 * @param argv the arguments after `train`
 * @returns 0 when all iterations are done, {@link EXIT_NEEDS_REFRESH} when the owner must refresh first
 * @throws UsageError on bad arguments or files that do not belong together; BundleError on invalid files; TrainerError when the parameters are too short for one iteration
 */
export async function runServe(argv: readonly string[]): Promise<number> {
  const v = parseOptions(argv, SERVE_OPTIONS, SERVE_USAGE);
  if (v === 'help') return showHelp(SERVER_HELP);
  const keysFile = requireValue('--keys', v.keys);
  const uploadFile = requireValue('--upload', v.upload);
  const cpFile = requireValue('--checkpoint', v.checkpoint);
  const iterations = v.iterations === undefined ? undefined : parsePositiveInt('--iterations', v.iterations);
  const threads = parseThreads(v.threads);
  const opts = loadOptions(v['allow-insecure']);
  // The checkpoint is the server's own state, rewritten after every iteration (also when resuming):
  // its directory must take it, checked before anything is loaded. A new run does not replace an
  // existing file without --force (below).
  checkOutputs([{ flag: '--checkpoint', path: cpFile, kind: 'report' }], { force: true });
  const keyBytes = readBytes(keysFile);
  // Refuse the owner's secret key before anything else.
  if (isSecretKeyFile(keyBytes)) {
    keyBytes.fill(0);
    throw new UsageError(`${keysFile} is a secret-key file: the server refuses it (it must only hold the evaluation keys, e.g. eval.keys)`);
  }
  // The owner's signature of eval.keys, then of the upload against the same public key (the one
  // eval.keys carries), both checked before anything in the files is used.
  // With threads, the keys are loaded onto SharedArrayBuffers: the workers read them there, nothing is copied.
  // They are loaded compact (seed and b_j: the a_j are regenerated below only where they are held whole).
  const loaded = decodeEvaluationKeysFile(keyBytes, { ...opts, requireSignature: true, shared: threads > 1, compact: true });
  const { params, plan, auth: keysAuth } = loaded;
  let keys = loaded.keys;
  const uploadBytes = readBytes(uploadFile);
  const { params: uParams, upload, keyId, auth: uploadAuth } = decodeUpload(uploadBytes, { ...opts, signer: keysAuth.signer });
  const session = sessionOf(keysAuth, uploadAuth);
  if (uParams.fingerprint !== params.fingerprint) throw new UsageError(`${uploadFile} was made under other parameters than ${keysFile}`);
  if (!sameId(keyId, plan.keyId)) throw new UsageError(`${uploadFile} is encrypted under key ${keyIdHex(keyId)}, ${keysFile} holds key ${keyIdHex(plan.keyId)}`);
  if (upload.width !== plan.width) throw new UsageError(`${uploadFile} has part width ${upload.width}, the keys were made for ${plan.width}`);
  const digest = uploadAuth.digest;
  let state: Checkpoint | undefined;
  if (v.resume === true) {
    const { params: cParams, checkpoint, auth: cpAuth } = decodeCheckpoint(readBytes(cpFile), opts);
    if (cParams.fingerprint !== params.fingerprint) throw new UsageError(`${cpFile} was made under other parameters`);
    if (!sameId(checkpoint.keyId, plan.keyId)) throw new UsageError(`${cpFile} is encrypted under key ${keyIdHex(checkpoint.keyId)}, not ${keyIdHex(plan.keyId)}`);
    if (!sameId(checkpoint.uploadDigest, digest)) throw new UsageError(`${cpFile} belongs to another upload than ${uploadFile}`);
    if (iterations !== undefined && iterations !== checkpoint.maxIterations) {
      throw new UsageError(`--iterations ${iterations} differs from the checkpoint's ${checkpoint.maxIterations} (the NAG schedule depends on it); omit it to resume`);
    }
    // Every field against the verified upload and keys, and the counters against the levels of W and V.
    // With bootstrapping keys the run starts and refreshes at the bootstrapped weights' level, with W kept one above the base.
    const schedule = plan.bootstrap === undefined ? {} : { startLevel: trainingDataLevel(params, plan.bootstrap.config), minLevel: params.levelTops[1] };
    checkCheckpoint(params, cParams, checkpoint, { keyId: plan.keyId, uploadDigest: digest, shape: upload.shape, width: upload.width, session, ...schedule }, cpAuth);
    state = checkpoint;
  } else if (existsSync(cpFile) && v.force !== true) {
    throw new UsageError(`${cpFile} exists; pass --resume to continue from it, or --force to start over (or remove it)`);
  }
  const maxIterations = state?.maxIterations ?? iterations ?? 50;
  if (state !== undefined && state.needsRefresh) {
    say(`hecnn train: ${cpFile} (iteration ${state.iteration}) still needs a refresh: run hecnn refresh --secret-key ... --checkpoint ${cpFile}`);
    return EXIT_NEEDS_REFRESH;
  }
  if (state !== undefined && state.iteration >= maxIterations) {
    say(`hecnn train: all ${maxIterations} iterations done (${cpFile})`);
    return 0;
  }
  say(`hecnn train (server): ${upload.shape.n} samples x ${upload.shape.d} columns, ${upload.shape.K} classes; N = ${params.N}; ${keys.galois.size} Galois keys; iteration ${state?.iteration ?? 0} of ${maxIterations}`);
  // With worker threads (keys loaded shared above) the pair workers get the training keys, and
  // a transform worker shares the bootstrapping's key switchings with this thread.
  const layout = trainingLayout(params, upload.shape, upload.width);
  // With bootstrapping, the keys above the training level stay compact (half their memory, their
  // a_j regenerated at each use) and those of every iteration get whole copies at the training
  // level; without, every key is used every iteration and is held whole.
  keys =
    plan.bootstrap !== undefined
      ? compactBootstrapKeys(params, keys, layout, Math.ceil(upload.shape.K / 2), plan.bootstrap.config)
      : compactKeysAbove(params, keys, params.Q.length - 1, { lowElements: keys.galois.keys(), lowRelin: keys.relin !== undefined });
  loaded.keys = keys;
  const poolKeys = threads > 1 ? shareKeys(params, plan.bootstrap === undefined ? keys : trainingKeysOnly(params, keys, layout)) : undefined;
  const ev = new Evaluator(params, keys);
  const transformWorkers = plan.bootstrap !== undefined && threads > 1 ? await NodeTransformWorkers.create(params, keys, { threads: threads - 1 }) : undefined;
  const refresher =
    plan.bootstrap === undefined
      ? serverRefresher
      : new BootstrapRefresher(ev, new Encoder(params), layout, Math.ceil(upload.shape.K / 2), { ...plan.bootstrap.config, ...(transformWorkers === undefined ? {} : { workers: transformWorkers }) });
  if (refresher instanceof BootstrapRefresher) {
    say(`bootstrapping: the server refreshes the weights itself (${refresher.plan.bootstraps} bootstrapping(s) of ${refresher.plan.slots} slots per refresh, no owner round trip)`);
  }
  const trainer = new EncryptedTrainer(ev, upload, refresher, {
    maxIterations,
    ...(refresher instanceof BootstrapRefresher ? { minLevel: refresher.minWeightLevel } : {}),
    resume: state === undefined ? undefined : { iteration: state.iteration, refreshes: state.refreshes, weights: state.weights },
  });
  const save = (needsRefresh: boolean): void => {
    const st = trainer.state();
    const cp: Checkpoint = { keyId: plan.keyId, uploadDigest: digest, shape: upload.shape, width: upload.width, iteration: st.iteration, refreshes: st.refreshes, maxIterations, needsRefresh, weights: st.weights, session };
    writeAtomic(cpFile, encodeCheckpoint(params, cp));
  };
  const pool = poolKeys !== undefined ? await NodePairPool.create(trainer.context(), poolKeys, { threads }) : undefined;
  try {
    while (trainer.iteration < maxIterations) {
      if (!trainer.canIterate() && !(refresher instanceof BootstrapRefresher)) {
        if (trainer.weights.V[0][0].level >= params.maxLevel) {
          throw new TrainerError('hecnn train', `the parameters have ${params.maxLevel} levels; one iteration needs ${LEVELS_PER_ITERATION + 1 + trainer.minLevel} even right after a refresh`);
        }
        save(true);
        say(`levels exhausted after iteration ${trainer.iteration}: ${cpFile} needs a refresh (exit ${EXIT_NEEDS_REFRESH}); run hecnn refresh, then hecnn train --resume`);
        return EXIT_NEEDS_REFRESH;
      }
      say(`iteration ${trainer.iteration + 1}: started${trainer.canIterate() ? '' : ' (bootstrapping the weights first)'}`);
      const bootSeconds = refresher instanceof BootstrapRefresher ? refresher.seconds : 0;
      const st = pool === undefined ? trainer.step() : await trainer.stepWith(pool);
      save(false);
      const boot = refresher instanceof BootstrapRefresher && st.refreshed ? ` after bootstrapping the weights (${(refresher.seconds - bootSeconds).toFixed(1)} s)` : '';
      say(`iteration ${st.iteration}: ${st.seconds.toFixed(1)} s${boot}, ${st.rotations} rotations, V at level ${st.level}; checkpoint written`);
    }
  } finally {
    await pool?.close();
    await transformWorkers?.close();
  }
  say(`hecnn train: all ${maxIterations} iterations done (${cpFile})`);
  return 0;
}

/**
 * The training circuit's keys only (relinearization, conjugation and the
 * rotations of `rotationStepsFor`), for the worker threads: the bootstrapping
 * keys stay with the thread that bootstraps.
 * @param params the parameters
 * @param keys all evaluation keys
 * @param layout the training layout
 * @returns a key set sharing the key objects of `keys`
 */
function trainingKeysOnly(params: Parameters, keys: EvaluationKeys, layout: ReturnType<typeof trainingLayout>): EvaluationKeys {
  const wanted = new Set([galoisElementForConjugation(params.logN), ...rotationStepsFor(layout).steps.map((s) => galoisElementForRotation(s, params.logN))]);
  const only = (m: Map<number, SwitchingKey>): Map<number, SwitchingKey> => new Map([...m].filter(([g]) => wanted.has(g)));
  return new EvaluationKeys(params, keys.relin, only(keys.galois), { relin: keys.lowRelin, galois: only(keys.lowGalois) });
}
