/**
 * Password-protected secret-key files (src/browser/keyfile.ts): a round trip
 * through the documented format, a wrong password and altered bytes refused
 * with the same typed error, and every header field checked.
 */
import { describe, expect, it } from 'vitest';
import { KEY_FILE_HEADER_BYTES, isSealedKeyFile, openSecretKeyFile, sealSecretKeyFile } from '../../src/browser/index.js';
import { HecnnError } from '../../src/core/errors.js';
import { BundleError } from '../../src/mlr/index.js';

const FILE = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 255);
const PW = 'correct horse battery staple';

async function refusal(p: Promise<unknown>): Promise<BundleError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(BundleError);
    expect(e).toBeInstanceOf(HecnnError);
    return e as BundleError;
  }
  throw new Error('expected a refusal');
}

describe('password-protected key files', () => {
  it('round trip, in the documented layout', async () => {
    const progress: number[] = [];
    const sealed = await sealSecretKeyFile(FILE, PW, { logN: 14, r: 8, p: 1, onProgress: (f) => progress.push(f) });
    expect(sealed.length).toBe(KEY_FILE_HEADER_BYTES + FILE.length + 16);
    expect(Array.from(sealed.subarray(0, 9))).toEqual([0x48, 0x45, 0x43, 0x50, 1, 1, 14, 8, 1]);
    expect(isSealedKeyFile(sealed)).toBe(true);
    expect(progress.at(-1)).toBe(1);
    expect(await openSecretKeyFile(sealed, PW)).toEqual(FILE);
    // Fresh salt and nonce every time.
    const again = await sealSecretKeyFile(FILE, PW, { logN: 14 });
    expect(Buffer.from(again.subarray(9, 49)).equals(Buffer.from(sealed.subarray(9, 49)))).toBe(false);
  });

  it('a wrong password, an altered header or ciphertext, and a cut tag are refused alike', async () => {
    const sealed = await sealSecretKeyFile(FILE, PW, { logN: 14 });
    expect((await refusal(openSecretKeyFile(sealed, 'wrong'))).message).toMatch(/password is wrong or the file was altered/);
    for (const at of [12, 30, KEY_FILE_HEADER_BYTES + 5, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[at] ^= 1;
      expect((await refusal(openSecretKeyFile(bad, PW))).message).toMatch(/password is wrong or the file was altered/);
    }
    expect((await refusal(openSecretKeyFile(sealed.subarray(0, sealed.length - 1), PW))).message).toMatch(/altered/);
  });

  it('header fields and arguments are checked before any work', async () => {
    const sealed = await sealSecretKeyFile(FILE, PW, { logN: 14 });
    const edit = (at: number, v: number): Uint8Array => {
      const b = sealed.slice();
      b[at] = v;
      return b;
    };
    expect((await refusal(openSecretKeyFile(edit(0, 0), PW))).message).toMatch(/HECP/);
    expect((await refusal(openSecretKeyFile(edit(4, 2), PW))).message).toMatch(/version/);
    expect((await refusal(openSecretKeyFile(edit(5, 2), PW))).message).toMatch(/KDF/);
    expect((await refusal(openSecretKeyFile(edit(6, 30), PW))).message).toMatch(/log2 N/);
    expect((await refusal(openSecretKeyFile(edit(7, 0), PW))).message).toMatch(/r must/);
    expect((await refusal(openSecretKeyFile(edit(8, 9), PW))).message).toMatch(/p must/);
    expect((await refusal(openSecretKeyFile(sealed.subarray(0, 20), PW))).message).toMatch(/at least/);
    expect((await refusal(openSecretKeyFile(sealed, ''))).message).toMatch(/password/);
    expect((await refusal(sealSecretKeyFile(FILE, PW, { logN: 10 }))).message).toMatch(/log2 N/);
    expect((await refusal(sealSecretKeyFile(new Uint8Array(0), PW))).message).toMatch(/non-empty/);
  });
});
