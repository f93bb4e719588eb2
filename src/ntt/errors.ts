/**
 * Argument checks shared by the ring layer. Every check throws before any
 * output is written, so a failed call leaves its arguments untouched.
 *
 * @module
 */

import { ArgumentRangeError, ArgumentTypeError, describe } from '../core/errors.js';

/**
 * Throw an {@link ArgumentRangeError} (a RangeError of the library's error
 * family, code OUT_OF_RANGE) of the form "<fn>: <arg> must be <expected>, got <value>".
 * @param fn name of the public function that rejected the input
 * @param arg name of the argument
 * @param expected what was expected, in words
 * @param got the offending value
 * @throws ArgumentRangeError always
 */
export function rangeError(fn: string, arg: string, expected: string, got: unknown): never {
  throw new ArgumentRangeError(fn, `${arg} must be ${expected}, got ${describe(got)}`);
}

/**
 * Throw an {@link ArgumentTypeError} (a TypeError of the library's error
 * family, code INVALID_ARGUMENT) of the form "<fn>: <arg> must be <expected>, got <value>".
 * @throws ArgumentTypeError always
 */
export function typeError(fn: string, arg: string, expected: string, got: unknown): never {
  throw new ArgumentTypeError(fn, `${arg} must be ${expected}, got ${describe(got)}`);
}

/**
 * Check that `a` is a Uint32Array of exactly `length` elements.
 * @throws TypeError if `a` is not a Uint32Array; RangeError if its length differs.
 */
export function checkU32(fn: string, arg: string, a: unknown, length: number): asserts a is Uint32Array {
  if (!(a instanceof Uint32Array)) typeError(fn, arg, 'a Uint32Array', a);
  if (a.length !== length) rangeError(fn, arg, `of length ${length}`, a);
}

/**
 * Check that `n` is an integer in [lo, hi].
 * @throws TypeError if `n` is not a safe integer; RangeError if out of range.
 */
export function checkInt(fn: string, arg: string, n: unknown, lo: number, hi: number): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) typeError(fn, arg, 'a safe integer', n);
  if (n < lo || n > hi) rangeError(fn, arg, `an integer in [${lo}, ${hi}]`, n);
}
