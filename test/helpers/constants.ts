export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
