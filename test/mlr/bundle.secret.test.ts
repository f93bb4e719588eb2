/**
 * A secret-key file relabelled as another bundle kind (and, inside it, the
 * secret key relabelled as evaluation keys) is refused by every server-side
 * loader with a typed error whose message is the same for every key and holds
 * none of the numbers the key's bytes read as.
 */

import { describe, expect, it } from 'vitest';
import {
  CkksError,
  HEADER_BYTES,
  INSECURE_OPT_IN,
  KeyGenerator,
  SerializedType,
  XofSource,
  createParameters,
  deserializeSecretKey,
  serializeSecretKey,
} from '../../src/ckks/index.js';
import { expectThrows } from '../ckks/helpers.js';
import { BundleKind, KEY_ID_BYTES, decodeCheckpoint, decodeEvaluationKeysFile, decodeUpload, encodeSecretKeyFile } from '../../src/mlr/index.js';

const OPTS = { unsafeAllowInsecure: INSECURE_OPT_IN } as const;
const params = createParameters({ logN: 4, logQ: [30, 30], logP: [30], digitSize: 1, logDefaultScale: 20, unsafeAllowInsecure: INSECURE_OPT_IN });
const plan = { keyId: Uint8Array.from({ length: KEY_ID_BYTES }, (_, i) => 17 * i + 5), width: 4 };

/** Valid secret-key bytes with chosen values (four ternary 2-bit codes each). */
const CRAFTED = [0x96, 0x69, 0x5a, 0xa5, 0x99, 0x66, 0x95, 0x59];

/** Secret-key files: generated keys, and keys of crafted byte patterns (flagged). */
function files(): { bytes: Uint8Array; crafted: boolean }[] {
  const out: { bytes: Uint8Array; crafted: boolean }[] = [];
  for (let s = 0; s < 4; s++) {
    const kg = new KeyGenerator(params, { source: new XofSource(Uint8Array.from({ length: 32 }, (_, i) => (s * 53 + i) & 255), 'bundle relabel') });
    out.push({ bytes: encodeSecretKeyFile(params, kg.genSecretKey(), plan), crafted: false });
  }
  const skb = serializeSecretKey(params, new KeyGenerator(params).genSecretKey());
  for (let k = 0; k < CRAFTED.length; k++) {
    for (let i = HEADER_BYTES; i < skb.length; i++) skb[i] = CRAFTED[(i + k) % CRAFTED.length];
    out.push({ bytes: encodeSecretKeyFile(params, deserializeSecretKey(params, skb), plan), crafted: true });
  }
  return out;
}

/** Offset of section 2 (the secret key object) in a three-section file. */
function keySection(b: Uint8Array): number {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return 12 + 4 * 3 + v.getUint32(12, true) + v.getUint32(16, true);
}

/** Everything the first (up to) 16 bytes of the key body read as. */
function readings(b: Uint8Array, at: number): Set<string> {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new Set<string>();
  for (let o = at; o < Math.min(b.length, at + 16); o++) {
    out.add(String(v.getUint8(o)));
    if (o + 2 <= b.length) out.add(String(v.getUint16(o, true)));
    if (o + 4 <= b.length) out.add(String(v.getUint32(o, true)));
    if (o + 8 <= b.length) out.add(String(v.getFloat64(o, true)));
  }
  return out;
}

/** The error a load throws: a MALFORMED_DATA CkksError, or the test fails. */
function refusal(load: () => unknown): CkksError {
  return expectThrows(load, CkksError, 'MALFORMED_DATA');
}

describe('a secret-key file relabelled as another bundle kind', () => {
  const loaders = [
    [BundleKind.EvaluationKeys, decodeEvaluationKeysFile],
    [BundleKind.Upload, decodeUpload],
    [BundleKind.Checkpoint, decodeCheckpoint],
  ] as const;

  it.each([false, true])('is refused by every server-side loader without a secret byte in the message (inner object relabelled too: %s)', (inner) => {
    const all = files();
    for (const [kind, load] of loaders) {
      const messages = new Set<string>();
      for (const { bytes, crafted } of all) {
        const u = bytes.slice();
        u[6] = kind;
        const at = keySection(u);
        if (inner) u[at + 6] = SerializedType.EvaluationKeys;
        const e = refusal(() => load(u, OPTS));
        if (crafted) {
          const secret = readings(u, at + HEADER_BYTES);
          for (const x of e.message.match(/\d+(\.\d+)?(e[+-]?\d+)?/g) ?? []) expect(secret.has(x), `${x} in "${e.message}"`).toBe(false);
        }
        messages.add(e.message);
      }
      expect(messages.size, [...messages].join('\n')).toBe(1);
    }
  });
});
