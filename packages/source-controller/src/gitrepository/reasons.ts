/** Reasons the GitRepository steps set besides the shared ones. */
export const GitReason = {
  NewArtifact: 'NewArtifact',
  NoArtifact: 'NoArtifact',
  NotFound: 'NotFound',
  ArtifactUnavailable: 'ArtifactUnavailable',
  VerificationError: 'VerificationError',
} as const;
