/**
 * The one error family of `@hecnn/ckks`. Every error the library throws on bad
 * input is recognised by `instanceof HecnnError` and carries a stable
 * machine-readable {@link ErrorCode} in `code` and the refusing operation in
 * `op`; its message has the form `"<op>: <what was expected>, got <what came>"`.
 *
 * Layer by layer:
 * - ring (`@hecnn/ckks/ntt`) and the plaintext trainer: {@link ArgumentRangeError}
 *   and {@link ArgumentTypeError}. They extend the built-in RangeError and
 *   TypeError (code that already catches those keeps working) and are branded,
 *   so that `instanceof HecnnError` is true for them as well;
 * - RLWE and CKKS: `CkksError` and its subclasses (level, scale, key, parameter
 *   and serialization errors);
 * - encoding: `LayoutError`; trainer: `TrainerError`; data files: `DataError`;
 *   protocol files: `BundleError`; the command: `UsageError`.
 *
 * Messages never carry bytes of a loaded file beyond the field name, what was
 * expected and a number that was found: a relabelled secret-key file must not
 * leak key material through an error message.
 *
 * The brand is a registered symbol (`Symbol.for`), so errors thrown by a second
 * copy of the library in one process (two bundles, a worker) are still
 * recognised.
 *
 * @module
 */

/** Machine-readable error kinds, stable across versions. */
export type ErrorCode =
  /** An argument of the wrong type or shape. */
  | 'INVALID_ARGUMENT'
  /** A value outside the range an operation supports (including arithmetic that would overflow). */
  | 'OUT_OF_RANGE'
  /** A parameter literal that cannot describe a parameter set. */
  | 'INVALID_PARAMETERS'
  /** Parameters above the security bound, without the named opt-in. */
  | 'INSECURE_PARAMETERS'
  /** Operands at different levels, or a level an operation cannot take. */
  | 'LEVEL_MISMATCH'
  /** Operands whose scales must agree and do not. */
  | 'SCALE_MISMATCH'
  /** An operation whose evaluation key was not generated or not loaded. */
  | 'MISSING_KEY'
  /** An object made under other parameters. */
  | 'PARAMETERS_MISMATCH'
  /** Serialized bytes or a protocol file that do not parse or do not validate. */
  | 'MALFORMED_DATA'
  /** A data file (CSV) that cannot be used. */
  | 'INVALID_DATA'
  /** A matrix layout that does not fit the slots, or mismatched shapes in the encoding layer. */
  | 'INVALID_LAYOUT'
  /** A trainer state or protocol step that cannot proceed (shapes, levels, roles). */
  | 'TRAINER_STATE'
  /** A command line that the `hecnn` command cannot run. */
  | 'USAGE';

/** Registered brand shared by every error class of the family. */
const BRAND: unique symbol = Symbol.for('@hecnn/ckks.error') as never;

/**
 * Whether a value is an error of the family (also when thrown by another copy
 * of the library).
 * @param x any value
 * @returns true for every {@link HecnnError}, {@link ArgumentRangeError} and {@link ArgumentTypeError}
 */
export function isHecnnError(x: unknown): x is HecnnError {
  return typeof x === 'object' && x !== null && (x as { [BRAND]?: unknown })[BRAND] === true;
}

/**
 * Base class of every error the library throws on bad input.
 *
 * `x instanceof HecnnError` is true for instances of this class and of its
 * subclasses, and for the ring layer's {@link ArgumentRangeError} and
 * {@link ArgumentTypeError} (which cannot share its prototype chain because
 * they extend the built-in RangeError and TypeError). `instanceof` on a
 * subclass (`CkksError`, `TrainerError`, ...) is the ordinary prototype test.
 */
export class HecnnError extends Error {
  /** The error kind. */
  readonly code: ErrorCode;
  /** The operation that refused its input, e.g. `"Evaluator.add"`. */
  readonly op: string;

  /**
   * @param code error kind
   * @param op the operation that refused its input
   * @param detail what was expected and what came
   */
  constructor(code: ErrorCode, op: string, detail: string) {
    super(`${op}: ${detail}`);
    this.name = 'HecnnError';
    this.code = code;
    this.op = op;
  }

  /**
   * `instanceof` for the family: brand test on the base class itself,
   * prototype test on every subclass.
   * @param x any value
   * @returns whether x belongs to this class
   */
  static override [Symbol.hasInstance](x: unknown): boolean {
    if (this === HecnnError) return isHecnnError(x);
    return Function.prototype[Symbol.hasInstance].call(this, x);
  }
}
Object.defineProperty(HecnnError.prototype, BRAND, { value: true });

/**
 * An argument outside its range (ring layer and plaintext trainer). A
 * RangeError, and an {@link HecnnError} by brand; code `OUT_OF_RANGE`.
 */
export class ArgumentRangeError extends RangeError {
  /** Always `OUT_OF_RANGE`. */
  readonly code: ErrorCode = 'OUT_OF_RANGE';
  /** The function that refused its argument. */
  readonly op: string;
  /**
   * @param op the function that refused its argument
   * @param detail what was expected and what came
   */
  constructor(op: string, detail: string) {
    super(`${op}: ${detail}`);
    this.name = 'ArgumentRangeError';
    this.op = op;
  }
}
Object.defineProperty(ArgumentRangeError.prototype, BRAND, { value: true });

/**
 * An argument of the wrong type (ring layer and plaintext trainer). A
 * TypeError, and an {@link HecnnError} by brand; code `INVALID_ARGUMENT`.
 */
export class ArgumentTypeError extends TypeError {
  /** Always `INVALID_ARGUMENT`. */
  readonly code: ErrorCode = 'INVALID_ARGUMENT';
  /** The function that refused its argument. */
  readonly op: string;
  /**
   * @param op the function that refused its argument
   * @param detail what was expected and what came
   */
  constructor(op: string, detail: string) {
    super(`${op}: ${detail}`);
    this.name = 'ArgumentTypeError';
    this.op = op;
  }
}
Object.defineProperty(ArgumentTypeError.prototype, BRAND, { value: true });

/**
 * Short, stable description of a value for error messages: numbers and
 * booleans as themselves, strings quoted and cut at 40 characters, arrays and
 * typed arrays by type and length only (never their contents).
 * @param value any value
 * @returns a description safe to put into a message
 */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor.name;
    const len = (value as unknown as { length?: number }).length;
    return len === undefined ? name : `${name}(length ${len})`;
  }
  if (Array.isArray(value)) return `Array(length ${value.length})`;
  return typeof value;
}
