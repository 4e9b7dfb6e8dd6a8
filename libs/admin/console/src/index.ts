export { CONSOLE_PATH, consoleAssetsDir, registerConsole } from './register-console';
