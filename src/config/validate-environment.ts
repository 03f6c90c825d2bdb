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

/** An upstream's key lives in another variable, outside the class's view: it must be set too. */
function missingUpstreamKeys(
  env: EnvironmentVariables,
  raw: Record<string, unknown>,
): ConfigProblem[] {
  const unset = (env.LLM_UPSTREAMS ?? []).filter(({ api_key_env }) => {
    const value = raw[api_key_env];
    return typeof value !== 'string' || value.trim() === '';
  });
  return unset.length === 0
    ? []
    : [
        {
          variable: 'LLM_UPSTREAMS',
          problem: `names key variables that are not set: ${unset.map(({ name, api_key_env }) => `${api_key_env} (upstream ${name})`).join(', ')}`,
        },
      ];
}

/** A model a request may ask for, or fall back to, that no upstream serves would always fail. */
function unservedModels(env: EnvironmentVariables): ConfigProblem[] {
  const upstreams = env.LLM_UPSTREAMS;
  if (!upstreams) return [];
  const wanted = [
    env.OPENAI_MODEL,
    ...(env.OPENAI_ALLOWED_MODELS ?? []),
    ...(env.LLM_FALLBACK_MODELS ?? []),
  ];
  const unserved = [...new Set(wanted)].filter(
    (model) => !upstreams.some(({ models }) => models === undefined || models.includes(model)),
  );
  return unserved.length === 0
    ? []
    : [
        {
          variable: 'LLM_UPSTREAMS',
          problem: `serves none of these models: ${unserved.join(', ')}`,
        },
      ];
}

/**
 * ConfigModule's `validate`: the typed environment, or a ConfigValidationError
 * with one line for every bad variable.
 */
export function validateEnvironment(raw: Record<string, unknown>): EnvironmentVariables {
  const env = plainToInstance(EnvironmentVariables, givenIn(raw));
  const problems = validateSync(env, { stopAtFirstError: true }).map(problemOf);
  if (problems.length === 0)
    problems.push(...missingUpstreamKeys(env, raw), ...unservedModels(env));
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return env;
}

/** The validated environment of this process, for the config namespaces. */
export function loadEnvironment(): EnvironmentVariables {
  return validateEnvironment(process.env);
}
