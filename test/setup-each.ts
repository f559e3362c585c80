/**
 * Runs before every test file's tests (vitest `setupFiles`): process-wide caches that production keeps for the
 * life of the process start empty for each test, as they would in a fresh process.
 */
import { beforeEach } from 'vitest';
import { forgetSharedTokens } from '../src/http/oauth.js';

beforeEach(() => {
  forgetSharedTokens();
});
