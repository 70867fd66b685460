'use strict';
/**
 * Example handler: a call to an external service (an email API), simulated.
 *
 *   MessageType: 'SendEmail'
 *   Payload:     { "to": "ada@example.com", "subject": "Welcome", "body": "Hello!" }
 *
 * It shows three things:
 * - `transactional: false`: the handler does not write to the tenant database, so it does not need
 *   (and should not hold) a database transaction while it waits on the network. tqw extends the
 *   message's lease while it runs instead. Note: an external call cannot be rolled back, so if the
 *   worker dies after the call but before the message is marked Completed, the message runs again.
 *   Real code passes `message.id` as the provider's idempotency key so the email goes out once.
 * - honouring `ctx.signal`: when the attempt times out (timeoutMs below) or the worker shuts down,
 *   the signal fires and the pending call is cancelled at once instead of running on.
 * - retries: about 20% of calls fail with a transient error, so you can watch tqw retry them with
 *   backoff (set EXAMPLE_EMAIL_FAILURE_RATE to a number from 0 to 1 to change the rate).
 *
 * Plain CommonJS JavaScript on purpose: drop the file into handlers.dir, no build step needed.
 */

// Node's promise-based timer accepts an AbortSignal: when the signal fires, the timer is cleared and
// the promise rejects with an AbortError.
const { setTimeout: sleep } = require('node:timers/promises');

const DEFAULT_FAILURE_RATE = 0.2;

/** Same convention as product-update.js: an error tqw dead-letters at once instead of retrying. */
function permanentError(message) {
  const err = new Error(message);
  err.name = 'PermanentError';
  err.code = 'TQW_PERMANENT_FAILURE';
  return err;
}

/** Fraction of simulated calls that fail (0..1), from EXAMPLE_EMAIL_FAILURE_RATE or 0.2. */
function failureRate() {
  const rate = Number(process.env.EXAMPLE_EMAIL_FAILURE_RATE ?? DEFAULT_FAILURE_RATE);
  return Number.isFinite(rate) && rate >= 0 && rate <= 1 ? rate : DEFAULT_FAILURE_RATE;
}

/** Pretends to call an email API: waits 100-500 ms, or less if `signal` fires first. */
async function simulateEmailApi(email, signal) {
  await sleep(100 + Math.random() * 400, undefined, { signal });
  if (Math.random() < failureRate()) {
    // An ordinary Error: tqw records it and retries the message later (exponential backoff).
    throw new Error(`simulated email API failure sending to ${email.to}: 503 Service Unavailable, try again later`);
  }
}

module.exports = {
  type: 'SendEmail',

  // No database transaction: see the top comment.
  transactional: false,

  // Give up on one attempt after 10 s (the default is worker.handlerTimeoutMs, 30 s). When it fires,
  // ctx.signal aborts and the attempt counts as failed, so it is retried.
  timeoutMs: 10000,

  async handle(message, ctx) {
    const { to, subject, body } = message.payload ?? {};
    if (typeof to !== 'string' || !to.includes('@')) {
      throw permanentError(`SendEmail payload needs "to" as an email address, got ${JSON.stringify(to)}`);
    }

    ctx.log.info({ to, subject, attempt: message.attempt }, 'sending email');
    await simulateEmailApi({ to, subject, body, idempotencyKey: message.id }, ctx.signal);
    ctx.log.info({ to }, 'email sent');
  },
};
