/**
 * The Payload column's text for a new message: a string is stored as is (the producer already
 * serialised it, possibly as something other than JSON, which the worker will dead-letter);
 * anything else goes through JSON.stringify.
 */
export function serializePayload(payload: unknown, messageType: string): string {
  if (typeof payload === 'string') return payload;
  const text = JSON.stringify(payload);
  if (text === undefined) {
    throw new TypeError(
      `payload of message type '${messageType}' cannot be serialised to JSON (got ${typeof payload}); ` +
        'pass a JSON value (object, array, number, boolean, null) or a JSON string',
    );
  }
  return text;
}
