// A bounded waiting room in front of the MariaDB pool: at most `slots` pieces of work use the
// database at once, at most `maxWaiting` wait for a turn, and a waiter whose deadline passes
// leaves the queue (503) instead of running later. mysql2's own queue keeps timed-out work and
// refuses everything once it holds 1,000 ("Queue limit reached"); this one never does.
import { DatabaseUnavailableError } from './errors.js';

interface Waiter {
  grant: () => void;
  timer: NodeJS.Timeout;
}

export class Admission {
  private active = 0;
  private readonly waiting = new Set<Waiter>();

  constructor(
    private readonly slots: number,
    private readonly maxWaiting: number,
  ) {}

  /** Resolves with a release function once a slot is free, or rejects at `deadlineAt`. */
  acquire(deadlineAt: number): Promise<() => void> {
    if (this.active < this.slots) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.size >= this.maxWaiting) {
      return Promise.reject(new DatabaseUnavailableError(`${this.maxWaiting} requests are already waiting for the database`));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => resolve(this.releaser()),
        timer: setTimeout(
          () => {
            this.waiting.delete(waiter);
            reject(new DatabaseUnavailableError('no database connection came free before the deadline'));
          },
          Math.max(0, deadlineAt - Date.now()),
        ),
      };
      this.waiting.add(waiter);
    });
  }

  get inUse(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.size;
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.values().next();
      if (next.done) {
        this.active--;
        return;
      }
      // The slot passes straight to the oldest waiter.
      this.waiting.delete(next.value);
      clearTimeout(next.value.timer);
      next.value.grant();
    };
  }
}
