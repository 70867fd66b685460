'use strict';
/**
 * Undo steps, run last-in first-out: whatever the demo started is stopped in reverse order, also
 * when start-up fails halfway. Each step runs once; a failing step is reported and the rest still run.
 */
function createCleanupStack({ onError }) {
  const steps = [];
  return {
    /** Registers `fn` (sync or async) under a name used in error reports. */
    push(name, fn) {
      let done = false;
      steps.push({
        name,
        async run() {
          if (done) return;
          done = true;
          await fn();
        },
      });
    },
    /** Runs every registered step, newest first. Resolves false if any step failed. */
    async runAll() {
      let ok = true;
      while (steps.length > 0) {
        const step = steps.pop();
        try {
          await step.run();
        } catch (err) {
          ok = false;
          onError(`could not ${step.name}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      return ok;
    },
  };
}

module.exports = { createCleanupStack };
