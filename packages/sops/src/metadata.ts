/**
 * The `sops` metadata of an encrypted file: how the data key is wrapped (age, OpenPGP; flat or in
 * key groups), the MAC and its timestamp, and which values are encrypted. dotenv and INI files
 * carry it flattened (`age__list_0__map_enc`), which `unflattenMetadata` undoes.
 */

export interface MasterKey {
  enc?: string;
  recipient?: string;
  fp?: string;
}

export interface KeyGroup {
  age?: MasterKey[];
  pgp?: MasterKey[];
  [other: string]: unknown;
}

export interface SopsMetadata extends KeyGroup {
  key_groups?: KeyGroup[];
  shamir_threshold?: number;
  lastmodified?: string;
  mac?: string;
  mac_only_encrypted?: boolean;
  unencrypted_suffix?: string;
  encrypted_suffix?: string;
  unencrypted_regex?: string;
  encrypted_regex?: string;
  version?: string;
}

/** Undoes SOPS's flattening: `a__list_0__map_b` → `{a: [{b}]}`. */
export function unflattenMetadata(flat: Record<string, string>): SopsMetadata {
  const root: Record<string, unknown> = {};
  for (const [flatKey, value] of Object.entries(flat)) {
    const parts = flatKey.split('__');
    let node: Record<string, unknown> | unknown[] = root;
    for (let index = 0; index < parts.length; index++) {
      const part = parts[index] as string;
      const last = index === parts.length - 1;
      const key: string | number = part.startsWith('list_')
        ? Number(part.slice(5))
        : part.startsWith('map_')
          ? part.slice(4)
          : part;
      const next = parts[index + 1];
      const container = next?.startsWith('list_') ? [] : {};
      const holder = node as Record<string | number, unknown>;
      if (last) {
        holder[key] = value;
      } else {
        holder[key] ??= container;
        node = holder[key] as Record<string, unknown> | unknown[];
      }
    }
  }
  const metadata = root as SopsMetadata & Record<string, unknown>;
  if (typeof metadata.shamir_threshold === 'string')
    metadata.shamir_threshold = Number(metadata.shamir_threshold);
  if (typeof metadata.mac_only_encrypted === 'string') {
    metadata.mac_only_encrypted = metadata.mac_only_encrypted === 'true';
  }
  return metadata;
}

/**
 * Whether the value at `path` is encrypted, by SOPS's rules: an `unencrypted_suffix` on any key
 * of the path leaves it plain; with `encrypted_suffix` or `encrypted_regex` only matching paths
 * are encrypted; `unencrypted_regex` leaves matching paths plain.
 */
export function isEncryptedPath(metadata: SopsMetadata, path: readonly string[]): boolean {
  let encrypted = true;
  if (metadata.unencrypted_suffix) {
    const suffix = metadata.unencrypted_suffix;
    if (path.some((key) => key.endsWith(suffix))) encrypted = false;
  }
  if (metadata.encrypted_suffix) {
    const suffix = metadata.encrypted_suffix;
    encrypted = path.some((key) => key.endsWith(suffix));
  }
  if (metadata.unencrypted_regex) {
    const regex = new RegExp(metadata.unencrypted_regex);
    if (path.some((key) => regex.test(key))) encrypted = false;
  }
  if (metadata.encrypted_regex) {
    const regex = new RegExp(metadata.encrypted_regex);
    encrypted = path.some((key) => regex.test(key));
  }
  return encrypted;
}
