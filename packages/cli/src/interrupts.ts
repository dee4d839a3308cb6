/**
 * Ctrl-C (SIGINT) and SIGTERM during `soma train`. The first asks training to stop after the
 * current batch, then the run is saved and the command exits with 130. A signal that arrives while
 * a save is running never cuts it short: the save completes, then the process exits. A second
 * signal outside a save exits at once (the last complete checkpoint stays as it was).
 */
export class Interrupts {
  private count = 0;
  private saving = 0;
  private exitAfterSave = false;
  private readonly handler = () => this.onSignal();

  constructor(private readonly print: (line: string) => void, private readonly onFirst: () => void) {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
  }

  get interrupted(): boolean {
    return this.count > 0;
  }

  /** Runs a save with signals held back until it is complete. */
  async protect<T>(save: () => Promise<T>): Promise<T> {
    this.saving++;
    try {
      return await save();
    } finally {
      this.saving--;
      if (this.saving === 0 && this.exitAfterSave) process.exit(130);
    }
  }

  /** From here on, signals only mark the run interrupted: what follows is the final save and report. */
  finishing(): void {
    this.saving++;
  }

  dispose(): void {
    process.removeListener('SIGINT', this.handler);
    process.removeListener('SIGTERM', this.handler);
  }

  private onSignal(): void {
    this.count++;
    if (this.count === 1) this.onFirst();
    if (this.saving > 0) {
      this.print('\ninterrupted while saving: the save completes first');
      if (this.count > 1) this.exitAfterSave = true;
      return;
    }
    if (this.count === 1) {
      this.print('\ninterrupted: stopping after this batch and saving the run');
      return;
    }
    this.print('\ninterrupted again: exiting now without saving (the last checkpoint is kept)');
    process.exit(130);
  }
}
