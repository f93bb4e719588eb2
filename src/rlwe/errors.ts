/**
 * Typed errors of the RLWE and CKKS layers (members of the library's one
 * error family, src/core/errors.ts). Each names the operation, what it expected
 * and what it got, so a caller can act on `error.code` and a person can read
 * `error.message`.
 *
 * @module
 */

import { type ErrorCode, HecnnError } from '../core/errors.js';

/** Machine-readable error kinds of the scheme layers (a subset of {@link ErrorCode}). */
export type CkksErrorCode = Extract<
  ErrorCode,
  | 'INSECURE_PARAMETERS'
  | 'INVALID_PARAMETERS'
  | 'LEVEL_MISMATCH'
  | 'SCALE_MISMATCH'
  | 'MISSING_KEY'
  | 'INVALID_ARGUMENT'
  | 'OUT_OF_RANGE'
  | 'PARAMETERS_MISMATCH'
  | 'MALFORMED_DATA'
>;

/**
 * Base class of every error thrown by the RLWE and CKKS layers
 * (`@hecnn/ckks/rlwe`, `@hecnn/ckks/ckks`) and by the protocol files; an
 * {@link HecnnError}.
 */
export class CkksError extends HecnnError {
  /** The error kind. */
  declare readonly code: CkksErrorCode;
  /**
   * @param code error kind
   * @param op the operation that refused its input (e.g. "Evaluator.add")
   * @param detail what was expected and what came
   */
  constructor(code: CkksErrorCode, op: string, detail: string) {
    super(code, op, detail);
    this.name = 'CkksError';
  }
}

/** Parameters above the security bound, refused without the explicit opt-in. */
export class InsecureParametersError extends CkksError {
  constructor(op: string, detail: string) {
    super('INSECURE_PARAMETERS', op, detail);
    this.name = 'InsecureParametersError';
  }
}

/** Two operands at different levels, or an operand at a level an operation cannot take. */
export class LevelMismatchError extends CkksError {
  constructor(op: string, detail: string) {
    super('LEVEL_MISMATCH', op, detail);
    this.name = 'LevelMismatchError';
  }
}

/** Two operands whose scales differ where they must agree. */
export class ScaleMismatchError extends CkksError {
  constructor(op: string, detail: string) {
    super('SCALE_MISMATCH', op, detail);
    this.name = 'ScaleMismatchError';
  }
}

/** A rotation, conjugation or relinearization without its key. */
export class MissingKeyError extends CkksError {
  constructor(op: string, detail: string) {
    super('MISSING_KEY', op, detail);
    this.name = 'MissingKeyError';
  }
}

/** An object made under other parameters. */
export class ParametersMismatchError extends CkksError {
  constructor(op: string, detail: string) {
    super('PARAMETERS_MISMATCH', op, detail);
    this.name = 'ParametersMismatchError';
  }
}
