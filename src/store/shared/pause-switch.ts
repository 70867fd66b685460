import { MAX_MESSAGE_TYPE_LENGTH as MAX_TYPE_LENGTH, type PauseState } from '../types';

/**
 * The QueuePauses key of a pause switch: '' for the whole tenant (messageType undefined), else the
 * type, checked the way producers' types are (non-empty after trimming, at most 255 characters), so
 * a typo fails before any statement runs instead of pausing nothing.
 */
export function pauseKey(messageType: string | undefined): string {
  if (messageType === undefined) return '';
  if (typeof messageType !== 'string' || messageType.trim() === '' || messageType.length > MAX_TYPE_LENGTH) {
    throw new RangeError(
      `a paused message type must be a non-empty string of at most ${MAX_TYPE_LENGTH} characters, got ${JSON.stringify(messageType)}`,
    );
  }
  return messageType;
}

/** The PauseState of a tenant's QueuePauses rows ('' = the whole tenant). */
export function toPauseState(rows: Iterable<{ MessageType: string }>): PauseState {
  let all = false;
  const types: string[] = [];
  for (const { MessageType } of rows) {
    if (MessageType === '') all = true;
    else types.push(MessageType);
  }
  return { all, types: types.sort() };
}

/** Whether messages of `messageType` are paused by `state` (the whole tenant or that type). */
export function isPaused(state: PauseState, messageType: string): boolean {
  return state.all || state.types.includes(messageType);
}

/** A state with nothing paused. */
export const NOT_PAUSED: Readonly<PauseState> = Object.freeze({ all: false, types: Object.freeze([]) as unknown as string[] });
