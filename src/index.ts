// The package's entry for embedding: the service built and not listening (createChitChat), the
// standalone server (listen), and the configuration. The express adapter is `chitchat-api/express`.
export { createChitChat, type ChitChat, type ChitChatOptions } from './chitchat.js';
export { ConfigError, loadConfig, type ChatLimits, type Config } from './config.js';
export { listen, type RunningServer } from './server.js';
