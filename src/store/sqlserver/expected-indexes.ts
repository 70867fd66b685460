import { CLAIM_INDEX } from './migrations/0002-create-queue-indexes';

/** The indexes `tqw migrate` creates (migrations/0002); `tqw check` reports any that are missing. */
export const EXPECTED_INDEXES: readonly string[] = [CLAIM_INDEX];
