export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

/**
 * A loopback port nothing listens on, for "connection refused" cases. A port from freePort() is
 * closed only for a moment: another test file's server may be handed it by the kernel before the
 * test connects (CI once got a 404 from a media source there). Port 1 is below the kernel's
 * ephemeral range, so no `listen(0)` is ever given it, and nothing in this project binds it.
 */
export const REFUSED_PORT = 1;
