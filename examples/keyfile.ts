/**
 * The owner's secret key in a password-protected file (what the browser page
 * saves and restores), in Node: `@hecnn/ckks/browser` has no Node imports and
 * runs anywhere with Web Crypto.
 *
 *     node --import tsx examples/keyfile.ts
 */
import { BundleError, DataOwner, INSECURE_OPT_IN, KEY_ID_BYTES, createParameters, decodeSecretKeyFile, encodeSecretKeyFile, randomSeed } from '@hecnn/ckks';
import { openSecretKeyFile, sealSecretKeyFile } from '@hecnn/ckks/browser';

const params = createParameters({ logN: 12, logQ: [30, 30, 30], logP: [30], logDefaultScale: 30, unsafeAllowInsecure: INSECURE_OPT_IN });
const owner = new DataOwner(params);
const plan = { keyId: randomSeed().slice(0, KEY_ID_BYTES), width: 64 };
const file = encodeSecretKeyFile(params, owner.secretKey, plan);

// scrypt at log2 N = 14 keeps the example fast; the default is 17.
const sealed = await sealSecretKeyFile(file, 'correct horse battery staple', { logN: 14 });
console.log(`sealed: ${sealed.length} bytes (header 49, key file ${file.length}, tag 16)`);
const opened = await openSecretKeyFile(sealed, 'correct horse battery staple');
const { plan: back } = decodeSecretKeyFile(opened, { unsafeAllowInsecure: INSECURE_OPT_IN });
console.log(`restored key ${Array.from(back.keyId, (b) => b.toString(16).padStart(2, '0')).join('')}, width ${back.width}`);
try {
  await openSecretKeyFile(sealed, 'wrong password');
  throw new Error('a wrong password was accepted');
} catch (e) {
  if (!(e instanceof BundleError)) throw e;
  console.log(`wrong password: ${e.message}`);
}
