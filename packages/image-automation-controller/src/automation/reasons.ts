/**
 * The reasons an ImageUpdateAutomation's Ready condition gives (as Flux's
 * image-automation-controller), and the errors of a run mapped to them.
 */
import { GitError } from '@weft/git';
import { errorMessage } from '@weft/runtime/errors';
import { ReconcileError, StalledError } from '@weft/runtime/reconcile';
import { UpdatePathError } from './files.ts';
import { SetterFileError } from './setters.ts';
import { MessageTemplateError } from './template.ts';

/** Ready reasons, as Flux's image-automation-controller. */
export const AutomationReason = {
  Succeeded: 'ReconciliationSucceeded',
  InvalidSourceConfig: 'InvalidSourceConfig',
  SourceNotFound: 'GitRepositoryNotFound',
  InvalidSecret: 'InvalidSecret',
  InvalidMessageTemplate: 'InvalidMessageTemplate',
  UpdateFailed: 'UpdateFailed',
  GitOperationFailed: 'GitOperationFailed',
  AuthenticationFailed: 'AuthenticationFailed',
  PushRejected: 'PushRejected',
  /** A cross-namespace spec.sourceRef with `--no-cross-namespace-refs`. */
  AccessDenied: 'AccessDenied',
  /** The reason of the Normal event of each push. */
  Pushed: 'GitPushSucceeded',
} as const;

export function toReconcileError(error: unknown): ReconcileError {
  if (error instanceof ReconcileError) return error;
  // The template is the spec's: retrying cannot fix it, a new spec can.
  if (error instanceof MessageTemplateError)
    return new StalledError(AutomationReason.InvalidMessageTemplate, error.message);
  if (error instanceof UpdatePathError) return new StalledError(AutomationReason.UpdateFailed, error.message);
  if (error instanceof SetterFileError)
    return new ReconcileError(AutomationReason.UpdateFailed, error.message);
  if (error instanceof GitError) {
    switch (error.code) {
      case 'AuthenticationFailed':
        return new ReconcileError(AutomationReason.AuthenticationFailed, error.message);
      case 'InvalidSecret':
      case 'HostKeyUnknown':
        return new ReconcileError(AutomationReason.InvalidSecret, error.message);
      case 'PushRejected':
        return new ReconcileError(AutomationReason.PushRejected, error.message);
      default:
        return new ReconcileError(AutomationReason.GitOperationFailed, error.message);
    }
  }
  return new ReconcileError(AutomationReason.GitOperationFailed, errorMessage(error));
}
