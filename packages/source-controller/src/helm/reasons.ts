import { Reason } from '@weft/api';
import type { FailureReason } from '../source/fetch-step.ts';
import { HelmError } from './errors.ts';

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

/**
 * A step's reading of Helm errors: Flux's reason (`fallback` unless auth or URL), stalled for an
 * invalid URL or an unsupported chart; other errors are not the step's to report.
 */
export function helmFailure(fallback: string): FailureReason {
  return (error) =>
    error instanceof HelmError
      ? {
          reason: fetchReason(error, fallback),
          stalled: error.code === 'InvalidUrl' || error.code === 'Unsupported',
        }
      : undefined;
}
