/** The exit codes of `weft` (docs/cli/README.md lists them). */
export const ExitCode = {
  /** Done; for `check`, every check passed. */
  Ok: 0,
  /** The command ran and failed: a check failed, a controller did not become Ready in time, the API refused. */
  Failed: 1,
  /** A flag or argument is wrong; nothing was done. */
  Usage: 2,
  /** No kubeconfig, or the cluster cannot be reached or refuses our credentials. */
  Unreachable: 3,
  /** The user answered no (uninstall). */
  Cancelled: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error with what to do about it, and the exit code it ends the command with. */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = ExitCode.Failed) {
    super(message);
    this.exitCode = exitCode;
  }
}
