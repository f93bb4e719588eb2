/**
 * CommonJS: `require('@hecnn/ckks')` and `require('@hecnn/ckks/node')` share
 * one instance (the CommonJS chunks), so a ciphertext made with one is
 * accepted by the other.
 *
 *     node examples/require.cjs
 */
const ckks = require('@hecnn/ckks');
const scheme = require('@hecnn/ckks/ckks');
const { NodePairPool } = require('@hecnn/ckks/node');

const params = ckks.createParameters(ckks.PN12QP90_SEC128);
const kg = new ckks.KeyGenerator(params);
const sk = kg.genSecretKey();
const encoder = new scheme.Encoder(params);
const ct = new ckks.Encryptor(params, sk).encrypt(encoder.encode([0.25, -0.5], params.maxLevel));
const back = encoder.decode(new scheme.Decryptor(params, sk).decrypt(ct));
if (!(ct instanceof scheme.Ciphertext) || Math.abs(back[0] - 0.25) > 1e-4) throw new Error('require: one instance expected');
if (typeof NodePairPool.create !== 'function') throw new Error('require: NodePairPool missing');
console.log(`CommonJS: decrypted ${back[0].toFixed(5)}, ${back[1].toFixed(5)}; one Ciphertext class across entry points`);
