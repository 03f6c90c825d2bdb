import type { EnvironmentVariableName } from './environment-variables';

export interface ConfigProblem {
  variable: EnvironmentVariableName;
  /** What is wrong, to follow the variable's name: "must be an integer ...". */
  problem: string;
}

/** The environment cannot be used: one line per bad variable, each starting with its name. */
export class ConfigValidationError extends Error {
  readonly variables: readonly EnvironmentVariableName[];

  constructor(problems: readonly ConfigProblem[]) {
    super(problems.map(({ variable, problem }) => `${variable} ${problem}`).join('\n'));
    this.name = 'ConfigValidationError';
    this.variables = problems.map(({ variable }) => variable);
  }
}
