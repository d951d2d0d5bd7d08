export { Gateway, type GatewayOptions, gatewayMethods } from './gateway.js';
export { GatewayDecodeError } from './errors.js';
export { messageFromJson, messageToJson } from './json-codec.js';
export { JsonNumber, JsonReader, type JsonValue } from './json-reader.js';
export { GATEWAY_PREFIXES, GATEWAY_ROUTES, type GatewayRoute } from './routes.js';
export { httpStatusOf } from './http-status.js';
