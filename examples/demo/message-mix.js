'use strict';
/**
 * The steady mix of messages the demo producer sends: mostly good ones, plus each way a message can
 * end up in DeadLetter, so the live view shows every column moving.
 */
const { randomUUID } = require('node:crypto');

/** Unknown to examples/handlers: tqw retries it (a handler might be deploying), then dead-letters it. */
const UNKNOWN_TYPE = 'GenerateInvoice';

/**
 * kind -> relative weight and what happens to it:
 * - goodProductUpdate: examples/handlers/product-update.js upserts the tenant's Products row -> Completed
 * - goodSendEmail:     examples/handlers/send-email.js; ~20% of its simulated calls fail and are retried
 *                      (the Failed column), nearly all succeed on a later attempt -> Completed
 * - missingProductId:  the handler throws a PermanentError -> DeadLetter at once, no retries
 * - invalidJson:       Payload is not JSON -> DeadLetter at once, the handler is never called
 * - unknownType:       no handler -> never claimed: stays Pending (tqw stats lists it by type)
 */
const MIX = Object.freeze([
  { kind: 'goodProductUpdate', weight: 50 },
  { kind: 'goodSendEmail', weight: 30 },
  { kind: 'missingProductId', weight: 7 },
  { kind: 'invalidJson', weight: 6 },
  { kind: 'unknownType', weight: 7 },
]);
const TOTAL_WEIGHT = MIX.reduce((sum, entry) => sum + entry.weight, 0);

const ADJECTIVES = ['Blue', 'Red', 'Silent', 'Rapid', 'Tiny', 'Golden', 'Rusty', 'Shiny'];
const NOUNS = ['Widget', 'Gadget', 'Sprocket', 'Gizmo', 'Lever', 'Bracket', 'Valve', 'Hinge'];
const SUBJECTS = ['Welcome', 'Your invoice', 'Password reset', 'Order shipped', 'Weekly digest'];
const BROKEN_JSON = [
  '{"productId": "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "newName": "Unterminated',
  'not json at all',
  "{'to': 'single@quotes.example'}",
];

/** Products per tenant: repeated ids exercise the handler's upsert (insert once, then rename). */
const PRODUCTS_PER_TENANT = 25;

function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

function pickKind() {
  let roll = Math.random() * TOTAL_WEIGHT;
  for (const entry of MIX) {
    roll -= entry.weight;
    if (roll < 0) return entry.kind;
  }
  return MIX[0].kind;
}

/** Creates the per-tenant product ids once; `next()` returns { kind, type, payload (JSON text or not) }. */
function createMessageMix() {
  const productIds = new Map();
  const productIdFor = (tenantId) => {
    if (!productIds.has(tenantId))
      productIds.set(
        tenantId,
        Array.from({ length: PRODUCTS_PER_TENANT }, () => randomUUID()),
      );
    return pick(productIds.get(tenantId));
  };
  const productName = () => `${pick(ADJECTIVES)} ${pick(NOUNS)} ${Math.floor(Math.random() * 1000)}`;

  return {
    next(tenantId) {
      const kind = pickKind();
      switch (kind) {
        case 'goodProductUpdate':
          return { kind, type: 'ProductUpdate', payload: JSON.stringify({ productId: productIdFor(tenantId), newName: productName() }) };
        case 'goodSendEmail':
          return {
            kind,
            type: 'SendEmail',
            payload: JSON.stringify({ to: `customer${Math.floor(Math.random() * 500)}@example.com`, subject: pick(SUBJECTS) }),
          };
        case 'missingProductId':
          return { kind, type: 'ProductUpdate', payload: JSON.stringify({ newName: productName() }) };
        case 'invalidJson':
          return { kind, type: 'ProductUpdate', payload: pick(BROKEN_JSON) };
        case 'unknownType':
          return { kind, type: UNKNOWN_TYPE, payload: JSON.stringify({ invoiceId: randomUUID() }) };
        default:
          throw new Error(`unknown message kind ${kind}`);
      }
    },
  };
}

module.exports = { createMessageMix, MIX, UNKNOWN_TYPE };
