// The end of every operator command in tools/: runs `main`, exits with the code it returns, and
// turns an unexpected failure into one line on stderr (with the error's `code`, when it has
// one) and exit code 1.
export function runCommand(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      const code =
        typeof error === 'object' && error && 'code' in error ? ` [${String(error.code)}]` : '';
      console.error(
        `${name}: failed${code}: ${error instanceof Error ? error.message : String(error)}`,
      );
      process.exit(1);
    },
  );
}
