/** Where a run writes and what it listens to; `run(argv)` uses the process's streams by default. */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface RunIO {
  stdout: Output;
  stderr: Output;
  /** Aborting it acts like Ctrl-C: the current step finishes, a checkpoint is saved, the run ends. */
  signal?: AbortSignal;
  /** Install a SIGINT handler for the run (the CLI does; tests use `signal`). Default false. */
  handleSigint?: boolean;
  /** Every JSON-lines event, whatever the output mode (for tests and embedding). */
  onEvent?: (event: Record<string, unknown>) => void;
}

export function processIO(): RunIO {
  return { stdout: process.stdout, stderr: process.stderr, handleSigint: true };
}
