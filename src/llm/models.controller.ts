import { Controller, Get } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/openapi/api-error-responses.decorator';
import type { AllConfig } from '../config/configuration';
import { ModelsResponseDto } from './dto/models-response.dto';

// Listed in this order, the document offers a bearer token first, then X-API-Key.
@ApiSecurity('api-key')
@ApiBearerAuth()
@ApiTags('models')
@ApiErrorResponses('unauthorized', 'rate_limit_exceeded')
@Controller('api/v1/models')
export class ModelsController {
  private readonly models: ModelsResponseDto;

  constructor(config: ConfigService<AllConfig, true>) {
    const { defaultModel, allowedModels } = config.get('llm', { infer: true });
    this.models = { default: defaultModel, models: allowedModels };
  }

  @Get()
  @ApiOperation({ summary: 'The default model and the models a request may pick' })
  @ApiOkResponse({ type: ModelsResponseDto })
  list(): ModelsResponseDto {
    return this.models;
  }
}
