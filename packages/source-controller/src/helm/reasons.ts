import { Reason } from '@weft/api';
import type { HelmError } from './errors.ts';

/** Reasons of the Helm kinds besides the shared ones (Flux's names). */
export const HelmReason = {
  NewArtifact: 'NewArtifact',
  IndexationFailed: 'IndexationFailed',
  IndexationSucceeded: 'IndexationSucceeded',
  ChartPullFailed: 'ChartPullFailed',
  ChartPackageFailed: 'ChartPackageFailed',
  ChartPullSucceeded: 'ChartPullSucceeded',
  ChartPackageSucceeded: 'ChartPackageSucceeded',
  SourceNotReady: 'SourceNotReady',
  NotSupported: 'NotSupported',
} as const;

/** The Ready reason of a HelmError from a fetch. */
export function fetchReason(error: HelmError, fallback: string): string {
  switch (error.code) {
    case 'AuthenticationFailed':
    case 'InvalidSecret':
      return Reason.AuthenticationFailed;
    case 'InvalidUrl':
      return Reason.InvalidURL;
    default:
      return fallback;
  }
}
