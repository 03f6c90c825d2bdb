/** @type {import('jest').Config} */
const transform = {
  '^.+\\.ts$': ['ts-jest', { isolatedModules: true }],
  // Swagger UI's static files are served by @fastify/static, which requires an
  // ESM-only package; Node loads it, Jest's CommonJS runtime needs it compiled.
  '/content-disposition/.+\\.js$': ['ts-jest', { isolatedModules: true, tsconfig: { allowJs: true } }],
};
const transformIgnorePatterns = ['/node_modules/(?!(.+/)?content-disposition/)'];

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform,
      transformIgnorePatterns,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform,
      transformIgnorePatterns,
      testTimeout: 30000,
    },
  ],
};
