export {
  DEFAULT_NEGOTIATED_PROTOCOL_VERSION,
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  batchesAllowed,
  isSupportedProtocolVersion,
  negotiateProtocolVersion,
  protocolVersionFromHeader,
  type ProtocolVersionHeaderResult,
  type SupportedProtocolVersion,
} from './protocol-version';
export {
  JSON_RPC_ERROR_CODES,
  jsonRpcError,
  type JsonRpcErrorCode,
  type JsonRpcErrorMessage,
} from './json-rpc-error';
export {
  DEFAULT_MAX_BATCH_SIZE,
  classifyJsonRpcMessage,
  parseJsonRpcBody,
  type ClassifiedMessage,
  type JsonRpcBody,
  type JsonRpcParseProblem,
  type ValidClassifiedMessage,
} from './json-rpc-body';
export {
  CLIENT_SAFE_NAME,
  GatewayNameError,
  isVerbatimGatewayName,
  splitGatewayName,
  toGatewayName,
  type SplitGatewayName,
} from './gateway-name';
export {
  AggregateCursorError,
  decodeAggregateCursor,
  encodeAggregateCursor,
  type AggregateCursorPositions,
} from './aggregate-cursor';
