/** The secret the test server and the test workers share (links are signed with it). */
export const TEST_APP_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
