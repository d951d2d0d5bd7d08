/** Where a command writes: `out` for results, `err` for diagnostics (stdout and stderr in the binary). */
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

export const stdio: Io = { out: (l) => console.log(l), err: (l) => console.error(l) };
