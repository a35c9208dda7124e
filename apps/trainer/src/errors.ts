/**
 * An error the CLI reports as one message, without a stack trace. Exit code 2: the command line or a
 * config file is wrong; 1: the run could not go on (missing data, a corrupt checkpoint...).
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A mistake on the command line or in a config file (exit code 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}
