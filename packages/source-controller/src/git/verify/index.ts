export { type Keyring, KeyringError, keyringFromSecret } from './keyring.ts';
export { SignatureError, type SignedKind, type Verified, verifyObject } from './verify.ts';
