import { Controller, Get } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PublicRoute } from './common/auth/public-route.decorator';
import type { AllConfig } from './config/configuration';
import { SkipThrottle } from '@nestjs/throttler';

@ApiTags('service')
@PublicRoute()
@SkipThrottle()
@Controller()
export class AppController {
  private readonly info: { message: string; version: string; docs: string };

  constructor(config: ConfigService<AllConfig, true>) {
    const { name, version } = config.get('app', { infer: true });
    this.info = { message: name, version, docs: '/docs' };
  }

  @Get()
  @ApiOperation({ summary: 'Service name and version' })
  @ApiOkResponse({
    schema: {
      properties: {
        message: { type: 'string', example: 'llm-chat-api' },
        version: { type: 'string', example: '1.0.0' },
        docs: { type: 'string', example: '/docs' },
      },
    },
  })
  root(): { message: string; version: string; docs: string } {
    return this.info;
  }
}
