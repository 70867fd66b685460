import { CLAIM_INDEX, CLAIM_INDEX_KEYS } from './migrations/0002-create-queue-indexes';
import type { IndexShape } from './index-keys';

/** The indexes `tqw migrate` creates (migrations/0002); `tqw check` reports any that are missing (by key columns, see index-keys.ts). */
export const EXPECTED_INDEXES: readonly IndexShape[] = [{ name: CLAIM_INDEX, keys: CLAIM_INDEX_KEYS }];
