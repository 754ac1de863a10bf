/** Flux's image-reflector-controller condition reasons, beside the shared ones of @weft/api. */
export const ImageReason = {
  ImageURLInvalid: 'ImageURLInvalid',
  AuthenticationFailed: 'AuthenticationFailed',
  ReadOperationFailed: 'ReadOperationFailed',
  DependencyNotReady: 'DependencyNotReady',
  IntervalNotConfigured: 'IntervalNotConfigured',
  InvalidPolicy: 'InvalidPolicy',
  InvalidExclusionList: 'InvalidExclusionList',
  AccessDenied: 'AccessDenied',
  /** Flux's `metav1.StatusFailure`: a policy that cannot pick a tag, a digest that cannot be read. */
  Failure: 'Failure',
  Succeeded: 'Succeeded',
} as const;
