/**
 * The key plan of the key files (src/mlr/bundle.ts): key id, part width, the
 * owner's signing key (secret-key file only) and the bootstrapping record
 * (when the evaluation keys let the server bootstrap), and its metadata codec.
 *
 * @module
 */

import type { Parameters } from '../ckks/index.js';
import { argError } from '../ckks/serialize/container.js';
import type { Reader, Writer } from '../core/codec.js';
import type { WeightBootstrapConfig } from './bootstrap.js';
import { SIGNING_KEY_BYTES, checkSigningKey } from './bundle-auth.js';

/** Bytes of a key id. */
export const KEY_ID_BYTES = 16;

/** The training plan a key was made for: its id and the part width its rotation keys serve. */
export interface KeyPlan {
  /** 16 random bytes naming the key. */
  keyId: Uint8Array;
  /** Part width of the layout (the rotation keys depend on it and on the slot count only). */
  width: number;
  /**
   * When the evaluation keys include the server's bootstrapping keys: how the
   * weights are bootstrapped (slots fixed) and the sparse secret's Hamming weight.
   * Absent: the owner refreshes (round trips).
   */
  bootstrap?: PlanBootstrap;
  /**
   * The owner's Ed25519 signing key (32 bytes; {@link generateSigningKey}): kept in
   * the secret-key file, never in the evaluation-key file; when present the
   * evaluation-key file is signed with it. Wipe it with the secret key.
   */
  signingKey?: Uint8Array;
}

/** The bootstrapping part of a {@link KeyPlan} (src/mlr/bootstrap.ts). */
export interface PlanBootstrap {
  /** The weights' bootstrapping: slots, levels per transform, K, double angles, degree, message ratio, bound. */
  config: WeightBootstrapConfig;
  /** Hamming weight of the secret. */
  hammingWeight: number;
}

/**
 * Bytes of a plan's bootstrapping record: slots u32, ctsLevels u8, stcLevels
 * u8, K u16, doubleAngles u8, degree u16, logMessageRatio u8 (0: the default),
 * bound u32 (an integer), hammingWeight u32.
 */
const PLAN_BOOT_BYTES = 4 + 1 + 1 + 2 + 1 + 2 + 1 + 4 + 4;

/** Read a u32 of the metadata in [min, max]. */
export function metaU32(m: Reader, field: string, min: number, max: number): number {
  return m.inRange(field, m.u32(field), min, max);
}

/** Check a plan before it is written (key id, width, signing key). */
export function checkPlan(op: string, params: Parameters, plan: KeyPlan): void {
  if (!(plan.keyId instanceof Uint8Array) || plan.keyId.length !== KEY_ID_BYTES) argError(op, `keyId must be ${KEY_ID_BYTES} bytes`);
  checkWidth(op, params, plan.width);
  if (plan.signingKey !== undefined) checkSigningKey(op, plan.signingKey);
}

/** Check a part width: a power of two in [1, slots]. */
export function checkWidth(op: string, params: Parameters, width: number): void {
  if (!Number.isInteger(width) || width < 1 || width > params.slots || (width & (width - 1)) !== 0) argError(op, `width must be a power of two in [1, ${params.slots}], got ${String(width)}`);
}

/** Read a part width: a power of two in [1, slots]. */
export function readWidth(m: Reader, params: Parameters): number {
  const width = metaU32(m, 'width', 1, params.slots);
  if ((width & (width - 1)) !== 0) m.fail('width', `${width} is not a power of two`);
  return width;
}

/**
 * Which optional parts a plan's metadata of `len` bytes holds: lengths tell
 * them apart (the signing key, 32 bytes, only in the secret-key file; the
 * bootstrapping record, 25 bytes).
 * @param len the metadata's length
 * @param secretKeyFile whether the file is a secret-key file
 * @returns the parts present and the length they add up to (for the exact-length check)
 */
export function planLayout(len: number, secretKeyFile: boolean): { withKey: boolean; withBoot: boolean; bytes: number } {
  const base = KEY_ID_BYTES + 4;
  const withKey = secretKeyFile && (len === base + SIGNING_KEY_BYTES || len === base + SIGNING_KEY_BYTES + PLAN_BOOT_BYTES);
  const withBoot = len === base + (withKey ? SIGNING_KEY_BYTES : 0) + PLAN_BOOT_BYTES;
  return { withKey, withBoot, bytes: base + (withKey ? SIGNING_KEY_BYTES : 0) + (withBoot ? PLAN_BOOT_BYTES : 0) };
}

