import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { UnauthorizedError } from '../common/auth/auth.errors';
import { CurrentCaller, type Caller } from '../common/auth/caller';
import { ApiErrorResponses } from '../common/openapi/api-error-responses.decorator';
import { UsageResponseDto } from './dto/usage-response.dto';
import { UsageService } from './usage.service';

// Listed in this order, the document offers a bearer token first, then X-API-Key.
@ApiSecurity('api-key')
@ApiBearerAuth()
@ApiTags('usage')
@ApiErrorResponses('unauthorized', 'rate_limit_exceeded')
@Controller('api/v1/usage')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @Get()
  @ApiOperation({ summary: "The calling key's usage this UTC day and month, and its limits" })
  @ApiOkResponse({ type: UsageResponseDto })
  get(@CurrentCaller() caller: Caller): Promise<UsageResponseDto> {
    if (caller.keyId === null) throw new UnauthorizedError();
    return this.usage.describe(caller.keyId);
  }
}
