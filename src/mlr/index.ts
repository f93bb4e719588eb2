/**
 * `@hecnn/ckks/mlr`: multiclass logistic regression, the last layer of the CNN
 * in J. Chiang, "Privacy-Preserving CNN Training with Transfer Learning" (2023).
 * The training algorithm is specified in docs/ALGORITHM.md.
 *
 * - Data (`data.ts`): {@link parseCsv}, {@link parsePixelCsv}, {@link selectRows},
 *   {@link buildDesign}, {@link DataError}. Pure: callers pass the file's text;
 *   reading and gunzipping files belong to a platform adapter (a CLI).
 * - Plaintext reference trainer (`plain.ts`): RawNAG, SigmoidNAG and
 *   SigmoidNAGQG ({@link trainPlain}), the step-by-step mirror of the
 *   encrypted circuit ({@link PlainTrainerState}), {@link computeBbar},
 *   the sigmoids, {@link accuracy}, {@link sle}.
 *
 * Every export is documented where it is defined.
 *
 * @module
 */
/** The library's one error family (src/core/errors.ts), exported by every layer. */
export * from '../core/errors.js';
export {
  DataError,
  buildDesign,
  parseCsv,
  parsePixelCsv,
  selectRows,
  type CsvData,
  type Design,
  type DesignOptions,
  type ParseCsvOptions,
  type ParsePixelCsvOptions,
} from './data.js';
export {
  BBAR_EPS,
  NAG_ALPHA0,
  PlainTrainerState,
  SIGMOID3_C0,
  SIGMOID3_C1,
  SIGMOID3_C3,
  SIGMOID_CLIP,
  accuracy,
  computeBbar,
  matrix,
  meanCrossEntropy,
  nagSchedule,
  predict,
  scores,
  sigmoidExact,
  sigmoidPoly3,
  sle,
  trainPlain,
  type Matrix,
  type NagSchedule,
  type PlainStep,
  type PlainTrainResult,
  type PlainTrainerOptions,
  type SigmoidKind,
  type TrainMethod,
  type TrainPlainOptions,
} from './plain.js';
export * from './encrypted.js';
export * from './owner.js';
export * from './parallel.js';
export * from './bundle.js';
export * from './bootstrap.js';
export {
  BUNDLE_DIGEST_BYTES,
  type BundleAuth,
  FLAG_SIGNED,
  SIGNATURE_BYTES,
  SIGNER_KEY_BYTES,
  SIGNING_KEY_BYTES,
  type SignaturePolicy,
  generateSigningKey,
  signerPublicKey,
  verifyDigestSignature,
} from './bundle-auth.js';
export { type CheckpointExpectation, type SessionBinding, checkCheckpoint, expectedRunState, sessionOf, verifySession } from './checkpoint.js';
export { DEFAULT_W0, checkFeatureRange, initialScoreBound } from './range.js';