/**
 * Read a plan from its metadata (length already checked against {@link planLayout}).
 * @param m the metadata's reader
 * @param params the file's parameters
 * @param layout the parts present
 * @returns the plan
 */
export function readPlanFields(m: Reader, params: Parameters, layout: { withKey: boolean; withBoot: boolean }): KeyPlan {
  const { withKey, withBoot } = layout;
  const keyId = m.take(KEY_ID_BYTES, 'key id');
  const width = readWidth(m, params);
  const plan: KeyPlan = { keyId, width };
  if (withKey) plan.signingKey = m.take(SIGNING_KEY_BYTES, 'signing key');
  if (!withBoot) return plan;
  const slots = metaU32(m, 'bootstrap slots', Math.max(2, width), params.maxSlots);
  if ((slots & (slots - 1)) !== 0) m.fail('bootstrap slots', `${slots} is not a power of two`);
  const logn = Math.log2(slots);
  const ctsLevels = m.inRange('bootstrap ctsLevels', m.u8('bootstrap ctsLevels'), 1, logn);
  const stcLevels = m.inRange('bootstrap stcLevels', m.u8('bootstrap stcLevels'), 1, logn);
  const K = m.inRange('bootstrap K', m.u16('bootstrap K'), 1, 1024);
  const doubleAngles = m.inRange('bootstrap doubleAngles', m.u8('bootstrap doubleAngles'), 0, 8);
  const degree = m.inRange('bootstrap degree', m.u16('bootstrap degree'), 1, 255);
  const ratio = m.inRange('bootstrap logMessageRatio', m.u8('bootstrap logMessageRatio'), 0, 40);
  const bound = m.inRange('bootstrap bound', m.u32('bootstrap bound'), 1, 2 ** 16);
  const hammingWeight = metaU32(m, 'hamming weight', 1, params.N);
  const config: WeightBootstrapConfig = { slots, ctsLevels, stcLevels, K, doubleAngles, degree, bound, ...(ratio === 0 ? {} : { logMessageRatio: ratio }) };
  plan.bootstrap = { config, hammingWeight };
  return plan;
}

/**
 * Bytes of a plan's metadata.
 * @param plan the plan
 * @param withSigningKey whether the signing key is written (the secret-key file only)
 */
export function planMetaBytes(plan: KeyPlan, withSigningKey: boolean): number {
  return KEY_ID_BYTES + 4 + (withSigningKey && plan.signingKey !== undefined ? SIGNING_KEY_BYTES : 0) + (plan.bootstrap === undefined ? 0 : PLAN_BOOT_BYTES);
}

/**
 * Write a plan's metadata: key id, width, the signing key (secret-key file only), then the bootstrapping record if any.
 * @param op the writing operation, for errors
 * @param m a writer of {@link planMetaBytes} bytes
 * @param plan the plan
 * @param withSigningKey whether the signing key is written
 * @throws CkksError (INVALID_ARGUMENT) on a bootstrapping record without explicit integer fields
 */
export function writePlan(op: string, m: Writer, plan: KeyPlan, withSigningKey: boolean): void {
  const key = withSigningKey ? plan.signingKey : undefined;
  const b = plan.bootstrap;
  m.bytes(plan.keyId);
  m.u32(plan.width);
  if (key !== undefined) m.bytes(key);
  if (b !== undefined) {
    const c = b.config;
    const int = (name: string, v: number | undefined, min: number, max: number): number => {
      if (v === undefined || !Number.isInteger(v) || v < min || v > max) argError(op, `plan.bootstrap: ${name} must be an integer in [${min}, ${max}] (given explicitly), got ${String(v)}`);
      return v;
    };
    m.u32(int('slots', c.slots, 2, 2 ** 20));
    m.u8(int('ctsLevels', c.ctsLevels, 1, 20));
    m.u8(int('stcLevels', c.stcLevels, 1, 20));
    m.u16(int('K', c.K, 1, 1024));
    m.u8(int('doubleAngles', c.doubleAngles, 0, 8));
    m.u16(int('degree', c.degree, 1, 255));
    m.u8(c.logMessageRatio === undefined ? 0 : int('logMessageRatio', c.logMessageRatio, 1, 40));
    m.u32(int('bound', c.bound, 1, 2 ** 16));
    m.u32(int('hammingWeight', b.hammingWeight, 1, 2 ** 26));
  }
}

