export { CairnError, assertNever, errorMessage } from './errors.js';
export { type Int64Like, IntegerRangeError, clampToSafeNumber, toSafeNumber, toUint64, toLong, longOf, hex16, hex8 } from './uint64.js';
export { type FailpointAction, FailpointError, enableFailpoint, disableFailpoint, failpoint, failpointOn } from './failpoint.js';
export { type Tracer, tracer } from './trace.js';
export { crc32c } from './crc32c.js';
export { fsyncDir } from './fs.js';
export { type LogFields, type Logger, nopLogger } from './logger.js';
export { type TlsMaterial, type TlsOptions, TlsFileError, TlsFiles, readTlsMaterial, tlsProtocolOptions, verifiedCommonName, commonNames } from './tls.js';
