// Progress of long steps, on stderr so stdout stays for results (URL, --json).
export interface Progress {
  step(message: string): void;
  detail(message: string): void;
}

export const stderrProgress: Progress = {
  step: (m) => process.stderr.write(`==> ${m}\n`),
  detail: (m) => process.stderr.write(`    ${m}\n`),
};

export const silentProgress: Progress = { step: () => {}, detail: () => {} };
