/** Where the CLI reads and writes: the process in `main.ts`, buffers in tests. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** The working directory that relative paths (`-f gatehouse.yaml`) are resolved from. */
  cwd: string;
  /** Aborted on Ctrl-C: long-running commands (`audit tail`) stop cleanly. */
  signal?: AbortSignal;
}
