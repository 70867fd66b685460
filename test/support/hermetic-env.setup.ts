/**
 * Jest setup file (runs before each test file): removes the variables that configure tqw or its drivers
 * from this test file's process.env, so code under test never reads the environment that runs the tests
 * (hermetic-env.ts says which).
 */
import { scrubAmbientConfig } from './hermetic-env';

scrubAmbientConfig(process.env);
