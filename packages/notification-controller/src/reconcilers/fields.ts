import { type FieldSupport, Reason } from '@weft/api';
import { StalledError } from '@weft/runtime/reconcile';

/** The spec fields each notification kind implements; the others stall the object (UnsupportedField). */
export const providerFields: FieldSupport = {
  implemented: [
    'spec.type',
    'spec.interval',
    'spec.channel',
    'spec.username',
    'spec.address',
    'spec.timeout',
    'spec.proxy',
    'spec.secretRef',
    'spec.certSecretRef',
    'spec.suspend',
  ],
  notImplemented: ['spec.serviceAccountName', 'spec.commitStatusExpr'],
};

export const alertFields: FieldSupport = {
  implemented: [
    'spec.providerRef',
    'spec.eventSeverity',
    'spec.eventSources',
    'spec.eventMetadata',
    'spec.inclusionList',
    'spec.exclusionList',
    'spec.summary',
    'spec.suspend',
  ],
  notImplemented: [],
};

export const receiverFields: FieldSupport = {
  implemented: [
    'spec.type',
    'spec.interval',
    'spec.events',
    'spec.resources',
    'spec.resourceFilter',
    'spec.secretRef',
    'spec.suspend',
  ],
  notImplemented: [],
};

/** A spec.type this controller does not implement stalls the object, saying which types it does. */
export function unsupportedType(
  kind: 'provider' | 'receiver',
  type: string,
  supported: readonly string[],
): StalledError {
  return new StalledError(
    Reason.InvalidSpec,
    `${kind} type ${type} is not supported; use one of ${supported.join(', ')}`,
  );
}
