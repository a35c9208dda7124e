import type { RunIO } from './io.js';

/**
 * Ctrl-C during training: the first SIGINT (or the abort of `io.signal`) asks the run to stop after
 * the current step and save a checkpoint; a second SIGINT quits at once.
 */
export class StopRequest {
  private requested = false;
  private readonly onSigint = () => {
    if (this.requested) {
      this.io.stderr.write('\nSecond Ctrl-C: quitting without saving.\n');
      process.exit(130);
    }
    this.requested = true;
    this.io.stderr.write(
      '\nCtrl-C: finishing the current step and saving a checkpoint (press Ctrl-C again to quit at once)...\n',
    );
  };
  private readonly onAbort = () => {
    this.requested = true;
  };

  constructor(private readonly io: RunIO) {
    if (io.handleSigint) process.on('SIGINT', this.onSigint);
    io.signal?.addEventListener('abort', this.onAbort);
    if (io.signal?.aborted) this.requested = true;
  }

  get stop(): boolean {
    return this.requested;
  }

  dispose(): void {
    process.off('SIGINT', this.onSigint);
    this.io.signal?.removeEventListener('abort', this.onAbort);
  }
}
