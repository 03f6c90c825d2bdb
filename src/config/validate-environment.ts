import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { ConfigValidationError, type ConfigProblem } from './config-validation.error';
import {
  ENVIRONMENT_VARIABLES,
  EnvironmentVariables,
  type EnvironmentVariableName,
} from './environment-variables';

const NAMES = Object.keys(ENVIRONMENT_VARIABLES) as EnvironmentVariableName[];

/** The service's variables in `raw`, trimmed; an empty one counts as unset, so it takes its default. */
function givenIn(raw: Record<string, unknown>): Partial<Record<EnvironmentVariableName, string>> {
  return Object.fromEntries(
    NAMES.flatMap((name) => {
      const value = raw[name];
      const text = typeof value === 'string' ? value.trim() : '';
      return text === '' ? [] : [[name, text]];
    }),
  );
}

function problemOf(error: ValidationError): ConfigProblem {
  return {
    variable: error.property as EnvironmentVariableName,
    problem: Object.values(error.constraints ?? {}).join('; '),
  };
}

/**
 * ConfigModule's `validate`: the typed environment, or a ConfigValidationError
 * with one line for every bad variable.
 */
export function validateEnvironment(raw: Record<string, unknown>): EnvironmentVariables {
  const env = plainToInstance(EnvironmentVariables, givenIn(raw));
  const errors = validateSync(env, { stopAtFirstError: true });
  if (errors.length > 0) throw new ConfigValidationError(errors.map(problemOf));
  return env;
}

/** The validated environment of this process, for the config namespaces. */
export function loadEnvironment(): EnvironmentVariables {
  return validateEnvironment(process.env);
}
