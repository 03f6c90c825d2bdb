/** @type {import('jest').Config} */
// ts-jest compiles each file on its own (tsconfig.json's isolatedModules); `npm test` type-checks first.
const transform = {
  '^.+\\.ts$': 'ts-jest',
};

module.exports = {
  // Jest reads the timeout from the top-level config only; the end-to-end tests start servers.
  testTimeout: 30000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform,
    },
  ],
};
