/** The ImageUpdateAutomation spec fields this controller implements, and those it refuses. */
import type { FieldSupport } from '@weft/api';

export const imageUpdateAutomationFields: FieldSupport = {
  implemented: [
    'spec.sourceRef',
    'spec.git.checkout.ref.branch',
    'spec.git.checkout.ref.tag',
    'spec.git.commit',
    'spec.git.push.branch',
    'spec.git.push.refspec',
    'spec.git.push.policyBranches',
    'spec.interval',
    'spec.policySelector',
    'spec.update',
    'spec.suspend',
  ],
  notImplemented: [
    // isomorphic-git sends no push options.
    'spec.git.push.options',
    // A checkout must be a branch or a tag the commit can be pushed from.
    'spec.git.checkout.ref.semver',
    'spec.git.checkout.ref.name',
    'spec.git.checkout.ref.commit',
  ],
};
