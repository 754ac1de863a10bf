/**
 * What the source.weft.dev kinds share: the group, and the sub-schemas several of them use
 * (timeout, secret references, ignore, OCI verification).
 */
import { arr, describe, duration, obj, str } from '../schema/builder.ts';
import { localObjectReferenceSchema } from '../schema/common.ts';

export const SourceGroup = 'source.weft.dev';
export const SourceVersion = 'v1';
export const SourceApiVersion = `${SourceGroup}/${SourceVersion}` as const;
const categories = ['weft', 'weft-sources'] as const;

export const timeout = duration({
  description: 'Timeout for fetch operations.',
  hours: false,
  default: '60s',
});
export const secretRef = (what: string) => describe(localObjectReferenceSchema, what);
export const ignore = str({
  description:
    'Paths to leave out of the artifact, in .gitignore format. When set, it replaces the default ignore list; .sourceignore files in the source add to it.',
});
export const certSecretRef = secretRef(
  'Secret with TLS material: ca.crt to verify the server, tls.crt and tls.key for a client certificate.',
);
export const proxySecretRef = secretRef(
  'Secret with the proxy to use: address, and optionally username and password.',
);

/** Verification of OCI artifacts (Helm charts in OCI, OCIRepository) with cosign or notation. */
export const ociVerificationSchema = obj(
  {
    provider: str({
      description: 'The verification tool.',
      enum: ['cosign', 'notation'],
      default: 'cosign',
    }),
    secretRef: secretRef(
      'Secret with the trusted public keys (cosign) or certificates and trust policy (notation).',
    ),
    matchOIDCIdentity: arr(
      obj(
        {
          issuer: str({ description: 'Regular expression the OIDC issuer must match.' }),
          subject: str({ description: 'Regular expression the OIDC subject must match.' }),
        },
        { required: ['issuer', 'subject'] },
      ),
      { description: 'Identities keyless signatures must match; any one suffices.' },
    ),
  },
  { description: 'Verify the signature of the artifact.', required: ['provider'] },
);

/** What every source kind's definition shares: its group, version and categories. */
export const sourceKind = { group: SourceGroup, version: SourceVersion, categories } as const;
