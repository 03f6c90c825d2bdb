import { Controller, Get } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PublicRoute } from './common/auth/public-route.decorator';
import type { AllConfig } from './config/configuration';
import { SkipThrottle } from '@nestjs/throttler';

interface ServiceInfo {
  message: string;
  version: string;
  docs: string;
  playground?: string;
}

@ApiTags('service')
@PublicRoute()
@SkipThrottle()
@Controller()
export class AppController {
  private readonly info: ServiceInfo;

  constructor(config: ConfigService<AllConfig, true>) {
    const { name, version, playground } = config.get('app', { infer: true });
    this.info = {
      message: name,
      version,
      docs: '/docs',
      ...(playground && { playground: '/playground' }),
    };
  }

  @Get()
  @ApiOperation({ summary: 'Service name and version' })
  @ApiOkResponse({
    schema: {
      required: ['message', 'version', 'docs'],
      properties: {
        message: { type: 'string', example: 'llm-chat-api' },
        version: { type: 'string', example: '1.0.0' },
        docs: { type: 'string', example: '/docs' },
        playground: {
          type: 'string',
          example: '/playground',
          description: 'The chat page; absent when PLAYGROUND is off.',
        },
      },
    },
  })
  root(): ServiceInfo {
    return this.info;
  }
}
