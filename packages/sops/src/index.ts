export {
  type DecryptOptions,
  decryptSops,
  formatForPath,
  isSopsEncrypted,
  type SopsFormat,
} from './decrypt.ts';
export { SopsError } from './errors.ts';
export { SopsKeyError, type SopsKeys, sopsKeysFromSecret } from './keys.ts';
