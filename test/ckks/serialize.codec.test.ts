/**
 * The binary codec under the object format and the protocol files
 * (src/core/codec.ts): little-endian reads and writes, bounds checks that go
 * through the field-error hook, caps on counts, length checks, hex and
 * byte-comparison helpers.
 */

import { describe, expect, it } from 'vitest';
import { Reader, Writer, article, equalBytes, fromHex, toHex } from '../../src/core/codec.js';
import { ArgumentRangeError, HecnnError } from '../../src/core/errors.js';

class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

const hook = (field: string, problem: string) => new FieldError(field, problem);

function fieldError(f: () => unknown): FieldError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(FieldError);
  return caught as FieldError;
}

describe('Writer and Reader', () => {
  it('write and read back every width, little-endian, from a view at an offset', () => {
    const w = new Writer(1 + 2 + 4 + 8 + 3, (p) => new Error(p));
    w.u8(0xab);
    w.u16(0x1234);
    w.u32(0xdeadbeef);
    w.f64(-1.5);
    w.bytes(Uint8Array.of(7, 8, 9));
    const out = w.done();
    expect(Array.from(out.subarray(0, 7))).toEqual([0xab, 0x34, 0x12, 0xef, 0xbe, 0xad, 0xde]);
    const big = new Uint8Array(out.length + 5);
    big.set(out, 3);
    const r = new Reader(big.subarray(3, 3 + out.length), hook);
    expect([r.u8('a'), r.u16('b'), r.u32('c'), r.f64('d')]).toEqual([0xab, 0x1234, 0xdeadbeef, -1.5]);
    const copy = r.take(2, 'e');
    const view = r.view(1, 'f');
    expect(Array.from(copy)).toEqual([7, 8]);
    expect(copy.buffer).not.toBe(big.buffer);
    expect(view.buffer).toBe(big.buffer);
    expect(r.remaining).toBe(0);
  });

  it('every read past the end is refused through the hook, naming the field, before memory is touched', () => {
    const r = new Reader(Uint8Array.of(1, 2, 3), hook);
    r.u16('first');
    const e = fieldError(() => r.u32('second'));
    expect(e.field).toBe('second');
    expect(e.problem).toBe('truncated: 4 bytes needed at offset 2, 1 present (total length 3)');
    expect(fieldError(() => r.take(2 ** 40, 'huge')).field).toBe('huge');
    expect(fieldError(() => r.view(-1 >>> 0, 'lying')).field).toBe('lying');
    expect(r.pos).toBe(2);
  });

  it('ranges, counts and lengths', () => {
    const r = new Reader(new Uint8Array(10), hook);
    expect(r.inRange('x', 5, 0, 5)).toBe(5);
    expect(fieldError(() => r.inRange('x', 6, 0, 5)).problem).toBe('6 is out of range [0, 5]');
    expect(fieldError(() => r.inRange('x', NaN, 0, 5)).problem).toBe('NaN is out of range [0, 5]');
    expect(r.count('n', 2, 10, 5)).toBe(2);
    expect(fieldError(() => r.count('n', 11, 10, 0)).problem).toBe('11 exceeds the limit of 10');
    expect(fieldError(() => r.count('n', 3, 10, 4)).problem).toMatch(/3 items need at least 12 bytes at offset 0, 10 present/);
    r.expectLength(10, 'a thing');
    expect(fieldError(() => r.expectLength(11, 'a thing')).problem).toBe('a thing takes exactly 11 bytes, the input has 10 (truncated)');
    expect(fieldError(() => r.expectLength(9, 'a thing')).problem).toBe('a thing takes exactly 9 bytes, the input has 10 (trailing bytes)');
    r.expectLengthAmong([4, 10, 30], 'thing');
    expect(fieldError(() => new Reader(new Uint8Array(11), hook).expectLengthAmong([4, 12, 30], 'thing')).problem).toBe('no thing takes 11 bytes; the nearest size is 12 (truncated)');
    expect(fieldError(() => new Reader(new Uint8Array(13), hook).expectLengthAmong([4, 12, 30], 'thing')).problem).toBe('no thing takes 13 bytes; the nearest size is 12 (trailing bytes)');
  });

  it('a Reader needs a Uint8Array; a Writer reports an impossible size through its hook and a short write as a bug', () => {
    expect(() => new Reader([1, 2] as unknown as Uint8Array, hook)).toThrow(HecnnError);
    expect(() => new Writer(2 ** 53, (p) => new FieldError('size', p))).toThrow(FieldError);
    const w = new Writer(4, (p) => new Error(p));
    w.u16(1);
    let caught: unknown;
    try {
      w.done();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(Error);
    expect(caught instanceof HecnnError).toBe(false); // a bug, not an input error
  });
});

describe('helpers', () => {
  it('hex, byte comparison, articles', () => {
    const b = Uint8Array.of(0, 1, 0xab, 0xff);
    expect(toHex(b)).toBe('0001abff');
    expect(Array.from(fromHex('0001ABff'))).toEqual([0, 1, 0xab, 0xff]);
    expect(() => fromHex('abc')).toThrow(ArgumentRangeError);
    expect(() => fromHex('zz')).toThrow(ArgumentRangeError);
    expect(equalBytes(b, Uint8Array.of(0, 1, 0xab, 0xff))).toBe(true);
    expect(equalBytes(b, Uint8Array.of(0, 1, 0xab, 0xfe))).toBe(false);
    expect(equalBytes(b, b.subarray(1))).toBe(false);
    expect([article('ciphertext'), article('upload'), article('evaluation keys'), article('parameters')]).toEqual(['a ciphertext', 'an upload', 'evaluation keys', 'parameters']);
  });
});
