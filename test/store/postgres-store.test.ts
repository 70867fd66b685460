import { describeStoreContract } from './store-contract';
import { createPostgresStoreFixture } from '../support/store-fixtures';

describeStoreContract('PostgreSQL', createPostgresStoreFixture());
