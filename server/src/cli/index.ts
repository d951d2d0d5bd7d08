export { run, type Io } from './run.js';
export { UsageError } from './errors.js';
export { flagEnvName, flagOrEnv } from './env.js';
