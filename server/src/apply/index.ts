export { type Alarm, AlarmStore } from './alarms.js';
export { type ApplyOutcome, type ApplyParts, type ApplyResponse, Applier, type MemberAttributes } from './applier.js';
export { ApplyRefusedError } from './errors.js';
export { type AuthResult } from './auth-apply.js';
export { checkTxn } from './auth-check.js';
export * from './request-codec.js';
export * from './requests.js';
