import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import type { AllConfig } from '../../config/configuration';

/**
 * A model from OPENAI_ALLOWED_MODELS. A Nest provider (class-validator asks the
 * app for it), so the check runs with the other field rules and a bad model is
 * listed with every other bad field.
 */
@ValidatorConstraint({ name: 'allowedModel' })
@Injectable()
export class AllowedModelConstraint implements ValidatorConstraintInterface {
  private readonly allowed: readonly string[];

  constructor(config: ConfigService<AllConfig, true>) {
    this.allowed = config.get('llm.allowedModels', { infer: true });
  }

  validate(value: unknown): boolean {
    return typeof value === 'string' && this.allowed.includes(value);
  }

  defaultMessage(): string {
    return `model must be one of: ${this.allowed.join(', ')}`;
  }
}
